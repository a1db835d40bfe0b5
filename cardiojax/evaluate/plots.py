"""ROC, precision-recall and confusion-matrix figures as PNG files.

matplotlib is imported inside each function and draws on an Agg canvas of
its own figure, so importing this module costs nothing and pyplot's global
state is never touched.
"""

import pathlib
from typing import Sequence

import numpy as np

from cardiojax.evaluate import metrics


def _figure(size=(5.0, 5.0)):
  # pylint: disable=g-import-not-at-top
  from matplotlib import figure
  from matplotlib.backends import backend_agg
  # pylint: enable=g-import-not-at-top
  fig = figure.Figure(figsize=size)
  backend_agg.FigureCanvasAgg(fig)
  return fig, fig.add_subplot()


def _binary_targets(targets: np.ndarray, num_classes: int) -> np.ndarray:
  """(N, K) binary targets from (N,) int labels or (N, K) multi-hot."""
  targets = np.asarray(targets)
  if targets.ndim == 1:
    return np.eye(num_classes, dtype=bool)[targets.astype(np.int64)]
  return targets.astype(bool)


def _save(fig, path) -> pathlib.Path:
  path = pathlib.Path(path)
  path.parent.mkdir(parents=True, exist_ok=True)
  fig.tight_layout()
  fig.savefig(path, dpi=120)
  return path


def plot_roc_curves(path, targets: np.ndarray, scores: np.ndarray,
                    class_names: Sequence[str]) -> pathlib.Path:
  """One ROC curve per class (one-vs-rest), AUROC in the legend.

  Args:
    path: the PNG file to write.
    targets: (N,) int labels or (N, K) multi-hot.
    scores: (N, K) probabilities.
    class_names: K names.
  """
  scores = np.asarray(scores)
  targets = _binary_targets(targets, scores.shape[1])
  fig, ax = _figure()
  for k, name in enumerate(class_names):
    if targets[:, k].all() or not targets[:, k].any():
      continue
    fpr, tpr, _ = metrics.roc_curve(targets[:, k], scores[:, k])
    area = metrics.auroc(targets[:, k], scores[:, k])
    ax.plot(fpr, tpr, label=f"{name} ({area:.3f})")
  ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8)
  ax.set(xlabel="false positive rate", ylabel="true positive rate",
         title="ROC (AUROC)", xlim=(0, 1), ylim=(0, 1.01))
  if ax.get_legend_handles_labels()[0]:  # no class may have both labels
    ax.legend(loc="lower right", fontsize="small")
  return _save(fig, path)


def plot_pr_curves(path, targets: np.ndarray, scores: np.ndarray,
                   class_names: Sequence[str]) -> pathlib.Path:
  """One precision-recall curve per class, AUPRC and prevalence in the legend.

  Args: as `plot_roc_curves`.
  """
  scores = np.asarray(scores)
  targets = _binary_targets(targets, scores.shape[1])
  fig, ax = _figure()
  for k, name in enumerate(class_names):
    if not targets[:, k].any():
      continue
    precision, recall, _ = metrics.precision_recall_curve(targets[:, k],
                                                          scores[:, k])
    area = metrics.auprc(targets[:, k], scores[:, k])
    ax.step(np.r_[0.0, recall], np.r_[1.0, precision], where="post",
            label=f"{name} ({area:.3f}; prev. {targets[:, k].mean():.3f})")
  ax.set(xlabel="recall", ylabel="precision", title="Precision-recall (AUPRC)",
         xlim=(0, 1), ylim=(0, 1.01))
  if ax.get_legend_handles_labels()[0]:
    ax.legend(loc="lower left", fontsize="small")
  return _save(fig, path)


def plot_confusion_matrix(path, confusion: np.ndarray,
                          class_names: Sequence[str]) -> pathlib.Path:
  """Confusion matrix coloured by row-normalised recall, counts written in.

  Args:
    path: the PNG file to write.
    confusion: (K, K) counts, rows true and columns predicted.
    class_names: K names.
  """
  confusion = np.asarray(confusion)
  support = confusion.sum(axis=1, keepdims=True)
  recall = np.divide(confusion, support, out=np.zeros(confusion.shape),
                     where=support > 0)
  size = 1.5 + 0.6 * len(class_names)
  fig, ax = _figure((size + 1.0, size))
  image = ax.imshow(recall, cmap="Blues", vmin=0.0, vmax=1.0)
  fig.colorbar(image, ax=ax, label="fraction of the true class")
  ticks = np.arange(len(class_names))
  ax.set_xticks(ticks, class_names, rotation=45, ha="right")
  ax.set_yticks(ticks, class_names)
  for (i, j), count in np.ndenumerate(confusion):
    ax.text(j, i, str(int(count)), ha="center", va="center", fontsize="small",
            color="white" if recall[i, j] > 0.5 else "black")
  ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix")
  return _save(fig, path)
