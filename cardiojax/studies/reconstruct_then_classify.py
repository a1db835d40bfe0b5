"""Reconstruct 12 leads from a few, then classify: does it beat the few alone?

Seed 003's last step (after Gedon et al. 2021's UResNet): the leads a reduced
set leaves out are reconstructed and the reconstruction is given to the
12-lead classifier. Three members:
  `classifier_12`: `config.base`, the 12-lead classifier;
  `reconstruction_<subset>`: `config.reconstruction` (the UResNet of
    configs/lead_reconstruction.py) given the subset;
  `classifier_<subset>`: `config.base` given the subset alone.
The subset is `config.study.subset`, else the leads a finished lead
elimination study in `config.study.lead_elimination_dir` left, else
`DEFAULT_SUBSET` (I, II, V2, the lead reconstruction default).

The classifier scored on a reconstruction never needs a second corpus: its
own validation and test inputs are taken back to mV through its contract's
normaliser, made into the reconstruction model's input exactly as that
member's contract prescribes (`input.records.RecordPreprocessor`: resampled,
the subset kept, the other leads zero), reconstructed, the subset's leads
put back as given (the reconstruction loss covers only the missing leads),
then prepared for the classifier again by its own contract and classified.

Each classifier column is scored on the test split at thresholds fitted on
its own validation predictions (for the reconstruction column, on
reconstructed validation inputs), with clustered 95% bootstrap intervals.
The reconstruction member's test split gives Pearson r (per record along
time) and RMSE (mV) of each missing lead, with intervals.

Study fields:
  subset: leads given (None: see above).
  lead_elimination_dir: a finished lead elimination study folder, or None.
  metrics: the classifiers' test metrics.
  batch_size: examples per pass of the reconstruct-then-classify pipeline.
  bootstrap_samples, bootstrap_seed: the clustered bootstrap.

Writes the member runs, `scores.json` (computed once), results.json /
results.md and `reconstruct_then_classify.png` into the study folder.
"""

import pathlib

import numpy as np

from cardiojax.evaluate import report
from cardiojax.input import records
from cardiojax.input import transforms
from cardiojax.signal import leads as leads_lib
from cardiojax.studies import lead_elimination
from cardiojax.studies import members
from cardiojax.studies import scoring

CACHE_FILE = "scores.json"
DEFAULT_SUBSET = ("I", "II", "V2")
_SPLITS = ("validation", "test")


def subset(config) -> tuple[str, ...]:
  """The leads given to the reduced members (module docstring).

  Raises:
    ValueError: an unknown lead name, or a lead elimination folder that
      holds no finished study.
  """
  study = config.study
  if study.subset:
    chosen = tuple(study.subset)
  elif study.lead_elimination_dir:
    chosen = lead_elimination.chosen_leads(study.lead_elimination_dir)
  else:
    chosen = DEFAULT_SUBSET
  try:
    leads_lib.lead_indices(chosen)
  except ValueError as error:
    raise ValueError(f"config.study.subset={chosen}: {error}") from None
  return chosen


def member_configs(config, leads: tuple[str, ...]) -> dict:
  """Name -> config of the 12-lead classifier, the reconstruction model and
  the subset classifier."""
  tag = "_".join(leads)
  reconstruction = {"data.input_leads": leads, "task.input_leads": leads}
  if "input_leads" in config.reconstruction:
    reconstruction["input_leads"] = leads
  return {
      "classifier_12": config.base.copy_and_resolve_references(),
      f"reconstruction_{tag}": scoring.derive(
          config.reconstruction, reconstruction,
          section="config.reconstruction"),
      f"classifier_{tag}": scoring.derive(config.base,
                                          {"data.input_leads": leads}),
  }


def to_millivolts(contract, inputs: np.ndarray) -> np.ndarray:
  """Model inputs (..., T, C) back in mV: the contract's normaliser undone
  (x * scale + offset); unchanged when the inputs are in mV."""
  if contract.normalizer is None:
    return inputs
  return transforms.Normalizer.from_dict(contract.normalizer).invert(inputs)


def _prepare(contract, signals_mv: np.ndarray, rate_hz: float) -> np.ndarray:
  """(N, T', C') inputs of a model from (N, T, 12) standard-order mV
  signals at `rate_hz`, by its contract's record preparation."""
  prepare = records.RecordPreprocessor.from_contract(contract)
  return np.stack([prepare(x, rate_hz) for x in signals_mv]).astype(np.float32)


def reconstruct_and_classify(classifier, classifier_state, reconstruction,
                             reconstruction_state, inputs: np.ndarray,
                             batch_size: int) -> np.ndarray:
  """The classifier's predictions on reconstructions of its own inputs.

  Args:
    classifier, reconstruction: the two members' experiments.
    classifier_state, reconstruction_state: their restored states.
    inputs: (N, T, C) the classifier's model inputs (its contract's leads).
    batch_size: examples per pass.

  Returns:
    (N, ...) the classifier's predictions (module docstring).
  """
  source, target = classifier.contract, reconstruction.contract
  given = list(leads_lib.lead_indices(target.features["input_leads"]))
  predictions = []
  for start in range(0, len(inputs), batch_size):
    real = np.stack([
        leads_lib.reorder_leads(x, source.lead_names, leads_lib.STANDARD_12)
        for x in to_millivolts(source, inputs[start:start + batch_size])])
    model_inputs = _prepare(target, real, source.sampling_rate_hz)
    rebuilt = scoring.predict_inputs(reconstruction, reconstruction_state,
                                     model_inputs, batch_size)
    rebuilt[..., given] = to_millivolts(target, model_inputs)[..., given]
    predictions.append(scoring.predict_inputs(
        classifier, classifier_state,
        _prepare(source, rebuilt, target.sampling_rate_hz), batch_size))
  return np.concatenate(predictions)


