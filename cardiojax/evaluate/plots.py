"""Classification figures: ROC, precision-recall and confusion matrices.

Each `*_figure` function returns a matplotlib `Figure` drawn on an Agg canvas
of its own (pyplot's global state is never touched, and matplotlib is
imported inside the functions, so importing this module costs nothing);
`save` writes one as a PNG, and each `plot_*` draws and saves in one call.
Legends sit below the axes, never over the curves.
"""

import math
import pathlib
from typing import Sequence

import numpy as np

from cardiojax.evaluate import metrics


def new_figure(num_rows: int = 1, num_cols: int = 1, size=(5.0, 5.0)):
  """(figure, (num_rows, num_cols) array of axes) on an Agg canvas of its own."""
  # pylint: disable=g-import-not-at-top
  from matplotlib import figure
  from matplotlib.backends import backend_agg
  # pylint: enable=g-import-not-at-top
  fig = figure.Figure(figsize=size, layout="constrained")
  backend_agg.FigureCanvasAgg(fig)
  axes = fig.subplots(num_rows, num_cols, squeeze=False)
  return fig, axes


def save(fig, path) -> pathlib.Path:
  """Writes `fig` as a PNG (legends outside the axes included); returns the path."""
  path = pathlib.Path(path)
  path.parent.mkdir(parents=True, exist_ok=True)
  fig.savefig(path, dpi=120, bbox_inches="tight")
  return path


def legend_below(fig, ax, num_entries: int):
  """The legend of `ax` under the figure (outside every axes), in as many
  columns as keep it short; needs the figure's constrained layout."""
  if num_entries:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", fontsize="small",
               ncol=max(1, math.ceil(num_entries / 8)), frameon=False)


def _binary_targets(targets: np.ndarray, num_classes: int) -> np.ndarray:
  """(N, K) binary targets from (N,) int labels or (N, K) multi-hot."""
  targets = np.asarray(targets)
  if targets.ndim == 1:
    return np.eye(num_classes, dtype=bool)[targets.astype(np.int64)]
  return targets.astype(bool)


def roc_figure(targets: np.ndarray, scores: np.ndarray, class_names: Sequence[str]):
  """One ROC curve per class (one-vs-rest), AUROC in the legend.

  Args:
    targets: (N,) int labels or (N, K) multi-hot.
    scores: (N, K) probabilities.
    class_names: K names.
  """
  scores = np.asarray(scores)
  targets = _binary_targets(targets, scores.shape[1])
  fig, axes = new_figure()
  ax = axes[0, 0]
  drawn = 0
  for k, name in enumerate(class_names):
    if targets[:, k].all() or not targets[:, k].any():
      continue  # AUROC is undefined without both labels
    fpr, tpr, _ = metrics.roc_curve(targets[:, k], scores[:, k])
    area = metrics.auroc(targets[:, k], scores[:, k])
    ax.plot(fpr, tpr, label=f"{name} (AUROC {area:.3f})")
    drawn += 1
  ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8)
  ax.set(xlabel="false positive rate (1 - specificity)",
         ylabel="true positive rate (sensitivity)", title="ROC, one class vs the rest",
         xlim=(0, 1), ylim=(0, 1.01), aspect="equal")
  legend_below(fig, ax, drawn)
  return fig


def pr_figure(targets: np.ndarray, scores: np.ndarray, class_names: Sequence[str]):
  """One precision-recall curve per class, AUPRC and prevalence in the legend.

  Args: as `roc_figure`.
  """
  scores = np.asarray(scores)
  targets = _binary_targets(targets, scores.shape[1])
  fig, axes = new_figure()
  ax = axes[0, 0]
  drawn = 0
  for k, name in enumerate(class_names):
    if not targets[:, k].any():
      continue
    precision, recall, _ = metrics.precision_recall_curve(targets[:, k], scores[:, k])
    area = metrics.auprc(targets[:, k], scores[:, k])
    ax.step(np.r_[0.0, recall], np.r_[1.0, precision], where="post",
            label=f"{name} (AUPRC {area:.3f}; prevalence {targets[:, k].mean():.3f})")
    drawn += 1
  ax.set(xlabel="recall (sensitivity)", ylabel="precision (PPV)", title="Precision-recall",
         xlim=(0, 1), ylim=(0, 1.01), aspect="equal")
  legend_below(fig, ax, drawn)
  return fig


