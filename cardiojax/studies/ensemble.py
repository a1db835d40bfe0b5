"""Ensembles of classifiers of one task: averaged probabilities and stacking.

Seed 004 (Arrhythmia Detectron, Kaggle heartbeat CSVs), step 3: "ensemble of
models (e.g. average of the outputs, logistic regression on the outputs)".
The members are the finished runs of `config.study.runs`, or, when that is
empty, the member configs of `config.members` trained into the study folder
(`members.ensure_trained`). They must share their task, classes and data
(the same examples in the same order). Two ensembles:
  average: the mean of the members' probabilities;
  stacking: scikit-learn `LogisticRegression` (Wolpert 1992, stacked
    generalisation) on the members' probabilities, fitted on the validation
    split only and applied to test: one multinomial model over every
    member's class probabilities (multi-class), one model on the members'
    positive-class probability (binary) or one per label on the members'
    probabilities of that label (multi-label). A class or label with a
    single value in validation gets that constant.
Every member and both ensembles are scored on the test split (thresholds of
binary and multi-label tasks fitted on each column's validation
predictions), with clustered 95% bootstrap intervals.

Study fields:
  runs: finished run directories (replace `config.members` when given).
  metrics: test metrics of the table.
  stacking_c: inverse L2 regularisation strength of the stacker.
  bootstrap_samples, bootstrap_seed: the clustered bootstrap.

Writes into the study folder: the trained members (from `config.members`),
`outputs/<member>.npz` (validation and test predictions, computed once for
the members listed in `outputs.json`),
`outputs/ensemble_{average,stacking}.npz`, `stacker.json` (its
coefficients), results.json / results.md and
`ensemble.png`.
"""

import dataclasses
import json
import os
import pathlib

import ml_collections
import numpy as np
from sklearn import linear_model

from cardiojax import experiment as experiment_lib
from cardiojax import predictor
from cardiojax.input import contract as contract_lib
from cardiojax.studies import members
from cardiojax.studies import scoring
from cardiojax.train import rundir

_SPLITS = ("validation", "test")
_KINDS = ("binary", "multi_class", "multi_label")
OUTPUTS_DIR = "outputs"
OUTPUTS_CACHE = "outputs.json"


def member_runs(config, workdir) -> dict[str, tuple]:
  """Member name -> (config, finished run directory).

  Raises:
    ValueError: no member, or a run of `study.runs` that is not finished.
  """
  runs = tuple(config.study.runs)
  if runs:
    found = {}
    for i, run in enumerate(runs):
      if not members.is_finished(run):
        raise ValueError(f"config.study.runs: {run} is not a finished run "
                         f"(no {members.FINISHED_FILE}); train it to the end "
                         f"first")
      name = f"{i}_{os.path.basename(os.path.normpath(run))}"
      found[name] = (predictor.read_config(run), pathlib.Path(run))
    return found
  if not config.members:
    raise ValueError("config.study.runs and config.members: both empty; "
                     "name finished runs or member configs to ensemble")
  return {name: (member, members.ensure_trained(member,
                                                pathlib.Path(workdir) / name))
          for name, member in config.members.items()}


def _data(config) -> dict:
  return {key: value for key, value in rundir.to_json(config.data.to_dict())
          .items() if key not in ("data_dir", "manual_dir")}


def check_compatible(runs: dict) -> None:
  """Refuses members of other tasks, classes or data than the first.

  Raises:
    ValueError: one line naming the member run that differs.
  """
  (first_config, first_run), *others = runs.values()
  first = contract_lib.load(first_run)
  if first.task_kind not in _KINDS:
    raise ValueError(f"{first_run}: task {first.task_kind!r}; an ensemble "
                     f"needs classifiers ({', '.join(_KINDS)})")
  for config, run in others:
    contract = contract_lib.load(run)
    if (contract.task_kind, contract.label_names) != (first.task_kind,
                                                      first.label_names):
      raise ValueError(
          f"{run}: task {contract.task_kind} with classes "
          f"{list(contract.label_names)} differs from {first_run}'s "
          f"{first.task_kind} {list(first.label_names)}; ensemble members "
          f"must share their task and classes")
    if _data(config) != _data(first_config):
      raise ValueError(f"{run}: config.data differs from {first_run}'s; "
                       f"ensemble members must be scored on the same examples")


