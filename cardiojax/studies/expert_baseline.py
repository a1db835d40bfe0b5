"""Expert features with classical classifiers beside the deep model.

Seed 002 (Zhang et al., iScience 24(4):102373, 2021; onlyzdd/ecg-diagnosis
`baselines.py`) compares its ResNet-34 with hand-made features fed to
logistic regression, a random forest, gradient boosting and an MLP (expert
features AUC 0.891 / F1 0.743 against 0.970 / 0.813 on CPSC2018). Here:

  1. the deep model is `config.base` trained as an ordinary member run
     (`<workdir>/deep`, trained once, reused on rerun);
  2. the base corpus is loaded again with inputs in mV (`config.base.data`
     with normalization 'none'): every record of train, validation and test
     whole, at the model's rate and leads, as the deep model scores it;
  3. `studies.features.record_features` of each record (R peaks by
     Pan-Tompkins on `config.study.rhythm_lead`; RR, HRV, QRS duration and
     axis, per-lead R, S and ST levels), written to `expert_features.npz`;
  4. each classifier of `config.study.classifiers` (scikit-learn pipelines:
     median imputation of NaN features, standardisation, the model; one
     model per label for a multi-label task) is fitted on the training
     records, with the hyper-parameters of onlyzdd's `baselines.py`
     (`CLASSIFIERS`; HistGradientBoosting stands for their LightGBM);
  5. every column, the deep model's included, is scored the same way: the
     task of the deep experiment, thresholds fitted on validation
     (`task.with_thresholds`), test metrics with clustered bootstrap 95%
     intervals (`scoring.scores`).

Study fields:
  classifiers: keys of `CLASSIFIERS`, one column each.
  rhythm_lead: the lead the R peaks are detected on.
  bootstrap_samples, bootstrap_seed: the clustered bootstrap of test metrics.
  plot_metrics: `task.metrics` names drawn in `expert_vs_deep.png`.

Writes results.json / results.md (one column per classifier and the deep
model), expert_features.npz and expert_vs_deep.png into the study folder.
"""

import pathlib

import numpy as np
from absl import logging
from sklearn import ensemble
from sklearn import impute
from sklearn import linear_model
from sklearn import multiclass
from sklearn import neural_network
from sklearn import pipeline
from sklearn import preprocessing

from cardiojax import datasets
from cardiojax.studies import features as features_lib
from cardiojax.studies import members
from cardiojax.studies import scoring
from cardiojax.train import loop

FEATURES_FILE = "expert_features.npz"
DEEP_MEMBER = "deep"
SPLITS = ("train", "validation", "test")
TASK_KINDS = ("binary", "multi_class", "multi_label")
# name -> (column label, model factory of the seed); onlyzdd baselines.py.
CLASSIFIERS = {
    "logistic_regression": (
        "logistic regression",
        lambda seed: linear_model.LogisticRegression(max_iter=1000)),
    "random_forest": (
        "random forest",
        lambda seed: ensemble.RandomForestClassifier(
            n_estimators=300, max_depth=10, random_state=seed)),
    "hist_gradient_boosting": (
        "gradient boosting",
        lambda seed: ensemble.HistGradientBoostingClassifier(
            max_iter=100, random_state=seed)),
    "mlp": (
        "MLP",
        lambda seed: neural_network.MLPClassifier(
            hidden_layer_sizes=(100, 50), max_iter=500, random_state=seed)),
}


def make_classifier(name: str, seed: int, multi_label: bool):
  """Imputation + scaling + the classifier `name` (one per label if
  `multi_label`).

  Raises:
    ValueError: `name` is not a key of `CLASSIFIERS`.
  """
  if name not in CLASSIFIERS:
    raise ValueError(f"config.study.classifiers: unknown classifier {name!r}; "
                     f"expected some of {sorted(CLASSIFIERS)}")
  model = pipeline.make_pipeline(impute.SimpleImputer(strategy="median"),
                                 preprocessing.StandardScaler(),
                                 CLASSIFIERS[name][1](seed))
  return multiclass.OneVsRestClassifier(model) if multi_label else model


def mv_splits(base_config):
  """The base corpus's splits with inputs in mV (normalization 'none')."""
  data_config = base_config.data.copy_and_resolve_references()
  data_config.normalization = "none"
  return datasets.corpus(data_config.name).load(data_config)


def split_features(splits, split: str, rhythm_lead: str) -> np.ndarray:
  """(N, F) features of the whole records of `split`, in its order.

  A split whose records are cut into windows for scoring holds its whole
  records in `records`; the training split's examples are whole records.
  """
  records = getattr(splits.sources[split], "records", splits.sources[split])
  contract = splits.contract
  logging.info("expert features: %d %s records", len(records), split)
  return features_lib.feature_matrix(
      (records[i]["inputs"] for i in range(len(records))),
      contract.sampling_rate_hz, contract.lead_names, rhythm_lead=rhythm_lead)


def _labels(task, targets) -> np.ndarray:
  """What a scikit-learn classifier fits: (N, K) multi-hot or (N,) labels."""
  targets = np.asarray(targets)
  return task.multi_hot(targets) if hasattr(task, "multi_hot") else targets


def task_predictions(kind: str, num_classes: int, model,
                     x: np.ndarray) -> np.ndarray:
  """Predictions in the task's form: (N, K) per label or per class, (N,)
  positive-class probability for a binary task; a class absent from the
  training split gets probability 0."""
  probs = model.predict_proba(x)
  if kind == "multi_label":
    return probs.astype(np.float32)
  full = np.zeros((len(x), num_classes), np.float32)
  full[:, model.classes_.astype(np.int64)] = probs
  return full[:, 1] if kind == "binary" else full