def _classifier_scores(config, experiment, outputs) -> dict:
  study = config.study
  task = scoring.fit_thresholds(experiment.task, outputs["validation"])
  return scoring.scores(task, outputs["test"], tuple(study.metrics),
                        n_boot=study.bootstrap_samples,
                        seed=study.bootstrap_seed)


def _score(config, configs: dict, runs: dict) -> dict:
  """The three classifier columns and the reconstruction quality."""
  study = config.study
  loaded = {name: members.load_trained(configs[name], runs[name])
            for name in configs}
  (full, full_state), (rebuilt, rebuilt_state), (reduced, reduced_state) = (
      loaded.values())
  real, reconstructed, alone = {}, {}, {}
  for split in _SPLITS:
    real[split] = members.outputs(full, full_state, split)
    source = full.splits.sources[split]
    predictions = reconstruct_and_classify(
        full, full_state, rebuilt, rebuilt_state,
        scoring.split_examples(source)["inputs"], study.batch_size)
    reconstructed[split] = members.SplitOutputs(
        scoring.per_record(full, source, predictions), real[split].targets,
        real[split].clusters)
    alone[split] = members.outputs(reduced, reduced_state, split)
  missing = rebuilt.task.missing_outputs
  quality = scoring.scores(
      rebuilt.task, members.outputs(rebuilt, rebuilt_state, "test"),
      ("pearson_r", "rmse", *(f"pearson_r/{lead}" for lead in missing),
       *(f"rmse/{lead}" for lead in missing)),
      n_boot=study.bootstrap_samples, seed=study.bootstrap_seed)
  return {"real": _classifier_scores(config, full, real),
          "reconstructed": _classifier_scores(config, full, reconstructed),
          "subset": _classifier_scores(config, reduced, alone),
          "reconstruction": quality}


def _reconstruction_rows(scored: dict) -> dict:
  """Row names of the reconstruction metrics: 'reconstruction rmse (mV)/V1'
  per missing lead, '..., missing leads' for their mean."""
  rows = {}
  for metric, value in scored.items():
    name, _, lead = metric.partition("/")
    label = f"reconstruction {name}{' (mV)' if name == 'rmse' else ''}"
    rows[f"{label}/{lead}" if lead else f"{label}, missing leads"] = (
        scoring.as_interval(value))
  return rows


def run(config, workdir) -> dict:
  """Trains the three members and scores them (module docstring)."""
  workdir = pathlib.Path(workdir)
  study = config.study
  leads = subset(config)
  configs = member_configs(config, leads)
  cache = scoring.Cache(workdir / CACHE_FILE, config)
  entry = "_".join(leads)
  scored = cache.get(entry)
  if scored is None:
    runs = {name: members.ensure_trained(member_config, workdir / name)
            for name, member_config in configs.items()}
    scored = cache.put(entry, _score(config, configs, runs))
  named = ", ".join(leads)
  columns = {"real": "12-lead classifier, real 12 leads",
             "reconstructed": f"12-lead classifier, 12 leads rebuilt from "
                              f"{named}",
             "subset": f"classifier of {named} alone"}
  results = {label: {metric: scoring.as_interval(value)
                     for metric, value in scored[key].items()}
             for key, label in columns.items()}
  results["reconstruction (its own test split)"] = _reconstruction_rows(
      scored["reconstruction"])
  protocol = {
      "study": "reconstruct then classify (seed 003)",
      "data": f"{config.base.data.name} (classifiers), "
              f"{config.reconstruction.data.name} (reconstruction)",
      "subset": named,
      "members": ", ".join(configs),
      "reconstructed inputs": (
          "the 12-lead classifier's own validation/test inputs, taken back "
          "to mV by its normaliser, prepared by the reconstruction member's "
          "contract, reconstructed, the given leads kept as they were, "
          "prepared by the classifier's contract"),
      "thresholds": "fitted on each column's validation predictions, "
                    "applied unchanged to test",
      "reconstruction metrics": "Pearson r per record along time and RMSE "
                                "(mV) of each missing lead, on the "
                                "reconstruction member's test split",
      "confidence intervals": scoring.interval_protocol(study),
  }
  json_path, md_path = report.write_results(workdir, results, protocol)
  plot = scoring.plot_intervals(
      workdir / "reconstruct_then_classify.png",
      ["real 12 leads", f"rebuilt from {named}", f"{named} alone"],
      {f"test {scoring.metric_label(metric)}":
       [results[label][metric] for label in columns.values()]
       for metric in study.metrics},
      title=f"12-lead classifier on real and reconstructed leads, "
            f"{config.base.data.name}")
  return {"subset": list(leads), "results": results,
          "results_json": str(json_path), "results_md": str(md_path),
          "plot": str(plot)}
