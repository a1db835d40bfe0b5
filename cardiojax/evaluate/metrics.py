"""Host metrics in numpy: classification, ranking and regression.

Definitions follow scikit-learn so that numbers compare with published code:
confusion matrices have true classes as rows and predictions as columns;
precision, recall and F1 are 0 where undefined (`zero_division=0`); balanced
accuracy is the mean recall over the classes present in the targets; AUROC is
the trapezoidal area under the ROC curve and AUPRC the average precision
(sum over thresholds of the recall step times the precision). A ranking metric
of a class without positives (or, for AUROC, without negatives) is NaN, and
macro averages leave NaN classes out.
"""

from typing import Optional, Sequence

import numpy as np


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray,
                     num_classes: int) -> np.ndarray:
  """(K, K) int counts: row = true class, column = predicted class."""
  labels = np.asarray(labels, np.int64)
  predicted = np.asarray(predicted, np.int64)
  return np.bincount(labels * num_classes + predicted,
                     minlength=num_classes**2).reshape(num_classes, num_classes)


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
  """Fraction of exact matches; labels and predicted (N,) or (N, K)."""
  labels, predicted = np.asarray(labels), np.asarray(predicted)
  matches = labels == predicted
  if matches.ndim > 1:
    matches = matches.all(axis=tuple(range(1, matches.ndim)))
  return float(np.mean(matches))


def _safe_divide(numerator, denominator):
  numerator = np.asarray(numerator, np.float64)
  denominator = np.asarray(denominator, np.float64)
  return np.divide(numerator, denominator, out=np.zeros_like(numerator),
                   where=denominator > 0)


def precision_recall_f1(confusion: np.ndarray) -> dict[str, np.ndarray]:
  """Per-class precision, recall, F1 and support (K,) from a confusion."""
  tp = np.diag(confusion)
  predicted = confusion.sum(axis=0)
  support = confusion.sum(axis=1)
  return {
      "precision": _safe_divide(tp, predicted),
      "recall": _safe_divide(tp, support),
      "f1": _safe_divide(2 * tp, predicted + support),
      "support": support,
  }


def balanced_accuracy(confusion: np.ndarray) -> float:
  """Mean recall over the classes that occur in the targets."""
  support = confusion.sum(axis=1)
  present = support > 0
  return float(np.mean(np.diag(confusion)[present] / support[present]))


def cohen_kappa(confusion: np.ndarray) -> float:
  """Cohen's kappa (p_o - p_e) / (1 - p_e) from a confusion matrix."""
  confusion = np.asarray(confusion, np.float64)
  total = confusion.sum()
  if total == 0:
    return float("nan")
  observed = np.trace(confusion) / total
  expected = np.dot(confusion.sum(axis=0), confusion.sum(axis=1)) / total**2
  if expected == 1.0:  # one class only: kappa is undefined
    return float("nan")
  return float((observed - expected) / (1.0 - expected))


def binary_counts(targets: np.ndarray, scores: np.ndarray):
  """Counts (fps, tps) at or above each distinct score, and the scores."""
  targets = np.asarray(targets).astype(bool)
  scores = np.asarray(scores, np.float64)
  order = np.argsort(-scores, kind="mergesort")
  scores, targets = scores[order], targets[order]
  ends = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
  tps = np.cumsum(targets)[ends]
  fps = ends + 1 - tps
  return fps, tps, scores[ends]


def roc_curve(targets: np.ndarray, scores: np.ndarray):
  """ROC points (fpr, tpr, thresholds), from (0, 0) at threshold +inf.

  Args:
    targets: (N,) binary.
    scores: (N,) higher = more positive; a threshold t predicts score >= t.
  """
  fps, tps, thresholds = binary_counts(targets, scores)
  fps, tps = np.r_[0, fps], np.r_[0, tps]
  with np.errstate(invalid="ignore", divide="ignore"):
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds]


def precision_recall_curve(targets: np.ndarray, scores: np.ndarray):
  """(precision, recall, thresholds) at each distinct score, highest first."""
  fps, tps, thresholds = binary_counts(targets, scores)
  with np.errstate(invalid="ignore", divide="ignore"):
    return tps / (tps + fps), tps / tps[-1], thresholds


