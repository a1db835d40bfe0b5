"""Corpus metrics by name (`config.eval.metrics`): registry, checks, numbers."""

import numpy as np
import pytest

from cardiojax.evaluate import aami
from cardiojax.evaluate import cpsc2018_score
from cardiojax.evaluate import decisions
from cardiojax.evaluate import named_metrics
from cardiojax.tasks import classification

# The AAMI keys the multi-class head reported under its former `aami=True`.
AAMI_KEYS = [f"aami/{metric}/{name}" for name in "NSVF"
             for metric in ("se", "+p", "fpr", "acc")] + [
                 "aami/accuracy", "aami/kappa", "aami/j_index", "aami/jk_index"]


def _beats():
  """The hand example of test_evaluate_scores: rows true, columns predicted."""
  confusion = np.array([
      [80, 5, 3, 2, 1],
      [4, 10, 1, 0, 0],
      [2, 1, 20, 2, 0],
      [1, 0, 3, 4, 0],
      [1, 0, 0, 0, 3],
  ])
  labels, predicted = np.nonzero(confusion)
  counts = confusion[labels, predicted]
  return np.repeat(labels, counts), np.repeat(predicted, counts)


def test_aami_by_name_gives_the_hand_numbers():
  labels, predicted = _beats()
  probs = np.full((len(labels), 5), 0.05)
  probs[np.arange(len(labels)), predicted] = 0.8  # argmax = predicted.
  results = named_metrics.compute(("aami",), probs, labels,
                                  decisions.softmax_decisions(probs),
                                  aami.AAMI_CLASSES)
  assert list(results) == AAMI_KEYS
  assert results["aami/se/S"] == pytest.approx(10 / 15)
  assert results["aami/+p/S"] == pytest.approx(10 / 16)
  assert results["aami/+p/V"] == pytest.approx(20 / 24)  # F as V exempt.
  j_index = 10 / 15 + 20 / 25 + 10 / 16 + 20 / 24
  assert results["aami/j_index"] == pytest.approx(j_index)
  assert results == {f"aami/{key}": value for key, value
                     in aami.aami_metrics(labels, predicted).items()}
  # Through the head: the same keys and values after its own metrics.
  head = classification.MultiClassClassification(
      class_names=aami.AAMI_CLASSES, metric_names=("aami",))
  from_head = head.metrics(probs, labels)
  assert list(from_head)[-len(AAMI_KEYS):] == AAMI_KEYS
  assert {key: from_head[key] for key in AAMI_KEYS} == results


def test_cpsc2018_by_name_scores_the_argmax_label():
  references = np.array([[1, 7, -1], [0, -1, -1], [4, 2, -1], [5, -1, -1]])
  probs = np.full((4, 9), 0.1)
  probs[[0, 1, 2, 3], [7, 0, 3, 6]] = 0.9
  results = named_metrics.compute(("cpsc2018",), probs, references,
                                  decisions.multi_label_decisions(probs),
                                  cpsc2018_score.CPSC2018_CLASSES)
  official = cpsc2018_score.cpsc2018_score(np.array([7, 0, 3, 6]), references)
  assert results == pytest.approx({f"cpsc2018/{key}": value
                                   for key, value in official.items()}, nan_ok=True)
  assert list(results)[:5] == ["cpsc2018/F1", "cpsc2018/Faf", "cpsc2018/Fblock",
                               "cpsc2018/Fpc", "cpsc2018/Fst"]


def test_names_are_checked_against_the_head():
  assert named_metrics.check([], "binary", ("a", "b")) == ()
  assert named_metrics.check(["aami"], "softmax", aami.AAMI_CLASSES) == ("aami",)
  with pytest.raises(ValueError) as error:
    named_metrics.check(("jk",), "softmax", aami.AAMI_CLASSES)
  message = str(error.value)
  assert "config.eval.metrics" in message and "'jk'" in message
  assert "['aami', 'cpsc2018']" in message and "\n" not in message
  with pytest.raises(ValueError, match="'aami' needs class_names in the order"):
    named_metrics.check(("aami",), "softmax", ("N", "V", "S"))
  with pytest.raises(ValueError, match="'aami' applies to softmax outputs, not binary"):
    named_metrics.check(("aami",), "binary", ("N", "S"))
  with pytest.raises(ValueError, match="'cpsc2018' needs label_lists=True"):
    named_metrics.check(("cpsc2018",), "multi_label",
                        cpsc2018_score.CPSC2018_CLASSES, label_lists=False)
  assert named_metrics.check(("cpsc2018",), "multi_label",
                             cpsc2018_score.CPSC2018_CLASSES, label_lists=True)
