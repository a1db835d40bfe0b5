"""--mode=explain: attributions of a trained run's best checkpoint.

With `--input=RECORD`, explains that record from the run directory alone (its
input contract, explain baseline and best checkpoint; no training corpus):
each model input of the record (window or beat) is explained for the class
the model decides, and lead importance measures how often flattening a lead
changes the model's own decisions (label by label for multi-label models).
Without it, explains the records `config.explain.records` of
`config.explain.split` of the corpus (or its most confident correct and
misclassified examples) and ranks the leads over that split (accuracy drop,
macro AUROC drop for multi-label tasks). Plots show the inputs in mV (the
contract's normaliser undone) on ECG paper, titled with the record id (or
the split and index where the corpus source has none) and the class names.
Writes attribution arrays (.npz), the plots and the lead-importance table
into `workdir/explain/` (see `cardiojax.explain.run.explain_run`), with
progress bars on stderr (`cardiojax.train.rundir.progress`).
Classification tasks only.
"""

import functools
import pathlib

import numpy as np

from cardiojax import experiment as experiment_lib
from cardiojax import predictor
from cardiojax.datasets import files
from cardiojax.explain import lead_importance
from cardiojax.explain import run as explain_run_lib
from cardiojax.input import contract as contract_lib
from cardiojax.input import sources
from cardiojax.train import rundir


def _record_source(model: predictor.Predictor, input_path):
  """The model inputs of a record file, with the model's decisions as targets,
  and `describe(index)` naming each input by the record and its span."""
  record = files.read_record_file(input_path)
  if record.is_beats:
    inputs = model.corpus.prepare_beats(model.contract, record.signal)
  else:
    inputs, _ = model.prepare(record.signal, record.sampling_rate_hz,
                              record.lead_names, record_id=record.record_id)
  decisions = model.task.decide(model.outputs(inputs))
  fs, count = record.sampling_rate_hz, len(inputs)

  def describe(index: int) -> str:
    if inputs.beat_samples is not None:
      return (f"record {record.record_id}, beat {index + 1} of {count} at "
              f"{inputs.beat_samples[index] / fs:.2f} s")
    return (f"record {record.record_id}, {inputs.kind} {index + 1} of {count} "
            f"({inputs.starts[index] / fs:.2f}-{inputs.stops[index] / fs:.2f} s)")

  return sources.ArraySource({"inputs": inputs.inputs,
                              "targets": decisions}), describe


def _text(value) -> str:
  return value.decode() if isinstance(value, bytes) else str(value)


def _record_key(records, index: int) -> str | None:
  """'ecg_id 37' or 'record_id A1980' of record `index` of a RecordSource."""
  split, row = records.refs[index]
  element = records.data_sources[split][row]
  for key in ("record_id", "ecg_id"):
    if key in element:
      return f"{key} {_text(element[key])}"
  return None


def corpus_describer(source, split: str, contract):
  """`describe(index)`: an example of a corpus split by the record id its
  source holds (whole records and their windows: 'record_id' or PTB-XL's
  'ecg_id'; MIT-BIH beat windows: the record and the beat's time), else by
  split and index, said as such."""
  fs = contract.sampling_rate_hz

  def describe(index: int) -> str:
    where = f"{split} example {index}"
    name = None
    if hasattr(source, "window_record"):  # input.records.WindowedRecordSource
      name = _record_key(source.records, int(source.window_record[index]))
      start = source.window_start[index] / fs
      name = name and f"{name}, window {start:.1f}-{start + source.window / fs:.1f} s"
    elif hasattr(source, "refs"):  # input.records.RecordSource
      name = _record_key(source, index)
    elif hasattr(source, "data_source"):  # input.sources.WindowSource (beats)
      element = source.data_source[int(source.indices[index])]
      name = (f"record {_text(element['record_id'])}, beat at "
              f"{element['sample'] / fs:.2f} s")
    if name is None:
      return f"{contract.corpus} {where} (no record id in the source)"
    return f"{contract.corpus} {name} ({where})"

  return describe


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
  contract = experiment.contract
  if not contract.label_names:
    raise ValueError(f"config.task.name={config.task.name!r}: --mode=explain "
                     f"explains classifiers; use cardiojax.explain.attributions "
                     f"directly for regression outputs (per site or lead)")
  explain = config.explain
  if input_path is None:
    source = experiment.splits.sources[explain.split]
    records = tuple(explain.records) or None
    metric, truth_name = None, "true"
    describe = corpus_describer(source, explain.split, contract)
  else:
    source, describe = _record_source(model, input_path)
    records = tuple(range(len(source)))[:explain.max_importance_examples]
    metric = ("agreement with the model's own decisions",
              functools.partial(lead_importance.decision_agreement,
                                thresholds=task.thresholds))
    truth_name = None  # the targets are the model's own decisions
  limit = explain.max_importance_examples
  baseline = np.load(pathlib.Path(workdir) / experiment_lib.BASELINE_FILE,
                     allow_pickle=False)
  return explain_run_lib.explain_run(
      experiment.model, state.variables, task, source,
      pathlib.Path(workdir) / "explain",
      sample_rate=contract.sampling_rate_hz,
      records=records,
      num_confident=explain.num_confident,
      num_misclassified=explain.num_misclassified,
      lead_names=contract.lead_names,
      gradcam_feature=explain.gradcam_feature,
      baseline=baseline,
      ig_steps=explain.ig_steps,
      smoothgrad_samples=explain.smoothgrad_samples,
      occlusion_window_s=explain.occlusion_window_s,
      importance_indices=tuple(range(min(len(source), limit))),
      metric=metric,
      contract=contract,
      class_names=contract.label_names,
      describe=describe,
      truth_name=truth_name,
      seed=config.seed,
      progress=rundir.progress)
