"""What the studies share: member configs, scores with intervals, caches, plots.

- `derive(base, changes)`: a member's config, `config.base` with fields
  changed (e.g. `{"data.input_leads": ("I",)}`).
- `fit_thresholds(task, validation)` and `scores(task, outputs, metrics, ...)`:
  a member's test metrics at thresholds fitted on validation, each with a
  clustered percentile bootstrap 95% interval (`evaluate.bootstrap`, Field &
  Welsh 2007), resampling the corpus's independent unit (`Splits.clusters`).
- `predict_inputs(experiment, state, inputs)`: a trained model on arrays of
  model inputs that a study made (e.g. reconstructed leads).
- `Cache`: a study's finished scoring steps in one JSON file of the study
  folder, written atomically, valid only for the config that made it, so a
  rerun recomputes nothing finished.
- `plot_metric_vs_leads` and `plot_intervals`: the studies' figures;
  `interval_protocol` and `write_table`: the results.md/json of a table of
  members with its intervals plot.
"""

import json
import pathlib
from typing import Any, Mapping, Sequence

import jax
import ml_collections
import numpy as np

from cardiojax.evaluate import bootstrap
from cardiojax.evaluate import plots
from cardiojax.evaluate import report
from cardiojax.train import loop
from cardiojax.train import rundir

Interval = tuple[float, float, float]  # (point, low, high)
# Fields that say where files are, not what a run is; a cache ignores them.
_PATH_FIELDS = ("data_dir", "manual_dir", "label_map_dir")


def derive(base: ml_collections.ConfigDict, changes: Mapping[str, Any], *,
           section: str = "config.base") -> ml_collections.ConfigDict:
  """A copy of `base` (references resolved) with dotted fields changed.

  Args:
    base: an experiment config (e.g. `config.base` of a study).
    changes: dotted field -> new value, e.g. {'data.input_leads': ('I',)}.
    section: where `base` is in the study config, for the error.

  Raises:
    ValueError: a field that `base` does not declare (named).
  """
  config = base.copy_and_resolve_references()
  for dotted, value in changes.items():
    *parents, leaf = dotted.split(".")
    node = config
    for parent in parents:
      node = node.get(parent)
      if not isinstance(node, ml_collections.ConfigDict):
        break
    if not isinstance(node, ml_collections.ConfigDict) or leaf not in node:
      raise ValueError(f"{section}.{dotted}: no such field in the member "
                       f"config; a study can only change declared fields")
    node[leaf] = value
  return config


def is_classifier(task) -> bool:
  """Whether `task` is a classification head (it has class names)."""
  return hasattr(task, "class_names")


def fit_thresholds(task, validation):
  """`task` with decision thresholds fitted on `validation` outputs
  (`members.SplitOutputs`) when it fits them (binary, multi-label), else
  `task` unchanged."""
  if not hasattr(task, "with_thresholds"):
    return task
  return task.with_thresholds(validation.predictions, validation.targets)


def scores(task, outputs, metrics: Sequence[str], *, n_boot: int, seed: int,
           field: str = "config.study.metrics") -> dict[str, Interval]:
  """Metrics of `outputs` with clustered percentile bootstrap 95% intervals.

  Args:
    task: the member's task (with its fitted thresholds); its `metrics`
      names the values (e.g. 'macro_auroc', 'mae', 'rmse/V1').
    outputs: `members.SplitOutputs` (predictions, targets, clusters).
    metrics: names of `task.metrics` values to report.
    n_boot, seed: bootstrap resamples and seed.
    field: the config field that names `metrics`, for the error.

  Returns:
    name -> (point, low, high); resamples keep every class of a classifier.

  Raises:
    ValueError: a name the task does not report (the choices named).
  """
  available = task.metrics(outputs.predictions, outputs.targets)
  unknown = [name for name in metrics if name not in available]
  if unknown:
    raise ValueError(f"{field}: {unknown} are not metrics of this task; "
                     f"expected some of {sorted(available)}")

  def metric_fn(predictions, targets):
    values = task.metrics(predictions, targets)
    return {name: values[name] for name in metrics}

  return bootstrap.bootstrap_ci(
      metric_fn, outputs.predictions, outputs.targets, n_boot=n_boot,
      seed=seed, targets_arg=-1 if is_classifier(task) else None,
      groups=outputs.clusters)


