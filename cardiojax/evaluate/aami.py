"""AAMI EC57 beat-classification metrics and the jκ index.

Classes are the AAMI groups in the order N, S (SVEB), V (VEB), F, Q. As in de
Chazal et al. 2004 (IEEE TBME 51:1196), beats whose TRUE class is Q are left
out of the statistics; a beat of class N, S, V or F that the model labels Q
still counts, as a miss of its true class (with 10 true S beats, 5 predicted
S and 5 predicted Q, Se(S) = 0.5). The scores use the 5x5 confusion matrix
with its true-Q row removed.

Per class k: sensitivity Se = TP / (TP + FN), positive predictivity
+P = TP / (TP + FP), false positive rate FPR = FP / (FP + TN) and accuracy.
Following AAMI EC57 (and de Chazal 2004), F beats classified as V are not
counted as V false positives (`f_as_v_exempt`).

Index (Mar et al. 2011, the form implemented by Mondéjar-Guerra et al. 2019,
github.com/mondejar/ecg-classification `python/evaluation_AAMI.py`):
  j  = Se_S + Se_V + +P_S + +P_V                     (in [0, 4])
  jκ = 1/2 κ + 1/8 j                                  (in [-0.5, 1])
where κ is Cohen's kappa of the 4x4 confusion matrix.
"""

from typing import Optional

import numpy as np

from cardiojax.evaluate import metrics

AAMI_CLASSES = ("N", "S", "V", "F", "Q")
_N, _S, _V, _F = 0, 1, 2, 3


def aami_metrics(labels: np.ndarray, predicted: np.ndarray,
                 f_as_v_exempt: bool = True,
                 confusion: Optional[np.ndarray] = None) -> dict[str, float]:
  """Se, +P, FPR and accuracy per class N, S, V, F, plus kappa, j and jκ.

  Args:
    labels: (N,) int true AAMI classes (0..4 in `AAMI_CLASSES` order).
    predicted: (N,) int predicted classes, same coding.
    f_as_v_exempt: do not count true-F beats predicted V as V false positives.
    confusion: a 5x5 (or 4x4, no Q) confusion matrix (rows true, columns
      predicted) to use instead of the labels.

  Returns:
    'se/N', '+p/N', 'fpr/N', 'acc/N', ... per class, 'accuracy' (the share
    of N, S, V, F beats given their true class), 'kappa', 'j_index' and
    'jk_index'. Undefined ratios are NaN.
  """
  if confusion is None:
    labels = np.asarray(labels, np.int64)
    predicted = np.asarray(predicted, np.int64)
    confusion = metrics.confusion_matrix(labels, predicted, len(AAMI_CLASSES))
  confusion = np.asarray(confusion, np.float64)
  full = np.zeros((len(AAMI_CLASSES),) * 2)
  full[:confusion.shape[0], :confusion.shape[1]] = confusion
  full[4] = 0.0  # beats whose true class is Q are left out
  total = full.sum()
  results = {}
  for k, name in enumerate(AAMI_CLASSES[:4]):
    tp = full[k, k]
    fn = full[k].sum() - tp
    fp = full[:, k].sum() - tp
    if k == _V and f_as_v_exempt:
      fp -= full[_F, _V]
    tn = total - tp - fn - fp
    with np.errstate(invalid="ignore", divide="ignore"):
      results[f"se/{name}"] = float(np.float64(tp) / (tp + fn))
      results[f"+p/{name}"] = float(np.float64(tp) / (tp + fp))
      results[f"fpr/{name}"] = float(np.float64(fp) / (fp + tn))
      results[f"acc/{name}"] = float(np.float64(tp + tn) / total)
  kappa = metrics.cohen_kappa(full)
  j_index = (results["se/S"] + results["se/V"] + results["+p/S"]
             + results["+p/V"])
  results.update({
      "accuracy": float(np.trace(full) / total) if total else float("nan"),
      "kappa": kappa,
      "j_index": j_index,
      "jk_index": 0.5 * kappa + 0.125 * j_index,
  })
  return results
