"""Decisions from probabilities: one function per kind of classifier output.

Every place that turns probabilities into classes (task metrics, --mode=eval,
--mode=predict, explanations) calls these, so a fitted threshold means the
same everywhere. The kinds:

- single-output binary: (N,) probability of the positive class; positive
  where probability >= threshold (one threshold, 0.5 unless fitted);
- softmax (single label, K classes): (N, K) class probabilities; the argmax
  class (thresholds do not apply);
- multi-label: (N, K) independent label probabilities; label k is on where
  its probability >= threshold k (0.5 for every label unless fitted).

`decide` picks the kind from the shape and a `multi_label` flag, since (N, K)
softmax and multi-label outputs look alike. Decisions are int64 numpy arrays.
"""

from typing import Optional, Sequence

import numpy as np

DEFAULT_THRESHOLD = 0.5

Thresholds = Optional[float | Sequence[float] | np.ndarray]


def _check_ndim(probs: np.ndarray, ndim: int, kind: str) -> np.ndarray:
  probs = np.asarray(probs)
  if probs.ndim != ndim:
    shape = "(N,)" if ndim == 1 else "(N, K)"
    raise ValueError(f"{kind} decisions need probabilities of shape {shape}, "
                     f"got {probs.shape}")
  return probs


def binary_decisions(probs: np.ndarray,
                     threshold: Thresholds = None) -> np.ndarray:
  """(N,) int decisions of a single-output binary classifier.

  Args:
    probs: (N,) probabilities of the positive class.
    threshold: a float, or a one-element sequence or array (a binary task's
      fitted `thresholds`); None means 0.5.

  Returns:
    (N,) int64: 1 where probs >= threshold, else 0.
  """
  probs = _check_ndim(probs, 1, "binary")
  threshold = np.asarray(DEFAULT_THRESHOLD if threshold is None else threshold,
                         np.float64)
  if threshold.size != 1:
    raise ValueError(f"binary decisions take one threshold, got "
                     f"{threshold.size}")
  return (probs >= threshold.reshape(())).astype(np.int64)


def softmax_decisions(probs: np.ndarray) -> np.ndarray:
  """(N,) int decisions of a single-label classifier: the argmax class.

  Args:
    probs: (N, K) class probabilities (or any scores with the same order).

  Returns:
    (N,) int64 class indices in [0, K); ties go to the lower index.
  """
  probs = _check_ndim(probs, 2, "softmax")
  return np.argmax(probs, axis=1).astype(np.int64)


def multi_label_decisions(probs: np.ndarray,
                          thresholds: Thresholds = None) -> np.ndarray:
  """(N, K) int decisions of a multi-label classifier, label by label.

  Args:
    probs: (N, K) label probabilities.
    thresholds: (K,) per-label thresholds (a multi-label task's fitted
      `thresholds`), one float for every label, or None for 0.5.

  Returns:
    (N, K) int64 multi-hot: 1 where probs[:, k] >= thresholds[k].
  """
  probs = _check_ndim(probs, 2, "multi-label")
  thresholds = np.asarray(
      DEFAULT_THRESHOLD if thresholds is None else thresholds, np.float64)
  if thresholds.ndim > 1 or thresholds.size not in (1, probs.shape[1]):
    raise ValueError(f"multi-label decisions over {probs.shape[1]} labels "
                     f"need 1 or {probs.shape[1]} thresholds, got shape "
                     f"{thresholds.shape}")
  return (probs >= thresholds).astype(np.int64)


def decide(probs: np.ndarray, thresholds: Thresholds = None,
           multi_label: bool = False) -> np.ndarray:
  """Decisions of any classifier output, by shape and the `multi_label` flag.

  Args:
    probs: (N,) single-output binary probabilities, or (N, K) softmax
      probabilities (`multi_label` False) or label probabilities (True).
    thresholds: the task's fitted thresholds, None for 0.5; a threshold for
      (N,) binary outputs, (K,) (or one) for multi-label outputs. Softmax
      outputs take the argmax and accept no thresholds.
    multi_label: (N, K) outputs are independent labels, not a softmax.

  Returns:
    (N,) int classes for binary and softmax outputs, (N, K) int multi-hot for
    multi-label outputs.
  """
  probs = np.asarray(probs)
  if probs.ndim == 1 and not multi_label:
    return binary_decisions(probs, thresholds)
  if probs.ndim == 2 and multi_label:
    return multi_label_decisions(probs, thresholds)
  if probs.ndim == 2:
    if thresholds is not None:
      raise ValueError("softmax outputs are decided by argmax; thresholds "
                       "apply to binary and multi-label outputs")
    return softmax_decisions(probs)
  raise ValueError(f"cannot decide from probabilities of shape {probs.shape} "
                   f"(multi_label={multi_label}): expected (N,) binary or "
                   f"(N, K) softmax / multi-label probabilities")
