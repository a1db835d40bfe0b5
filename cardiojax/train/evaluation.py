"""One set of numbers for a run: its best checkpoint scored once, one way.

`score_best_checkpoint(experiment, workdir)` is what the end of training and
`--mode=eval` both run, so `evaluation.json` and `results.json` agree:
  1. thresholds (binary and multi-label tasks) are fitted on the validation
     split (`task.with_thresholds`) and written into the run's input
     contract, where predict reads them;
  2. validation and test are scored at those thresholds, every example once
     (whole records: the windows of a record aggregated as the contract says);
  3. test metrics get a clustered percentile bootstrap interval, resampling
     the corpus's independent unit (record, patient, simulation;
     `Splits.clusters`), and, with `config.eval.benchmark_interval`, also the
     PTB-XL benchmark's rule (100 resamples of examples, 5th-95th
     percentile; Strodthoff et al. 2021) so a figure compares with the
     leaderboard like for like;
  4. the naive baseline (training prior or mean) stands beside the model;
  5. classes absent from a split are named (`missing_classes`).
Writes evaluation.json, results.json, results.md and the figures. Progress
shows on stderr (`rundir.progress`) while a split is predicted and while the
bootstrap resamples, once either runs for a while.
"""

import dataclasses
import pathlib

import jax
import numpy as np
from absl import logging

from cardiojax.evaluate import bootstrap
from cardiojax.evaluate import figures
from cardiojax.evaluate import metrics as metrics_lib
from cardiojax.evaluate import report
from cardiojax.evaluate import thresholds as thresholds_lib
from cardiojax.input import contract as contract_lib
from cardiojax.train import checkpoints as checkpoints_lib
from cardiojax.train import loop
from cardiojax.train import rundir

# The PTB-XL benchmark's interval (helme/ecg_ptbxl_benchmarking utils.py).
BENCHMARK_RESAMPLES = 100
BENCHMARK_CONFIDENCE = 0.90


def class_counts(task, targets) -> np.ndarray | None:
  """(K,) examples per class (positives per label), None for regression."""
  if not hasattr(task, "class_names"):
    return None
  targets = np.asarray(targets)
  if hasattr(task, "multi_hot"):
    return task.multi_hot(targets).sum(axis=0).astype(np.int64)
  if targets.ndim == 2:  # one-hot
    return targets.sum(axis=0).astype(np.int64)
  return np.bincount(targets.astype(np.int64),
                     minlength=len(task.class_names))


def missing_classes(task, splits) -> dict[str, list[str]]:
  """Split -> the classes without a single example there (classifiers)."""
  missing = {}
  for split, source in splits.sources.items():
    counts = class_counts(task, loop.all_targets(source))
    if counts is not None and (counts == 0).any():
      missing[split] = [name for name, count in zip(task.class_names, counts)
                        if count == 0]
  return missing


def warn_missing_classes(task, splits) -> dict[str, list[str]]:
  """Logs a warning per split that lacks a class; returns `missing_classes`."""
  missing = missing_classes(task, splits)
  for split, names in missing.items():
    consequence = ("the model cannot learn them" if split == "train" else
                   "their metrics are undefined there")
    logging.warning("the %s split has no example of %s: %s", split,
                    ", ".join(names), consequence)
  return missing


def _confusion(task, predictions, targets) -> np.ndarray | None:
  """(K, K) confusion matrix at the task's thresholds, or None (multi-label,
  regression). Every example counts, whatever it is predicted (AAMI: a beat
  predicted Q counts against its true class)."""
  targets = np.asarray(targets)
  if not hasattr(task, "class_names") or targets.ndim != 1:
    return None
  if np.asarray(predictions).ndim == 1:
    threshold = 0.5 if task.thresholds is None else task.thresholds[0]
    predicted = thresholds_lib.apply_thresholds(predictions, threshold)
  else:
    predicted = np.argmax(predictions, axis=1)
  return metrics_lib.confusion_matrix(targets.astype(int),
                                      predicted.astype(int),
                                      len(task.class_names))