def auroc(targets: np.ndarray, scores: np.ndarray) -> float:
  """Area under the ROC curve; NaN when only one class is present."""
  targets = np.asarray(targets).astype(bool)
  if targets.all() or not targets.any():
    return float("nan")
  fpr, tpr, _ = roc_curve(targets, scores)
  return float(np.trapezoid(tpr, fpr))


def auprc(targets: np.ndarray, scores: np.ndarray) -> float:
  """Average precision, sum_n (R_n - R_{n-1}) P_n; NaN without positives."""
  if not np.asarray(targets).astype(bool).any():
    return float("nan")
  precision, recall, _ = precision_recall_curve(targets, scores)
  return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def per_class(metric, targets: np.ndarray, scores: np.ndarray) -> np.ndarray:
  """`metric(targets[:, k], scores[:, k])` for each column k, as (K,)."""
  return np.array([metric(targets[:, k], scores[:, k])
                   for k in range(scores.shape[1])])


def fmax(targets: np.ndarray, scores: np.ndarray,
         thresholds: Optional[np.ndarray] = None) -> float:
  """Protein-centric maximum F-measure of CAFA, as used for PTB-XL.

  Radivojac et al. 2013 (Nat. Methods 10:221); Strodthoff et al. 2021 (IEEE
  JBHI 25:1519). At a threshold t, precision is averaged over the examples
  with at least one score >= t, recall over the examples with at least one
  positive label; Fmax is the largest harmonic mean over t.

  Args:
    targets: (N, K) multi-hot.
    scores: (N, K) probabilities.
    thresholds: candidate t; default 0.00, 0.01, ..., 1.00.
  """
  targets = np.asarray(targets).astype(bool)
  scores = np.asarray(scores, np.float64)
  thresholds = np.linspace(0.0, 1.0, 101) if thresholds is None else thresholds
  labelled = targets.any(axis=1)
  best = 0.0
  for t in thresholds:
    predicted = scores >= t
    num_predicted = predicted.sum(axis=1)
    if not num_predicted.any():
      continue
    tp = (predicted & targets).sum(axis=1)
    predicting = num_predicted > 0
    precision = np.mean(tp[predicting] / num_predicted[predicting])
    recall = np.mean(tp[labelled] / targets[labelled].sum(axis=1))
    if precision + recall > 0:
      best = max(best, 2 * precision * recall / (precision + recall))
  return float(best)


def benchmark_decisions(scores: np.ndarray, thresholds) -> np.ndarray:
  """(N, K) int multi-hot as the PTB-XL benchmark binarises for F/G_beta.

  `scores > thresholds` per label, and where no label passes, the most
  probable one is set (helme/ecg_ptbxl_benchmarking `utils.apply_thresholds`,
  Strodthoff et al. 2021).
  """
  scores = np.asarray(scores, np.float64)
  decided = (scores > np.asarray(thresholds, np.float64)).astype(np.int64)
  none = ~decided.any(axis=1)
  decided[none, np.argmax(scores[none], axis=1)] = 1
  return decided


def challenge_beta_scores(targets: np.ndarray, decided: np.ndarray,
                          beta: float = 2.0) -> dict[str, float]:
  """Macro F_beta and G_beta of the PhysioNet/CinC Challenge 2020 draft metric.

  As the PTB-XL benchmark reports them (helme/ecg_ptbxl_benchmarking
  `utils.challenge_metrics(beta1=2, beta2=2)`; Perez Alday et al. 2020,
  Physiol. Meas. 41:124003): every example is weighted by 1 / its number of
  positive labels (examples without any label count once), and per label
  F_beta = (1 + b^2) TP / ((1 + b^2) TP + FP + b^2 FN),
  G_beta = TP / (TP + FP + b FN); both are averaged over the labels.

  Args:
    targets: (N, K) multi-hot truth.
    decided: (N, K) multi-hot decisions (`benchmark_decisions`).
    beta: the benchmark's beta1 = beta2 = 2.

  Returns:
    {'f_beta2_macro', 'g_beta2_macro'} (the key carries `beta`).
  """
  targets = np.asarray(targets).astype(bool)
  decided = np.asarray(decided).astype(bool)
  weights = 1.0 / np.maximum(targets.sum(axis=1), 1)[:, None]
  tp = (weights * (targets & decided)).sum(axis=0)
  fp = (weights * (~targets & decided)).sum(axis=0)
  fn = (weights * (targets & ~decided)).sum(axis=0)
  b2 = beta ** 2
  with np.errstate(invalid="ignore", divide="ignore"):
    f_beta = (1 + b2) * tp / ((1 + b2) * tp + fp + b2 * fn)
    g_beta = tp / (tp + fp + beta * fn)
  name = f"{beta:g}"
  return {f"f_beta{name}_macro": float(np.mean(f_beta)),
          f"g_beta{name}_macro": float(np.mean(g_beta))}