def _draw_confusion(fig, ax, confusion, class_names, title, colourbar=True):
  """Counts coloured by the row-normalised fraction of the true class."""
  confusion = np.asarray(confusion)
  support = confusion.sum(axis=1, keepdims=True)
  recall = np.divide(confusion, support, out=np.zeros(confusion.shape), where=support > 0)
  image = ax.imshow(recall, cmap="Blues", vmin=0.0, vmax=1.0)
  if colourbar:
    fig.colorbar(image, ax=ax, label="fraction of the true class")
  ticks = np.arange(len(class_names))
  ax.set_xticks(ticks, class_names, rotation=45, ha="right")
  ax.set_yticks(ticks, class_names)
  for (i, j), count in np.ndenumerate(confusion):
    ax.text(j, i, str(int(count)), ha="center", va="center", fontsize="small",
            color="white" if recall[i, j] > 0.5 else "black")
  ax.set(xlabel="predicted", ylabel="true", title=title)
  return image


def confusion_figure(confusion: np.ndarray, class_names: Sequence[str]):
  """Confusion matrix coloured by row-normalised recall, counts written in.

  Args:
    confusion: (K, K) counts, rows true and columns predicted.
    class_names: K names.
  """
  size = 1.5 + 0.6 * len(class_names)
  fig, axes = new_figure(size=(size + 1.0, size))
  _draw_confusion(fig, axes[0, 0], confusion, class_names, "Confusion matrix")
  return fig


def label_confusions(targets: np.ndarray, decided: np.ndarray) -> np.ndarray:
  """(K, 2, 2) counts per label of multi-hot `targets` and `decided` (N, K):
  rows true absent/present, columns decided absent/present."""
  targets = np.asarray(targets).astype(np.int64)
  decided = np.asarray(decided).astype(np.int64)
  return np.stack([metrics.confusion_matrix(targets[:, k], decided[:, k], 2)
                   for k in range(targets.shape[1])])


def label_confusions_figure(confusions: np.ndarray, class_names: Sequence[str]):
  """A grid of one 2 x 2 confusion matrix per label of a multi-label task.

  Args:
    confusions: (K, 2, 2) counts (`label_confusions`).
    class_names: K names.
  """
  num = len(class_names)
  cols = min(num, 4)
  rows = math.ceil(num / cols)
  fig, axes = new_figure(rows, cols, size=(2.6 * cols + 1.2, 2.6 * rows + 0.4))
  image = None
  for k, ax in enumerate(axes.ravel()):
    if k >= num:
      ax.set_axis_off()
      continue
    image = _draw_confusion(fig, ax, confusions[k], ("absent", "present"),
                            class_names[k], colourbar=False)
    ax.tick_params(axis="x", rotation=0)
    for tick in ax.get_xticklabels():
      tick.set_horizontalalignment("center")
  fig.colorbar(image, ax=axes.ravel().tolist(), label="fraction of the true class",
               shrink=0.8)
  fig.suptitle("Confusion per label, at the decision thresholds")
  return fig


def plot_roc_curves(path, targets: np.ndarray, scores: np.ndarray,
                    class_names: Sequence[str]) -> pathlib.Path:
  """`roc_figure` written to `path` (PNG)."""
  return save(roc_figure(targets, scores, class_names), path)


def plot_pr_curves(path, targets: np.ndarray, scores: np.ndarray,
                   class_names: Sequence[str]) -> pathlib.Path:
  """`pr_figure` written to `path` (PNG)."""
  return save(pr_figure(targets, scores, class_names), path)


def plot_confusion_matrix(path, confusion: np.ndarray,
                          class_names: Sequence[str]) -> pathlib.Path:
  """`confusion_figure` written to `path` (PNG)."""
  return save(confusion_figure(confusion, class_names), path)
