"""Lead importance over a dataset split: attribution mass and lead-occlusion drop.

Two views of how much a model relies on each lead: the share of the absolute
attribution that falls in the lead (averaged over examples), and the drop in a
performance metric when the lead is flattened (its model input set to 0: the
lead's training mean for normalised inputs, 0 mV otherwise) in every example.
The metric is accuracy for single-label classifiers and macro AUROC for
multi-label ones (`macro_auroc`; exact-match accuracy hardly moves when one
lead of many is lost, so every lead would tie). The ranked table is what the
CPSC2018 study reports (I, aVR and V5 its most informative single leads).
"""

import functools
import json
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from cardiojax.evaluate import decisions
from cardiojax.evaluate import metrics
from cardiojax.explain import attributions


def attribution_mass(attrs: np.ndarray) -> np.ndarray:
  """Share of absolute attribution per lead: (N, T, C) -> (N, C), rows sum to 1."""
  mass = np.abs(np.asarray(attrs, np.float64)).sum(axis=1)
  return mass / np.maximum(mass.sum(axis=1, keepdims=True), 1e-30)


@functools.partial(jax.jit, static_argnums=(0, 1))
def lead_occluded_predictions(model, predict: Callable, variables, x: jax.Array) -> jax.Array:
  """Predictions with nothing and with each lead zeroed: (1 + C, B, ...).

  Args:
    model: `nn.Module` or callable, as in `attributions.apply_model`.
    predict: the task's `predict(outputs)` (jit-safe).
    variables: model variables.
    x: (B, T, C) inputs in mV.
  """
  keep = jnp.concatenate([jnp.ones((1, x.shape[-1])), 1.0 - jnp.eye(x.shape[-1])])
  return jax.vmap(
      lambda k: predict(attributions.apply_model(model, variables, x * k)[0]))(keep)


def lead_importance(model, variables, predict: Callable, source, indices: Sequence[int], *,
                    metric_fn: Callable[[np.ndarray, np.ndarray], float],
                    attribution_fn: Callable | None = None, batch_size: int = 32,
                    thresholds=None):
  """Per-lead attribution mass and lead-occlusion metric drop over examples of a split.

  Args:
    model, variables: the model, as in `attributions.apply_model`.
    predict: the task's `predict(outputs)` (jit-safe).
    source: random access, `source[i] -> {'inputs': (T, C), 'targets': ...}`.
    indices: examples of `source` to use.
    metric_fn: `metric_fn(predictions, targets) -> float`, higher is better.
    attribution_fn: `attribution_fn(model, variables, x, target)` -> (B, T, C); the
      target is each example's predicted class (`predicted_classes`). Default
      `attributions.gradient_x_input`.
    batch_size: examples per batch (the last batch is smaller, nothing is dropped).
    thresholds: the task's fitted thresholds, for the predicted class of (B,)
      binary probabilities (None: 0.5).

  Returns:
    `(mass, drop)`: mean attribution share per lead (C,) (sums to 1) and
    metric(all leads) - metric(lead c zeroed) (C,).
  """
  attribution_fn = attribution_fn or attributions.gradient_x_input
  masses, predictions, targets = [], [], []
  for start in range(0, len(indices), batch_size):
    examples = [source[int(i)] for i in indices[start:start + batch_size]]
    x = jnp.asarray(np.stack([e["inputs"] for e in examples]), jnp.float32)
    preds = np.asarray(lead_occluded_predictions(model, predict, variables, x))
    classes = predicted_classes(preds[0], thresholds)
    masses.append(attribution_mass(attribution_fn(model, variables, x, classes)))
    predictions.append(preds)
    targets.extend(e["targets"] for e in examples)
  predictions = np.concatenate(predictions, axis=1)
  targets = np.stack(targets)
  scores = np.array([metric_fn(p, targets) for p in predictions])
  return np.concatenate(masses).mean(axis=0), scores[0] - scores[1:]


def predicted_classes(predictions: np.ndarray, thresholds=None) -> np.ndarray:
  """Class to explain per example (B,), by `cardiojax.evaluate.decisions`.

  Args:
    predictions: (B, K) probabilities: the most probable class (softmax argmax;
      for a multi-label model its most probable label); (B,) float
      probabilities of a single-output binary model: 1 where >= the threshold;
      or (B,) int classes, kept as they are.
    thresholds: the binary task's fitted threshold (None: 0.5); unused for (B, K).
  """
  predictions = np.asarray(predictions)
  if predictions.ndim == 2:
    return decisions.softmax_decisions(predictions)
  if predictions.ndim == 1 and np.issubdtype(predictions.dtype, np.integer):
    return predictions
  if predictions.ndim == 1:
    return decisions.binary_decisions(predictions, thresholds)
  raise ValueError(f"cannot pick a class from predictions of shape {predictions.shape}")


def macro_auroc(predictions: np.ndarray, targets: np.ndarray) -> float:
  """Macro AUROC of (N, K) label probabilities against (N, K) multi-hot targets.

  The mean over labels of `cardiojax.evaluate.metrics.auroc` (scikit-learn's
  `roc_auc_score(average='macro')` when every label has both classes); labels
  with one class only among the examples are left out (NaN when none is left).
  """
  aurocs = metrics.per_class(metrics.auroc, np.asarray(targets), np.asarray(predictions))
  aurocs = aurocs[~np.isnan(aurocs)]
  return float(aurocs.mean()) if aurocs.size else float("nan")


def decision_agreement(predictions: np.ndarray, decided: np.ndarray, thresholds=None) -> float:
  """Share of decisions that equal `decided` (the model's own, on the intact input).

  Args:
    predictions: (N,) binary, (N, K) softmax or multi-label probabilities.
    decided: (N,) classes (`predicted_classes` of predictions) or (N, K)
      multi-hot label decisions; the latter are compared label by label.
    thresholds: the task's fitted thresholds (None: 0.5).
  """
  decided = np.asarray(decided)
  if decided.ndim == 2:
    now = decisions.multi_label_decisions(predictions, thresholds)
  else:
    now = predicted_classes(predictions, thresholds)
  return float(np.mean(now == decided))


def ranked_table(lead_names: Sequence[str], mass: np.ndarray, drop: np.ndarray) -> list[dict]:
  """Rows {lead, mass, mass_rank, drop, drop_rank}, most attribution mass first."""
  mass_rank = np.argsort(np.argsort(-np.asarray(mass))) + 1
  drop_rank = np.argsort(np.argsort(-np.asarray(drop))) + 1
  rows = [dict(lead=name, mass=float(m), mass_rank=int(mr), drop=float(d), drop_rank=int(dr))
          for name, m, mr, d, dr in zip(lead_names, mass, mass_rank, drop, drop_rank)]
  return sorted(rows, key=lambda row: row["mass_rank"])


def to_markdown(rows: list[dict], metric_name: str = "metric") -> str:
  """The ranked table as GitHub markdown."""
  lines = [f"| lead | attribution share | rank | {metric_name} drop when flattened | rank |",
           "|---|---:|---:|---:|---:|"]
  lines += [f"| {r['lead']} | {r['mass']:.3f} | {r['mass_rank']} | {r['drop']:+.4f} | "
            f"{r['drop_rank']} |" for r in rows]
  return "\n".join(lines) + "\n"


def to_json(rows: list[dict], metric_name: str = "metric") -> str:
  """The ranked table as JSON: {"metric": name, "leads": rows}."""
  return json.dumps({"metric": metric_name, "leads": rows}, indent=2)
