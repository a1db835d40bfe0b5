"""Corpus-specific metrics, chosen by name in `config.eval.metrics`.

Some corpora come with their own scoring rules (AAMI EC57 for beat classes,
the CPSC2018 challenge score). A config names the ones it wants, e.g.
`config.eval.metrics = ("aami",)`; the classification head built with
`metric_names=config.eval.metrics` checks them once (`check`) and adds them to
its metrics under '<name>/<key>' (`compute`).

Each entry of `METRICS` computes unprefixed keys from
`(probs, targets, decisions, class_names)`: the head's probabilities, its
targets as given (class indices, multi-hot or padded label lists), its
decisions (`cardiojax.evaluate.decisions`, at the fitted thresholds) and its
class names.
"""

import dataclasses
from typing import Callable, Optional, Sequence

import numpy as np

from cardiojax.evaluate import aami
from cardiojax.evaluate import cpsc2018_score
from cardiojax.evaluate import decisions as decisions_lib

# The output kinds of `decisions`, as the heads name them.
KINDS = ("binary", "softmax", "multi_label")


@dataclasses.dataclass(frozen=True)
class NamedMetric:
  """A metric family a config can ask for by name.

  Attributes:
    compute: `(probs, targets, decisions, class_names) -> {key: value}`, keys
      without the name prefix.
    kinds: output kinds it applies to (see `KINDS`).
    requirement: `(class_names, label_lists) -> None` when the head fits, else
      what it needs (an error message completing "'<name>' needs ...").
  """
  compute: Callable[..., dict[str, float]]
  kinds: tuple[str, ...]
  requirement: Callable[[tuple[str, ...], bool], Optional[str]]


def _aami(probs, targets, decisions, class_names):
  """AAMI EC57 Se/+P per class N, S, V, F and jκ of the argmax class."""
  del probs, class_names
  return aami.aami_metrics(np.asarray(targets, np.int64), decisions)


def _aami_requirement(class_names, label_lists):
  del label_lists
  if tuple(class_names) != aami.AAMI_CLASSES[:len(class_names)]:
    return (f"class_names in the order {aami.AAMI_CLASSES}, got "
            f"{tuple(class_names)}")
  return None


def _cpsc2018(probs, targets, decisions, class_names):
  """The official CPSC2018 score of the most probable label of each record."""
  del decisions, class_names
  return cpsc2018_score.cpsc2018_score(
      decisions_lib.softmax_decisions(probs), targets)


def _cpsc2018_requirement(class_names, label_lists):
  if not label_lists or tuple(class_names) != cpsc2018_score.CPSC2018_CLASSES:
    return (f"label_lists=True and class_names "
            f"{cpsc2018_score.CPSC2018_CLASSES}")
  return None


METRICS = {
    "aami": NamedMetric(_aami, ("softmax",), _aami_requirement),
    "cpsc2018": NamedMetric(_cpsc2018, ("multi_label",),
                            _cpsc2018_requirement),
}


def check(names: Sequence[str], kind: str, class_names: Sequence[str],
          label_lists: bool = False) -> tuple[str, ...]:
  """Validates metric names for a head; returns them as a tuple.

  Args:
    names: the names from `config.eval.metrics`.
    kind: the head's output kind, one of `KINDS`.
    class_names: the head's class names.
    label_lists: the head's targets are padded label lists.

  Raises:
    ValueError: a name is unknown or does not fit the head.
  """
  names = tuple(names)
  for name in names:
    if name not in METRICS:
      raise ValueError(f"config.eval.metrics: unknown metric {name!r}; "
                       f"expected names from {sorted(METRICS)}")
    metric = METRICS[name]
    if kind not in metric.kinds:
      raise ValueError(f"config.eval.metrics: {name!r} applies to "
                       f"{'/'.join(metric.kinds)} outputs, not {kind}")
    needed = metric.requirement(tuple(class_names), label_lists)
    if needed is not None:
      raise ValueError(f"config.eval.metrics: {name!r} needs {needed}")
  return names


def compute(names: Sequence[str], probs: np.ndarray, targets: np.ndarray,
            decisions: np.ndarray,
            class_names: Sequence[str]) -> dict[str, float]:
  """The named metrics, as {'<name>/<key>': value} in the order of `names`."""
  results = {}
  for name in names:
    values = METRICS[name].compute(probs, targets, decisions, class_names)
    results.update({f"{name}/{key}": value for key, value in values.items()})
  return results