def split_examples(source) -> dict[str, np.ndarray]:
  """{'inputs': (N, T, C) float32, 'targets': (N, ...)} of every example of
  an evaluation source, read once."""
  if hasattr(source, "take"):
    examples = source.take(np.arange(len(source)))
  else:
    items = [source[i] for i in range(len(source))]
    examples = {key: np.stack([item[key] for item in items])
                for key in ("inputs", "targets")}
  return {"inputs": np.asarray(examples["inputs"], np.float32),
          "targets": np.asarray(examples["targets"])}


def per_record(experiment, source, predictions: np.ndarray) -> np.ndarray:
  """Predictions of a source's examples as `loop.evaluate` scores them: the
  windows of one record aggregated by the contract's rule when the source
  cuts records into windows (`window_record`), else unchanged."""
  window_record = getattr(source, "window_record", None)
  if window_record is None:
    return predictions
  return loop.aggregate_by_record(predictions, window_record,
                                  experiment.contract.aggregation)


def predict_inputs(experiment, state, inputs: np.ndarray,
                   batch_size: int) -> np.ndarray:
  """The task's predictions (probabilities, values) of a trained model.

  Args:
    experiment: the member's `cardiojax.experiment.Experiment`.
    state: its restored state.
    inputs: (N, T, C) model inputs, as its input contract makes them.
    batch_size: examples per forward pass; the last batch is padded (and
      the padding dropped), so one shape is compiled.

  Returns:
    (N, ...) predictions in input order.
  """
  model, task = experiment.model, experiment.task
  forward = jax.jit(lambda variables, x: task.predict(
      model.apply(variables, x, train=False)[0]))
  variables = jax.device_get(state.variables)
  return batched(lambda x: forward(variables, x), inputs, batch_size)


def batched(fn, inputs: np.ndarray, batch_size: int) -> np.ndarray:
  """`fn` over (N, ...) `inputs` in batches of `batch_size` (the last one
  zero-padded, so one shape is compiled), outputs concatenated, cut to N."""
  num = len(inputs)
  outputs = []
  for start in range(0, num, batch_size):
    chunk = inputs[start:start + batch_size]
    real = len(chunk)
    if real < batch_size:
      chunk = np.concatenate([chunk, np.zeros((batch_size - real,
                                               *chunk.shape[1:]), chunk.dtype)])
    result = np.asarray(fn(chunk))
    outputs.append(result[:real])
  return np.concatenate(outputs)


def _without_paths(value):
  if isinstance(value, dict):
    return {key: _without_paths(item) for key, item in value.items()
            if key not in _PATH_FIELDS}
  return value


class Cache:
  """A study's finished steps in `<study folder>/<name>`, for one config.

  The file holds the study config (less file paths) and a dict of entries;
  each `put` rewrites it atomically (`rundir.write_json_atomic`), so a study
  killed between steps loses at most the step it was computing.

  Raises (on construction):
    ValueError: the file was made by another study config (the file named).
  """

  def __init__(self, path, config):
    self.path = pathlib.Path(path)
    self.key = rundir.to_json(_without_paths(config.to_dict()))
    self.entries = {}
    if self.path.is_file():
      document = json.loads(self.path.read_text())
      if document.get("config") != self.key:
        raise ValueError(f"{self.path}: computed for another study config; "
                         f"remove it (and the member runs that differ) or "
                         f"use another --workdir")
      self.entries = document["entries"]

  def get(self, name: str):
    """The entry `name`, or None when not computed yet."""
    return self.entries.get(name)

  def put(self, name: str, value) -> Any:
    """Stores `value` (JSON-ready after `rundir.to_json`); returns it as read
    back from JSON, so first runs and reruns see the same values."""
    self.entries[name] = rundir.to_json(value)
    rundir.write_json_atomic(self.path, {"config": self.key,
                                         "entries": self.entries})
    return self.entries[name]


def as_interval(value) -> Interval:
  """(point, low, high) floats from a cached [point, low, high] (None: NaN)."""
  return tuple(float("nan") if v is None else float(v) for v in value)


