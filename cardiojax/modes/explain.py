"""--mode=explain: attributions of a trained run's best checkpoint.

With `--input=RECORD`, explains that record from the run directory alone (its
input contract, explain baseline and best checkpoint; no training corpus):
each model input of the record (window or beat) is explained for the class
the model decides, and lead importance measures how often occluding a lead
changes the model's own decisions. Without it, explains the records
`config.explain.records` of `config.explain.split` of the corpus (or its most
confident correct and misclassified examples) and ranks the leads over that
split. Writes attribution arrays (.npz), ECG plots with attribution overlays
and the lead-importance table into `workdir/explain/` (see
`cardiojax.explain.run.explain_run`). Classification tasks only.
"""

import pathlib

import numpy as np

from cardiojax import experiment as experiment_lib
from cardiojax import predictor
from cardiojax.datasets import files
from cardiojax.explain import run as explain_run_lib
from cardiojax.input import contract as contract_lib
from cardiojax.input import sources


def _record_source(model: predictor.Predictor, input_path) -> sources.ArraySource:
  """The model inputs of a record file, with the model's decisions as targets."""
  record = files.read_record_file(input_path)
  if record.is_beats:
    inputs = model.corpus.prepare_beats(model.contract, record.signal)
  else:
    inputs, _ = model.prepare(record.signal, record.sampling_rate_hz,
                              record.lead_names, record_id=record.record_id)
  decisions = model.task.decide(model.outputs(inputs))
  return sources.ArraySource({"inputs": inputs.inputs, "targets": decisions})


def explain_workdir(config, workdir, input_path=None) -> dict:
  """Explains the best checkpoint of the run in `workdir`; returns the summary."""
  if input_path is None:
    experiment = experiment_lib.build_experiment(config)
    state, _ = experiment_lib.restore_best(experiment, workdir)
    # The decision thresholds, once --mode=eval has fitted them on validation.
    task = experiment_lib.task_from_contract(config, contract_lib.load(workdir))
  else:  # the run directory alone; its task carries the saved thresholds
    model = predictor.Predictor(workdir, config)
    experiment, state, task = model.experiment, model.state, model.task
  if not experiment.contract.label_names:
    raise ValueError(f"config.task.name={config.task.name!r}: --mode=explain "
                     f"explains classifiers; use cardiojax.explain.attributions "
                     f"directly for regression outputs (per site or lead)")
  explain = config.explain
  if input_path is None:
    source = experiment.splits.sources[explain.split]
    records = tuple(explain.records) or None
    metric = None
  else:
    source = _record_source(model, input_path)
    records = tuple(range(len(source)))[:explain.max_importance_examples]
    metric = ("agreement with the model's own decisions",
              explain_run_lib.accuracy)
  limit = explain.max_importance_examples
  baseline = np.load(pathlib.Path(workdir) / experiment_lib.BASELINE_FILE,
                     allow_pickle=False)
  return explain_run_lib.explain_run(
      experiment.model, state.variables, task, source,
      pathlib.Path(workdir) / "explain",
      sample_rate=experiment.contract.sampling_rate_hz,
      records=records,
      num_confident=explain.num_confident,
      num_misclassified=explain.num_misclassified,
      lead_names=experiment.contract.lead_names,
      gradcam_feature=explain.gradcam_feature,
      baseline=baseline,
      ig_steps=explain.ig_steps,
      smoothgrad_samples=explain.smoothgrad_samples,
      occlusion_window_s=explain.occlusion_window_s,
      importance_indices=tuple(range(min(len(source), limit))),
      metric=metric,
      seed=config.seed)