def fit_thresholds(experiment, task, workdir, predictions, targets):
  """`task` with thresholds fitted on validation, saved into the contract."""
  if not hasattr(task, "with_thresholds"):
    return task
  task = task.with_thresholds(predictions, targets)
  if jax.process_index() == 0:
    saved = contract_lib.load(workdir)
    dataclasses.replace(saved, thresholds=task.thresholds).save(workdir)
  experiment.contract = dataclasses.replace(experiment.contract,
                                            thresholds=task.thresholds)
  return task


def _metric_fn(experiment, task):
  """The task's metrics; for lead reconstruction also the per-lead r and
  RMSE with their means over the leads not given (`figures`)."""
  contract = experiment.contract
  if contract.task_kind != "lead_reconstruction":
    return task.metrics
  given = (tuple(contract.features["input_leads"])
           if contract.features.get("zero_missing") else ())

  def metrics(predictions, targets):
    return {**task.metrics(predictions, targets),
            **figures.reconstruction_metrics(predictions, targets,
                                             contract.lead_names, given)}
  return metrics


def _bootstrap(column: str, metric_fn, *arrays, n_boot: int, **kwargs):
  """`bootstrap.bootstrap_ci` with a transient progress bar 'bootstrap
  <column>' counting the metric's evaluations (the point and each
  resample)."""
  with rundir.progress(desc=f"bootstrap {column}", unit="resample",
                       total=n_boot + 1, transient=True) as bar:

    def counted(*resampled):
      value = metric_fn(*resampled)
      bar.update(1)
      return value

    return bootstrap.bootstrap_ci(counted, *arrays, n_boot=n_boot, **kwargs)


def _columns(experiment, task, test, naive) -> dict:
  """Test metrics with percentile bootstrap intervals (every class kept in
  a resample): the model and the naive baseline with the clustered 95%
  interval, and the model with the benchmark's rule when the config asks."""
  config = experiment.config
  metric_fn = _metric_fn(experiment, task)
  predictions, targets = test["predictions"], test["targets"]
  kwargs = dict(seed=config.eval.bootstrap_seed,
                targets_arg=-1 if hasattr(task, "class_names") else None)
  columns = {"model": _bootstrap(
      "model", metric_fn, predictions, targets,
      n_boot=config.eval.bootstrap_samples, groups=test["clusters"], **kwargs)}
  if config.eval.get("benchmark_interval", False):
    columns["model, benchmark interval"] = _bootstrap(
        "model, benchmark interval", metric_fn, predictions, targets,
        n_boot=BENCHMARK_RESAMPLES, confidence=BENCHMARK_CONFIDENCE, **kwargs)
  columns["naive baseline"] = _bootstrap(
      "naive baseline", metric_fn, naive, targets,
      n_boot=config.eval.bootstrap_samples, groups=test["clusters"], **kwargs)
  return columns


def _protocol(experiment, task, meta, test, missing, columns) -> dict:
  config, splits = experiment.config, experiment.splits
  unit = splits.cluster_unit
  num_clusters = len(np.unique(test["clusters"]))
  protocol = {
      "data": config.data.name,
      "test examples": len(test["targets"]),
      "split": ", ".join(f"{split}: {len(ids)} patients/groups"
                         for split, ids in splits.info.get("groups", {}).items())
               or "see the data set",
      "checkpoint": f"best validation {config.train.monitor} (step {meta['step']})",
      "thresholds": ("fitted on the validation split "
                     f"({task.threshold_method}), applied unchanged to test; "
                     "saved in input_contract.json"
                     if getattr(task, "thresholds", None) is not None else "none"),
      "scoring": experiment.contract.scoring_rule(),
      "confidence intervals": (
          f"95% percentile bootstrap resampling the independent unit, "
          f"{unit} ({num_clusters} in test), {config.eval.bootstrap_samples} "
          f"resamples, seed {config.eval.bootstrap_seed}"),
      "naive baseline": "training-set prior (classes) or mean (values)",
  }
  if "model, benchmark interval" in columns:
    protocol["benchmark interval"] = (
        f"{int(BENCHMARK_CONFIDENCE * 100)}% interval of the PTB-XL benchmark: "
        f"{BENCHMARK_RESAMPLES} resamples of examples, 5th-95th percentile")
  if missing:
    protocol["classes missing"] = "; ".join(
        f"{split}: {', '.join(names)}" for split, names in missing.items())
  if hasattr(task, "class_names"):
    protocol["class counts"] = "; ".join(
        f"{split}: " + ", ".join(
            f"{name} {count}" for name, count in zip(
                task.class_names, class_counts(task, loop.all_targets(source))))
        for split, source in splits.sources.items())
  return protocol