def _named(prefix: str, values: np.ndarray,
           names: Sequence[str]) -> dict[str, float]:
  return {f"{prefix}/{name}": float(v) for name, v in zip(names, values)}


def _macro(values: np.ndarray) -> float:
  values = values[~np.isnan(values)]
  return float(np.mean(values)) if values.size else float("nan")


def single_label_metrics(labels: np.ndarray, predicted: np.ndarray,
                         scores: np.ndarray,
                         class_names: Sequence[str]) -> dict[str, float]:
  """Metrics of a single-label classifier (binary or multi-class).

  Args:
    labels: (N,) int true classes.
    predicted: (N,) int predicted classes.
    scores: (N, K) class probabilities, for one-vs-rest AUROC and AUPRC.
    class_names: K names, for the per-class keys ('f1/AF', ...).

  Returns:
    accuracy, balanced_accuracy, macro_f1, macro_auroc, macro_auprc, and
    precision/recall/f1/auroc/auprc per class.
  """
  num_classes = len(class_names)
  confusion = confusion_matrix(labels, predicted, num_classes)
  prf = precision_recall_f1(confusion)
  one_hot = np.eye(num_classes, dtype=bool)[np.asarray(labels, np.int64)]
  aurocs = per_class(auroc, one_hot, scores)
  auprcs = per_class(auprc, one_hot, scores)
  results = {
      "accuracy": accuracy(labels, predicted),
      "balanced_accuracy": balanced_accuracy(confusion),
      "macro_f1": float(np.mean(prf["f1"])),
      "macro_auroc": _macro(aurocs),
      "macro_auprc": _macro(auprcs),
  }
  for key in ("precision", "recall", "f1"):
    results.update(_named(key, prf[key], class_names))
  results.update(_named("auroc", aurocs, class_names))
  results.update(_named("auprc", auprcs, class_names))
  return results


def multi_label_metrics(targets: np.ndarray, predicted: np.ndarray,
                        scores: np.ndarray, class_names: Sequence[str],
                        thresholds=None) -> dict[str, float]:
  """Metrics of a multi-label classifier, each label a binary problem.

  Args:
    targets: (N, K) multi-hot truth.
    predicted: (N, K) multi-hot predictions (thresholded scores).
    scores: (N, K) probabilities.
    class_names: K names.
    thresholds: the (K,) thresholds behind `predicted` (None: 0.5), for the
      benchmark's F_beta and G_beta (`challenge_beta_scores`).

  Returns:
    macro_auroc, macro_auprc, macro_f1, fmax, exact_match_accuracy (the share
    of examples whose every label is right), per-label balanced_accuracy
    averaged, f_beta2_macro and g_beta2_macro, and
    precision/recall/f1/auroc/auprc per class.
  """
  targets = np.asarray(targets).astype(np.int64)
  predicted = np.asarray(predicted).astype(np.int64)
  prf = {key: [] for key in ("precision", "recall", "f1")}
  balanced = []
  for k in range(targets.shape[1]):
    confusion = confusion_matrix(targets[:, k], predicted[:, k], 2)
    binary = precision_recall_f1(confusion)
    for key in prf:
      prf[key].append(binary[key][1])
    balanced.append(balanced_accuracy(confusion))
  aurocs = per_class(auroc, targets, scores)
  auprcs = per_class(auprc, targets, scores)
  results = {
      "exact_match_accuracy": accuracy(targets, predicted),
      "balanced_accuracy": float(np.mean(balanced)),
      "macro_f1": float(np.mean(prf["f1"])),
      "macro_auroc": _macro(aurocs),
      "macro_auprc": _macro(auprcs),
      "fmax": fmax(targets, scores),
      **challenge_beta_scores(targets, benchmark_decisions(
          scores, 0.5 if thresholds is None else thresholds)),
  }
  for key, values in prf.items():
    results.update(_named(key, np.array(values), class_names))
  results.update(_named("auroc", aurocs, class_names))
  results.update(_named("auprc", auprcs, class_names))
  return results


