"""Per-class decision thresholds, fitted on validation and applied unchanged.

A threshold t predicts positive where the probability is >= t. Candidates are
the distinct validation scores (each one a distinct operating point); ties in
the criterion go to the highest threshold. A class without positives or
without negatives in the validation set keeps `default`.
"""

import numpy as np

from cardiojax.evaluate import decisions
from cardiojax.evaluate import metrics

METHODS = ("f1", "youden")


def _fit_one(targets: np.ndarray, scores: np.ndarray, method: str,
             default: float) -> float:
  fps, tps, thresholds = metrics.binary_counts(targets, scores)
  positives, negatives = tps[-1], fps[-1]
  if positives == 0 or negatives == 0:
    return default
  if method == "f1":
    criterion = 2 * tps / (tps + fps + positives)
  else:
    criterion = tps / positives - fps / negatives
  return float(thresholds[np.argmax(criterion)])


def fit_thresholds(val_probs: np.ndarray, val_targets: np.ndarray,
                   method: str = "f1", default: float = 0.5) -> np.ndarray:
  """Chooses one threshold per class on validation data.

  Args:
    val_probs: (N, K) or (N,) validation probabilities.
    val_targets: same shape, binary (multi-hot or one-vs-rest) truth.
    method: 'f1' (maximum F1) or 'youden' (maximum J = TPR - FPR).
    default: threshold of a class that cannot be fitted.

  Returns:
    (K,) thresholds, or a 0-d array for 1-D inputs.
  """
  if method not in METHODS:
    raise ValueError(f"threshold method: expected one of {METHODS}, "
                     f"got {method!r}")
  probs = np.asarray(val_probs, np.float64)
  targets = np.asarray(val_targets)
  if probs.ndim == 1:
    return np.asarray(_fit_one(targets, probs, method, default))
  return np.array([_fit_one(targets[:, k], probs[:, k], method, default)
                   for k in range(probs.shape[1])])


def apply_thresholds(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
  """(N, K) or (N,) int decisions: 1 where probs >= the class threshold.

  The thresholded kinds of `decisions`: (N,) binary probabilities with one
  threshold, (N, K) multi-label probabilities with (K,) or one threshold.
  """
  if np.ndim(probs) == 1:
    return decisions.binary_decisions(probs, thresholds)
  return decisions.multi_label_decisions(probs, thresholds)