def _save_outputs(path: pathlib.Path, outputs: dict) -> None:
  path.parent.mkdir(parents=True, exist_ok=True)
  arrays = {f"{split}_{field.name}": getattr(outputs[split], field.name)
            for split in _SPLITS
            for field in dataclasses.fields(members.SplitOutputs)}
  temporary = path.with_name(path.stem + ".tmp.npz")
  np.savez(temporary, **arrays)
  os.replace(temporary, path)


def load_outputs(path) -> dict:
  """Split -> `members.SplitOutputs` saved in an `outputs/*.npz` file."""
  with np.load(path) as arrays:
    return {split: members.SplitOutputs(
        *(arrays[f"{split}_{field.name}"]
          for field in dataclasses.fields(members.SplitOutputs)))
            for split in _SPLITS}


def member_outputs(config, runs: dict, workdir) -> dict:
  """Each member's validation and test outputs, computed once (cached in
  `outputs/<member>.npz`, listed in `outputs.json` for these members).

  Raises:
    ValueError: the cache was made for other members (`study.runs` or
      `config.members`), or a member's targets differ from the first's
      (named).
  """
  workdir = pathlib.Path(workdir)
  cache = scoring.Cache(workdir / OUTPUTS_CACHE, ml_collections.ConfigDict(
      {"runs": config.study.runs, "members": config.members}))
  outputs = {}
  for name, (member_config, run) in runs.items():
    path = workdir / OUTPUTS_DIR / f"{name}.npz"
    if cache.get(name) is None or not path.is_file():
      experiment, state = members.load_trained(member_config, run)
      _save_outputs(path, {split: members.outputs(experiment, state, split)
                           for split in _SPLITS})
      cache.put(name, {"run": str(run), "file": str(path.relative_to(
          workdir))})
    outputs[name] = load_outputs(path)
  first_name, first = next(iter(outputs.items()))
  for name, output in outputs.items():
    for split in _SPLITS:
      if not np.array_equal(output[split].targets, first[split].targets):
        raise ValueError(f"{runs[name][1]}: its {split} targets differ from "
                         f"{runs[first_name][1]}'s; ensemble members must be "
                         f"scored on the same examples")
  return outputs


def average(predictions) -> np.ndarray:
  """The mean of the members' (N, ...) probabilities."""
  return np.mean(np.stack(predictions), axis=0)


@dataclasses.dataclass
class Stacker:
  """Logistic regressions on the members' probabilities.

  Attributes:
    kind: 'binary', 'multi_class' or 'multi_label'.
    num_classes: K (1 for binary).
    models: one fitted `LogisticRegression` (multi-class, binary) or one per
      label (multi-label); a float for a class or label that took a single
      value in validation (its constant).
  """
  kind: str
  num_classes: int
  models: list

  def coefficients(self) -> list[dict]:
    """Per model: 'classes', 'coef', 'intercept' (or 'constant')."""
    return [{"constant": model} if isinstance(model, float) else
            {"classes": model.classes_, "coef": model.coef_,
             "intercept": model.intercept_} for model in self.models]


def _features(predictions, kind: str, label: int | None = None) -> np.ndarray:
  """(N, F) stacker features: every member's probabilities side by side
  (multi-class), or the members' probability of the positive class or of
  `label`."""
  stacked = np.stack([np.asarray(p, np.float64) for p in predictions], axis=1)
  if kind == "multi_class":
    return stacked.reshape(len(stacked), -1)
  if kind == "binary":
    return stacked
  return stacked[:, :, label]


def _fit_one(features, labels, c: float):
  if len(np.unique(labels)) < 2:
    return float(labels[0])
  model = linear_model.LogisticRegression(C=c, max_iter=1000)
  return model.fit(features, labels)


def fit_stacker(predictions, targets, kind: str, num_classes: int,
                c: float) -> Stacker:
  """Fits the stacker on the members' validation predictions and targets.

  Args:
    predictions: per member, (N,) binary or (N, K) probabilities.
    targets: (N,) labels or (N, K) multi-hot.
    kind: 'binary', 'multi_class' or 'multi_label'.
    num_classes: K.
    c: inverse L2 regularisation strength.
  """
  targets = np.asarray(targets)
  if kind == "multi_label":
    models = [_fit_one(_features(predictions, kind, k), targets[:, k], c)
              for k in range(num_classes)]
  else:
    models = [_fit_one(_features(predictions, kind), targets.astype(int), c)]
  return Stacker(kind, num_classes, models)