def _check(config) -> str:
  """The task kind of `config.base`; fails early on a bad study field."""
  kind = config.base.task.name
  if kind not in TASK_KINDS:
    raise ValueError(f"config.base.task.name: the expert baseline needs a "
                     f"classification task, one of {TASK_KINDS}; got {kind!r}")
  for name in config.study.classifiers:
    make_classifier(name, config.base.seed, kind == "multi_label")
  return kind


def _check_order(deep: members.SplitOutputs, targets, split: str) -> None:
  if not np.array_equal(np.asarray(deep.targets), np.asarray(targets)):
    raise RuntimeError(f"{split}: the mV records are not in the deep "
                       f"model's order; the corpus loader must be "
                       f"deterministic")


def expert_outputs(config, kind: str, task, x: dict, train_targets,
                   deep: dict) -> dict:
  """Column label -> split -> `members.SplitOutputs` of each classifier
  fitted on the training features `x['train']`."""
  outputs = {}
  for name in config.study.classifiers:
    label = f"{CLASSIFIERS[name][0]} (expert features)"
    logging.info("fitting %s", label)
    model = make_classifier(name, config.base.seed, kind == "multi_label")
    model.fit(x["train"], _labels(task, train_targets))
    outputs[label] = {split: members.SplitOutputs(
        task_predictions(kind, len(task.class_names), model, x[split]),
        deep[split].targets, deep[split].clusters) for split in deep}
  return outputs


def score_columns(task, outputs: dict, study) -> dict:
  """Column -> test metrics with intervals, thresholds fitted on each
  column's validation outputs."""
  results, names = {}, None
  for column, column_outputs in outputs.items():
    fitted = scoring.fit_thresholds(task, column_outputs["validation"])
    test = column_outputs["test"]
    names = names or list(fitted.metrics(test.predictions, test.targets))
    results[column] = scoring.scores(
        fitted, test, names, n_boot=study.bootstrap_samples,
        seed=study.bootstrap_seed)
  return results


def run(config, workdir) -> dict:
  """Runs the study (module docstring); returns the table and file paths."""
  workdir = pathlib.Path(workdir)
  study = config.study
  kind = _check(config)
  deep_dir = members.ensure_trained(config.base, workdir / DEEP_MEMBER)
  experiment, state = members.load_trained(config.base, deep_dir)
  task = experiment.task
  deep = {split: members.outputs(experiment, state, split)
          for split in ("validation", "test")}
  splits = mv_splits(config.base)
  targets = {split: loop.all_targets(splits.sources[split]) for split in SPLITS}
  for split in deep:
    _check_order(deep[split], targets[split], split)
  x = {split: split_features(splits, split, study.rhythm_lead)
       for split in SPLITS}
  names = features_lib.feature_names(splits.contract.lead_names)
  units = features_lib.feature_units(splits.contract.lead_names)
  np.savez(workdir / FEATURES_FILE, feature_names=np.asarray(names),
           feature_units=np.asarray([units[name] for name in names]),
           **{f"{split}_features": x[split] for split in SPLITS},
           **{f"{split}_targets": np.asarray(targets[split])
              for split in SPLITS})
  outputs = expert_outputs(config, kind, task, x, targets["train"], deep)
  outputs[f"{config.base.model.name} (deep)"] = deep
  results = score_columns(task, outputs, study)
  protocol = _protocol(config, splits, deep["test"], names,
                       {split: len(targets[split]) for split in SPLITS})
  written = scoring.write_table(
      workdir, results, protocol, plot_name="expert_vs_deep.png",
      metrics=study.plot_metrics,
      title=f"expert features vs deep model, {config.base.data.name} test "
            f"(95% intervals)")
  return {"results": {column: {metric: values[metric]
                               for metric in study.plot_metrics}
                      for column, values in results.items()},
          **written, "features": str(workdir / FEATURES_FILE)}


def _protocol(config, splits, test: members.SplitOutputs, names,
              counts: dict) -> dict:
  study = config.study
  contract = splits.contract
  unit = splits.cluster_unit
  return {
      "study": "expert features vs deep model (seed 002, Zhang et al. 2021)",
      "data": (f"{config.base.data.name}, whole records at "
               f"{contract.sampling_rate_hz:g} Hz, leads "
               f"{', '.join(contract.lead_names)}"),
      "splits": "; ".join(f"{split}: {count} records"
                          for split, count in counts.items()),
      "features": (f"{len(names)} per record (studies/features.py): RR and "
                   f"HRV from Pan-Tompkins R peaks on lead "
                   f"{study.rhythm_lead}, QRS duration and axis, per-lead R, "
                   f"S and ST levels of the median beat; in "
                   f"{FEATURES_FILE}"),
      "classifiers": ("scikit-learn: median imputation, standardisation, "
                      "model (onlyzdd baselines.py hyper-parameters; one "
                      "model per label for multi-label tasks); seed "
                      f"{config.base.seed}"),
      "deep model": (f"{config.base.model.name}, member run "
                     f"{DEEP_MEMBER}/ (config.base), best checkpoint"),
      "thresholds": "fitted on validation for every column, applied to test",
      "confidence intervals": scoring.interval_protocol(
          study, f"whole {unit}s ({len(np.unique(test.clusters))} in test)"),
  }