def metric_label(metric: str, unit: str = "") -> str:
  """An axis label for a metric: 'macro AUROC', 'MAE (years)'."""
  words = {"auroc": "AUROC", "auprc": "AUPRC", "f1": "F1", "mae": "MAE",
           "rmse": "RMSE", "mse": "MSE", "pearson_r": "Pearson r"}
  parts = [words.get(part, part) for part in metric.replace("macro_", "macro ")
           .split(" ")]
  label = " ".join(parts)
  return f"{label} ({unit})" if unit else label


def plot_metric_vs_leads(path, num_leads: Sequence[int],
                         values: Sequence[Interval],
                         removed: Sequence[str | None], *, ylabel: str,
                         title: str) -> pathlib.Path:
  """Metric with its 95% interval against the number of leads (a PNG).

  Args:
    path: the PNG to write.
    num_leads: number of leads of each point.
    values: (point, low, high) of each point.
    removed: the lead removed after each point (annotated '-lead'), or None.
    ylabel: the metric and its unit.
    title: the figure title.
  """
  values = np.asarray(values, np.float64)
  fig, axes = plots.new_figure(size=(7.0, 4.5))
  ax = axes[0, 0]
  ax.errorbar(num_leads, values[:, 0],
              yerr=[values[:, 0] - values[:, 1], values[:, 2] - values[:, 0]],
              marker="o", capsize=4,
              label="test, 95% interval; -lead: the lead removed next")
  for x, y, lead in zip(num_leads, values[:, 0], removed):
    if lead:
      ax.annotate(f"-{lead}", (x, y), textcoords="offset points",
                  xytext=(4, 6), fontsize="small")
  ax.set(xlabel="number of leads given to the model", ylabel=ylabel,
         title=title, xticks=list(num_leads))
  ax.invert_xaxis()
  ax.grid(alpha=0.3)
  plots.legend_below(fig, ax, 1)
  return plots.save(fig, path)


def plot_intervals(path, names: Sequence[str],
                   columns: Mapping[str, Sequence[Interval]], *,
                   title: str) -> pathlib.Path:
  """One panel per metric: each member's point and 95% interval (a PNG).

  Args:
    path: the PNG to write.
    names: the members (one row each, top to bottom).
    columns: axis label of a metric -> (point, low, high) per member (a
      metric undefined for every member is said to be so).
    title: the figure title.
  """
  fig, axes = plots.new_figure(1, len(columns),
                               size=(4.0 * len(columns),
                                     1.0 + 0.35 * len(names)))
  rows = np.arange(len(names))[::-1]
  for ax, (label, values) in zip(axes[0], columns.items()):
    values = np.asarray(values, np.float64)
    ax.errorbar(values[:, 0], rows,
                xerr=[values[:, 0] - values[:, 1], values[:, 2] - values[:, 0]],
                fmt="o", capsize=3)
    ax.set(xlabel=label, yticks=rows, ylim=(-0.7, len(names) - 0.3))
    ax.set_yticklabels(names)
    if np.all(np.isnan(values[:, 0])):
      ax.set_xticks([])
      ax.text(0.5, 0.5, "undefined on this split\n(a class is missing)",
              ha="center", va="center", transform=ax.transAxes)
    ax.grid(alpha=0.3, axis="x")
  fig.suptitle(title)
  return plots.save(fig, path)


def interval_protocol(study, unit: str = "the corpus's clusters") -> str:
  """The protocol line of a study's intervals (`study.bootstrap_*`)."""
  return (f"95% percentile bootstrap resampling {unit}, "
          f"{study.bootstrap_samples} resamples, seed {study.bootstrap_seed}")


def write_table(workdir: pathlib.Path, results, protocol, *, plot_name: str,
                metrics: Sequence[str], title: str) -> dict[str, str]:
  """results.json, results.md and `plot_name` (`plot_intervals` of
  `metrics`, one row per column of `results`) in `workdir`; their paths as
  'results_json', 'results_md' and 'plot'."""
  json_path, md_path = report.write_results(workdir, results, protocol)
  plot = plot_intervals(
      workdir / plot_name, list(results),
      {f"test {metric_label(metric)}":
       [results[column][metric] for column in results] for metric in metrics},
      title=title)
  return {"results_json": str(json_path), "results_md": str(md_path),
          "plot": str(plot)}