CHUNK_ELEMENTS = 1 << 22
"""Elements per chunk of the chunked float64 reductions: 32 MB temporaries."""


def row_slices(shape: Sequence[int]) -> list[slice]:
  """Slices of axis 0 of an array of `shape`, about `CHUNK_ELEMENTS` each.

  Each slice has at least one row; an array with no rows gets one empty
  slice. The float64 reductions below run over these chunks, so their
  temporaries stay a few chunks in size whatever the array (the main job's
  test predictions: 400 x 500 x 75 float32, a 120 MB float64 copy each).
  """
  num_rows = shape[0] if len(shape) else 1
  row_size = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
  step = max(1, CHUNK_ELEMENTS // max(row_size, 1))
  return [slice(start, start + step)
          for start in range(0, num_rows, step)] or [slice(0, 0)]


def _axes(axis, ndim: int) -> tuple[int, ...]:
  if axis is None:
    return tuple(range(ndim))
  return tuple(sorted(a % ndim for a in np.atleast_1d(axis)))


def error_means(predictions: np.ndarray, targets: np.ndarray,
                axis=None) -> dict[str, np.ndarray]:
  """Means of the error e = predictions - targets over `axis`, in float64.

  Args:
    predictions, targets: arrays of one shape, any float dtype (kept: the
      float64 differences are formed one chunk of rows at a time).
    axis: an axis or tuple of axes reduced (None: all).

  Returns:
    {'bias': mean e, 'mse': mean e², 'mae': mean |e|}, each of the input
    shape without `axis`.

  Raises:
    ValueError: the shapes differ.
  """
  predictions, targets = np.asarray(predictions), np.asarray(targets)
  if predictions.shape != targets.shape:
    raise ValueError(f"predictions {predictions.shape} and targets "
                     f"{targets.shape} differ in shape")
  if predictions.ndim == 0:
    predictions, targets = predictions.reshape(1), targets.reshape(1)
  axes = _axes(axis, predictions.ndim)
  parts = []
  for rows in row_slices(predictions.shape):
    error = np.subtract(predictions[rows], targets[rows], dtype=np.float64)
    parts.append({"bias": error.sum(axis=axes), "mse": np.square(error).sum(axis=axes),
                  "mae": np.abs(error).sum(axis=axes)})
  count = int(np.prod([predictions.shape[a] for a in axes], dtype=np.int64))
  if 0 in axes:  # Sums over chunks of rows, then the mean.
    return {key: np.divide(sum(part[key] for part in parts), count)
            for key in parts[0]}
  return {key: np.concatenate([part[key] for part in parts]) / count
          for key in parts[0]}


def pearson_r(x: np.ndarray, y: np.ndarray, axis: int = 0) -> np.ndarray:
  """Pearson correlation along `axis`; NaN where x or y is constant.

  "Constant" allows rounding: a series whose spread about its mean is below
  1e-6 of its magnitude (a float32 constant, e.g.) counts as constant.
  Computed in float64 over chunks of axis 0 (`row_slices`), two passes when
  `axis` is 0 (means first, then centred sums), so large float32 inputs are
  never copied whole.

  Raises:
    ValueError: x and y differ in shape.
  """
  x, y = np.asarray(x), np.asarray(y)
  if x.shape != y.shape:
    raise ValueError(f"pearson_r: x {x.shape} and y {y.shape} differ in shape")
  axis = axis % max(x.ndim, 1)
  if axis == 0:
    return _pearson_r_over_rows(x, y)
  return np.concatenate([_pearson_r_in_memory(x[rows], y[rows], axis)
                         for rows in row_slices(x.shape)])


def _pearson_r_in_memory(x, y, axis):
  """`pearson_r` of arrays small enough to copy to float64 whole."""
  x = np.asarray(x, np.float64)
  y = np.asarray(y, np.float64)

  def centred(v):
    c = v - v.mean(axis=axis, keepdims=True)
    spread = np.sqrt((c**2).sum(axis=axis))
    scale = np.sqrt((v**2).sum(axis=axis))
    return c, spread > 1e-6 * scale

  x, x_varies = centred(x)
  y, y_varies = centred(y)
  denominator = np.sqrt((x**2).sum(axis=axis) * (y**2).sum(axis=axis))
  with np.errstate(invalid="ignore", divide="ignore"):
    return np.where(x_varies & y_varies & (denominator > 0),
                    (x * y).sum(axis=axis) / denominator, np.nan)


def _pearson_r_over_rows(x, y):
  """`pearson_r` along axis 0, in two passes over chunks of rows."""
  slices = row_slices(x.shape)
  if len(slices) == 1:
    return _pearson_r_in_memory(x, y, 0)
  num_rows = len(x)
  mean_x = sum(x[rows].sum(axis=0, dtype=np.float64) for rows in slices) / num_rows
  mean_y = sum(y[rows].sum(axis=0, dtype=np.float64) for rows in slices) / num_rows
  sums = dict.fromkeys(("xx", "yy", "xy", "x2", "y2"), 0.0)
  for rows in slices:
    cx = np.subtract(x[rows], mean_x, dtype=np.float64)
    cy = np.subtract(y[rows], mean_y, dtype=np.float64)
    sums["xx"] += (cx**2).sum(axis=0)
    sums["yy"] += (cy**2).sum(axis=0)
    sums["xy"] += (cx * cy).sum(axis=0)
    sums["x2"] += np.square(x[rows], dtype=np.float64).sum(axis=0)
    sums["y2"] += np.square(y[rows], dtype=np.float64).sum(axis=0)
  varies = ((np.sqrt(sums["xx"]) > 1e-6 * np.sqrt(sums["x2"]))
            & (np.sqrt(sums["yy"]) > 1e-6 * np.sqrt(sums["y2"])))
  denominator = np.sqrt(sums["xx"] * sums["yy"])
  with np.errstate(invalid="ignore", divide="ignore"):
    return np.where(varies & (denominator > 0), sums["xy"] / denominator, np.nan)


def regression_metrics(predictions: np.ndarray, targets: np.ndarray,
                       output_names: Optional[Sequence[str]] = None
                       ) -> dict[str, float]:
  """MAE, RMSE and Pearson r, overall and per output (site or lead).

  Args:
    predictions: (N, ..., K) values, in the target unit.
    targets: same shape.
    output_names: optional K names of the last axis; adds 'mae/<name>',
      'rmse/<name>' and 'pearson_r/<name>', each pooled over all other axes.

  Returns:
    mae and rmse over all elements (target unit) and pearson_r, the mean over
    outputs of the per-output r (constant outputs left out).
  """
  predictions, targets = np.asarray(predictions), np.asarray(targets)
  num_outputs = predictions.shape[-1] if predictions.ndim > 1 else 1
  flat_p = predictions.reshape(-1, num_outputs)
  flat_t = targets.reshape(-1, num_outputs)
  per_output = error_means(flat_p, flat_t, axis=0)
  r = pearson_r(flat_p, flat_t, axis=0)
  results = {
      "mae": float(np.mean(per_output["mae"])),
      "rmse": float(np.sqrt(np.mean(per_output["mse"]))),
      "pearson_r": _macro(r),
  }
  if output_names is not None:
    results.update(_named("mae", per_output["mae"], output_names))
    results.update(_named("rmse", np.sqrt(per_output["mse"]), output_names))
    results.update(_named("pearson_r", r, output_names))
  return results
