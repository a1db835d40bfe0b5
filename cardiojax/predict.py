"""--mode=predict: a trained run's predictions for one record file.

The record is read in any supported format (`cardiojax.input.records`), turned
into the model's input contract by the data set's `prepare_record` (resampling,
lead order, normalisation with the training statistics, windows or beats), and
passed through the best checkpoint. Predictions are printed and saved under
`workdir/predictions/`.
"""

import json
import pathlib

import jax
import numpy as np

from cardiojax.input import records
from cardiojax.train import loop
from cardiojax.train import rundir


def model_inputs(experiment, record: records.RawRecord) -> np.ndarray:
  """(n, T, C) float32 model inputs of a record (n windows, beats or 1)."""
  prepare = experiment.splits.prepare_record
  if prepare is None:
    raise ValueError(f"config.data.name={experiment.config.data.name!r}: this "
                     f"data set has no prepare_record, so it cannot predict files")
  if record.is_beats:
    if not hasattr(prepare, "prepare_beats"):
      raise ValueError(f"config.data.name={experiment.config.data.name!r}: "
                       f"this model takes whole records, not segmented beats "
                       f"(a Kaggle CSV); give it a record file")
    inputs = prepare.prepare_beats(record.signal)
  else:
    inputs = prepare(record.signal, record.sampling_rate_hz, record.lead_names)
  inputs = np.asarray(inputs, np.float32)
  return inputs[None] if inputs.ndim == 2 else inputs


def predict_file(config, workdir, input_path) -> dict:
  """Predicts every example (beat, window or record) of `input_path`.

  Returns:
    {'input', 'predictions': (n, ...) list, 'class_names' (classification)},
    also written to workdir/predictions/<file name>.json.
  """
  experiment = loop.build_experiment(config)
  state, _ = loop.restore_best(experiment, workdir)
  inputs = model_inputs(experiment, records.read_record_file(input_path))
  devices = jax.device_count()
  padded = np.concatenate(
      [inputs, np.zeros((-len(inputs) % devices,) + inputs.shape[1:], np.float32)])

  @jax.jit
  def predict(x):
    outputs, _ = state.apply_fn(state.variables, x, train=False)
    return experiment.task.predict(outputs)

  predictions = np.asarray(predict(padded))[:len(inputs)]
  summary = {"input": str(input_path), "predictions": predictions}
  if hasattr(experiment.task, "class_names"):
    summary["class_names"] = list(experiment.task.class_names)
  out_dir = pathlib.Path(workdir) / "predictions"
  out_dir.mkdir(parents=True, exist_ok=True)
  rundir.write_json_atomic(out_dir / f"{pathlib.Path(input_path).name}.json", summary)
  return summary