def score_best_checkpoint(experiment, workdir) -> dict:
  """Scores the best checkpoint of the run in `workdir` (module docstring).

  Returns:
    The evaluation (also evaluation.json): 'best_step', 'thresholds' and per
    split 'num_examples', 'num_clusters', 'model' and 'naive_baseline'
    metrics; plus 'results_json', 'results_md' and 'plots' paths.
  """
  workdir = pathlib.Path(workdir)
  splits = experiment.splits
  state, meta = checkpoints_lib.restore_best(workdir, experiment.initial_state,
                                             experiment.replicated)
  scored = {}
  for split in ("validation", "test"):
    if split in splits.sources:
      split_metrics, predictions, targets = loop.evaluate(experiment, state,
                                                          split)
      scored[split] = {"loss": split_metrics["loss"],
                       "predictions": predictions, "targets": targets,
                       "clusters": splits.clusters(split)}
  task = fit_thresholds(experiment, experiment.task, workdir,
                        scored["validation"]["predictions"],
                        scored["validation"]["targets"])
  train_targets = loop.all_targets(splits.sources["train"])
  evaluation = {"best_step": meta["step"], "thresholds": task.thresholds
                if hasattr(task, "thresholds") else None, "splits": {}}
  for split, outputs in scored.items():
    targets = outputs["targets"]
    naive = task.naive_predictions(train_targets, len(targets))
    evaluation["splits"][split] = {
        "num_examples": len(targets),
        "num_clusters": len(np.unique(outputs["clusters"])),
        "model": {"loss": outputs["loss"],
                  **task.metrics(outputs["predictions"], targets)},
        "naive_baseline": task.metrics(naive, targets),
    }
  if jax.process_index() == 0:
    evaluation.update(_write_results(experiment, task, meta, workdir,
                                     scored.get("test", scored["validation"]),
                                     train_targets))
    rundir.write_json_atomic(workdir / "evaluation.json", evaluation)
  return evaluation


def _write_results(experiment, task, meta, workdir, test,
                   train_targets) -> dict:
  """results.json, results.md and figures of the test split; their paths."""
  splits = experiment.splits
  naive = task.naive_predictions(train_targets, len(test["targets"]))
  columns = _columns(experiment, task, test, naive)
  missing = missing_classes(task, splits)
  protocol = _protocol(experiment, task, meta, test, missing, columns)
  class_names = tuple(getattr(task, "class_names", ()))
  confusion = _confusion(task, test["predictions"], test["targets"])
  json_path, md_path = report.write_results(workdir, columns, protocol,
                                            confusion, class_names)
  targets = (task.multi_hot(np.asarray(test["targets"]))
             if hasattr(task, "multi_hot") else test["targets"])
  written = figures.write_figures(
      workdir, experiment.contract.task_kind, test["predictions"], targets,
      class_names=class_names, thresholds=getattr(task, "thresholds", None),
      target_units=experiment.contract.target_units,
      contract=experiment.contract)
  return {"results_json": str(json_path), "results_md": str(md_path),
          "plots": [str(path) for path in written]}
