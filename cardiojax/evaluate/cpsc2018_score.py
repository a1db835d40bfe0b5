"""The official score of the China Physiological Signal Challenge 2018.

Reimplements the organisers' `score_py3.py` (Wang, Liu, Liu, Southeast
University). Each record gets one predicted class; a record may carry up to
three reference classes, the first being the primary one. The 9x9 matrix N
counts a prediction on the diagonal when it matches any reference class, and
otherwise in the row of the first reference class. Per class,
F1_k = 2 N_kk / (sum_j N_kj + sum_j N_jk), and the challenge score is the
mean of the nine F1_k. The sub-scores pool classes the same way:
  Faf    = F1 of AF,
  Fblock = 2 (N_33 + N_44 + N_55) / (rows + columns of I-AVB, LBBB, RBBB),
  Fpc    = 2 (N_66 + N_77) / (rows + columns of PAC, PVC),
  Fst    = 2 (N_88 + N_99) / (rows + columns of STD, STE),
with the classes numbered 1..9 in `CPSC2018_CLASSES` order.
"""

from typing import Sequence

import numpy as np

CPSC2018_CLASSES = ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC",
                    "STD", "STE")
_GROUPS = {"Faf": (1,), "Fblock": (2, 3, 4), "Fpc": (5, 6), "Fst": (7, 8)}


def cpsc2018_confusion(predicted: np.ndarray,
                       references: Sequence[Sequence[int]] | np.ndarray
                       ) -> np.ndarray:
  """The challenge's 9x9 matrix (row = credited reference, column = predicted).

  Args:
    predicted: (N,) int predicted class per record, 0..8.
    references: per record, its reference classes with the first one first;
      a list of lists or an (N, M) int array padded with -1.
  """
  confusion = np.zeros((9, 9), np.int64)
  for prediction, reference in zip(np.asarray(predicted), references):
    reference = [int(r) for r in reference if r >= 0]
    row = prediction if prediction in reference else reference[0]
    confusion[row, prediction] += 1
  return confusion


def _pooled_f1(confusion: np.ndarray, classes: Sequence[int]) -> float:
  classes = list(classes)
  denominator = (confusion[classes, :].sum() + confusion[:, classes].sum())
  if denominator == 0:
    return float("nan")
  return float(2 * confusion[classes, classes].sum() / denominator)


def cpsc2018_score(predicted: np.ndarray,
                   references: Sequence[Sequence[int]] | np.ndarray
                   ) -> dict[str, float]:
  """The challenge score 'F1', its sub-scores and the nine class F1s.

  Args:
    predicted: (N,) int predicted class per record, 0..8.
    references: per record, its reference classes, primary first (see
      `cpsc2018_confusion`).

  Returns:
    'F1' (mean of the nine class F1s), 'Faf', 'Fblock', 'Fpc', 'Fst' and
    'F1/<class>' per class. A class absent from both predictions and
    references has F1 NaN (the official script divides by zero there), and
    'F1' is then NaN too.
  """
  confusion = cpsc2018_confusion(predicted, references)
  class_f1 = [_pooled_f1(confusion, [k]) for k in range(9)]
  results = {"F1": float(np.mean(class_f1))}
  results.update({name: _pooled_f1(confusion, classes)
                  for name, classes in _GROUPS.items()})
  results.update({f"F1/{name}": f1
                  for name, f1 in zip(CPSC2018_CLASSES, class_f1)})
  return results