def _probabilities(model, features, num_classes: int) -> np.ndarray:
  """(N, num_classes) probabilities of classes 0..K-1 (absent ones 0)."""
  out = np.zeros((len(features), num_classes))
  if isinstance(model, float):
    out[:, int(model)] = 1.0
    return out
  out[:, model.classes_.astype(int)] = model.predict_proba(features)
  return out


def stack(stacker: Stacker, predictions) -> np.ndarray:
  """The stacker's probabilities, shaped like one member's predictions."""
  if stacker.kind == "multi_class":
    return _probabilities(stacker.models[0],
                          _features(predictions, "multi_class"),
                          stacker.num_classes).astype(np.float32)
  if stacker.kind == "binary":
    return _probabilities(stacker.models[0], _features(predictions, "binary"),
                          2)[:, 1].astype(np.float32)
  return np.stack([_probabilities(model, _features(predictions, "multi_label",
                                                   k), 2)[:, 1]
                   for k, model in enumerate(stacker.models)],
                  axis=1).astype(np.float32)


def _label_targets(task, targets) -> np.ndarray:
  """(N,) labels or (N, K) multi-hot (label lists made multi-hot)."""
  return task.multi_hot(np.asarray(targets)) if hasattr(
      task, "multi_hot") else np.asarray(targets)


def ensembles(outputs: dict, task, kind: str, c: float
              ) -> tuple[dict, Stacker]:
  """The averaged and stacked outputs on validation and test.

  Returns:
    ({'average': {split: SplitOutputs}, 'stacking': {...}}, the stacker
    fitted on validation).
  """
  def member_predictions(split):
    return [output[split].predictions for output in outputs.values()]

  reference = next(iter(outputs.values()))
  num_classes = len(task.class_names) if kind != "binary" else 2
  stacker = fit_stacker(member_predictions("validation"),
                        _label_targets(task, reference["validation"].targets),
                        kind, num_classes, c)
  combined = {"average": {}, "stacking": {}}
  for split in _SPLITS:
    for name, predictions in (
        ("average", average(member_predictions(split))),
        ("stacking", stack(stacker, member_predictions(split)))):
      combined[name][split] = members.SplitOutputs(
          predictions, reference[split].targets, reference[split].clusters)
  return combined, stacker


def run(config, workdir) -> dict:
  """Scores every member and both ensembles (module docstring)."""
  workdir = pathlib.Path(workdir)
  study = config.study
  runs = member_runs(config, workdir)
  check_compatible(runs)
  outputs = member_outputs(config, runs, workdir)
  first_config, first_run = next(iter(runs.values()))
  contract = contract_lib.load(first_run)
  task = experiment_lib.task_from_contract(first_config, contract)
  kind = contract.task_kind
  combined, stacker = ensembles(outputs, task, kind, study.stacking_c)
  rundir.write_json_atomic(workdir / "stacker.json",
                           {"kind": kind, "models": stacker.coefficients()})
  for name, output in combined.items():
    _save_outputs(workdir / OUTPUTS_DIR / f"ensemble_{name}.npz", output)
  results = {}
  for name, output in {**outputs, **combined}.items():
    fitted = scoring.fit_thresholds(task, output["validation"])
    results[name] = scoring.scores(fitted, output["test"],
                                   tuple(study.metrics),
                                   n_boot=study.bootstrap_samples,
                                   seed=study.bootstrap_seed)
  protocol = {
      "study": "ensembles of classifiers (seed 004)",
      "members": "; ".join(f"{name}: {run}" for name, (_, run)
                           in runs.items()),
      "task": f"{kind}, classes {', '.join(task.class_names)}",
      "average": "mean of the members' probabilities",
      "stacking": (f"logistic regression (C={study.stacking_c}) on the "
                   "members' probabilities, fitted on the validation split "
                   "only, applied to test; coefficients in stacker.json"),
      "thresholds": "fitted on each column's validation predictions (binary, "
                    "multi-label); argmax for multi-class",
      "test examples": len(combined["average"]["test"].targets),
      "confidence intervals": scoring.interval_protocol(study),
  }
  written = scoring.write_table(workdir, results, protocol,
                                plot_name="ensemble.png", metrics=study.metrics,
                                title="members and their ensembles")
  return {"results": results, **written,
          "stacker": json.loads((workdir / "stacker.json").read_text())}
