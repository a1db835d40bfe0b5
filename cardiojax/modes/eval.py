"""--mode=eval: the best checkpoint of a run on its test split, as reviewers expect.

Thresholds (binary and multi-label tasks) are chosen on the validation split
and applied unchanged to test (and written into the run's input contract); every test example counts once; each metric
gets a percentile bootstrap 95% confidence interval (resamples keep every
class); the naive baseline (training prior or mean) stands beside the model.
Writes results.json, results.md and, for classification, ROC, precision-recall
and confusion-matrix PNGs into the run directory.
"""

import dataclasses
import pathlib

import numpy as np

from cardiojax import experiment as experiment_lib
from cardiojax.evaluate import bootstrap
from cardiojax.evaluate import metrics as metrics_lib
from cardiojax.evaluate import plots
from cardiojax.evaluate import report
from cardiojax.evaluate import thresholds as thresholds_lib
from cardiojax.input import contract as contract_lib
from cardiojax.train import loop


def class_scores(predictions: np.ndarray) -> np.ndarray:
  """(N, K) scores from (N,) binary probabilities or (N, K) probabilities."""
  predictions = np.asarray(predictions)
  if predictions.ndim == 1:
    return np.stack([1.0 - predictions, predictions], axis=1)
  return predictions


def _label_targets(task, targets) -> np.ndarray:
  """(N,) labels or (N, K) multi-hot, also from (N, M) padded label lists."""
  targets = np.asarray(targets)
  return task.multi_hot(targets) if hasattr(task, "multi_hot") else targets


def _single_label_confusion(task, predictions, targets):
  """(K, K) confusion matrix at the task's thresholds, or None (multi-label)."""
  targets = np.asarray(targets)
  if targets.ndim != 1:
    return None
  if np.asarray(predictions).ndim == 1:
    threshold = 0.5 if task.thresholds is None else task.thresholds[0]
    predicted = thresholds_lib.apply_thresholds(predictions, threshold)
  else:
    predicted = np.argmax(predictions, axis=1)
  return metrics_lib.confusion_matrix(targets.astype(int), predicted.astype(int),
                                      len(task.class_names))


def evaluate_run(config, workdir) -> dict:
  """Evaluates the best checkpoint of the run in `workdir` on its test split.

  Returns:
    {'results_json', 'results_md', 'plots': [paths], 'results': the table}.
  """
  workdir = pathlib.Path(workdir)
  experiment = experiment_lib.build_experiment(config)
  state, meta = experiment_lib.restore_best(experiment, workdir)
  task = experiment.task
  _, val_predictions, val_targets = loop.evaluate(experiment, state, "validation")
  if hasattr(task, "with_thresholds"):
    task = task.with_thresholds(val_predictions, val_targets)
    saved = contract_lib.load(workdir)
    dataclasses.replace(saved, thresholds=task.thresholds).save(workdir)
  _, predictions, targets = loop.evaluate(experiment, state, "test")
  train_targets = loop.all_targets(experiment.splits.sources["train"])
  naive = task.naive_predictions(train_targets, len(targets))
  is_classification = hasattr(task, "class_names")
  ci = dict(n_boot=config.eval.bootstrap_samples, seed=config.eval.bootstrap_seed,
            targets_arg=-1 if is_classification else None)
  results = {"model": bootstrap.bootstrap_ci(task.metrics, predictions, targets, **ci),
             "naive baseline": bootstrap.bootstrap_ci(task.metrics, naive, targets, **ci)}
  groups = experiment.splits.info["groups"]
  protocol = {
      "data": config.data.name,
      "test examples": len(targets),
      "split": ", ".join(f"{split}: {len(ids)} patients/groups"
                         for split, ids in groups.items()) or "see the data set",
      "checkpoint": f"best validation {config.train.monitor} (step {meta['step']})",
      "thresholds": ("fitted on the validation split "
                     f"({task.threshold_method}), applied unchanged to test"
                     if getattr(task, "thresholds", None) is not None else "none"),
      "confidence intervals": (f"percentile bootstrap, {ci['n_boot']} resamples, "
                               f"seed {ci['seed']}"),
      "naive baseline": "training-set prior (classes) or mean (values)",
  }
  confusion = _single_label_confusion(task, predictions, targets) if is_classification else None
  class_names = tuple(task.class_names) if is_classification else ()
  json_path, md_path = report.write_results(workdir, results, protocol, confusion,
                                            class_names)
  written = []
  if is_classification:
    scores = class_scores(predictions)
    labels = _label_targets(task, targets)
    written.append(plots.plot_roc_curves(workdir / "roc.png", labels, scores,
                                         class_names))
    written.append(plots.plot_pr_curves(workdir / "precision_recall.png", labels,
                                        scores, class_names))
    if confusion is not None:
      written.append(plots.plot_confusion_matrix(workdir / "confusion_matrix.png",
                                                 confusion, class_names))
  return {"results_json": str(json_path), "results_md": str(md_path),
          "plots": [str(path) for path in written], "results": results}
