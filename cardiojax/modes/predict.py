"""--mode=predict: a trained run's predictions for one record file.

Reads the run directory only (its config, input contract and best
checkpoint), never the training corpus. The record is read in any supported
format (`cardiojax.datasets.files`), turned into model inputs by the
contract's corpus (`cardiojax.datasets.<corpus>.prepare_record`: resampling,
lead order, normalisation with the training statistics, windows or beats),
and passed through the best checkpoint. Predictions are printed and saved
under `workdir/predictions/`.
"""

import pathlib

import jax
import numpy as np

from cardiojax import datasets
from cardiojax import experiment as experiment_lib
from cardiojax.datasets import files
from cardiojax.train import rundir


def model_inputs(contract, record: files.RawRecord) -> np.ndarray:
  """(n, T, C) float32 model inputs of a record (n windows, beats or 1)."""
  corpus = datasets.corpus(contract.corpus)
  if record.is_beats:
    if not hasattr(corpus, "prepare_beats"):
      raise ValueError(f"{contract.corpus}: this model takes whole records, "
                       f"not segmented beats (a Kaggle CSV); give it a "
                       f"record file")
    inputs = corpus.prepare_beats(contract, record.signal)
  else:
    inputs = corpus.prepare_record(contract, record.signal,
                                   record.sampling_rate_hz, record.lead_names)
  return np.asarray(inputs, np.float32)


def predict_inputs(experiment, state, inputs: np.ndarray) -> np.ndarray:
  """Task predictions (probabilities or values) of (n, T, C) inputs."""
  devices = jax.device_count()
  padded = np.concatenate(
      [inputs, np.zeros((-len(inputs) % devices,) + inputs.shape[1:], np.float32)])

  @jax.jit
  def predict(x):
    outputs, _ = state.apply_fn(state.variables, x, train=False)
    return experiment.task.predict(outputs)

  return np.asarray(predict(padded))[:len(inputs)]


def predict_file(config, workdir, input_path) -> dict:
  """Predicts every example (beat, window or record) of `input_path`.

  Returns:
    {'input', 'predictions': (n, ...) list, 'class_names' (classification)},
    also written to workdir/predictions/<file name>.json.
  """
  experiment = experiment_lib.build_from_run(config, workdir)
  state, _ = experiment_lib.restore_best(experiment, workdir)
  inputs = model_inputs(experiment.contract,
                        files.read_record_file(input_path))
  summary = {"input": str(input_path),
             "predictions": predict_inputs(experiment, state, inputs)}
  if experiment.contract.label_names:
    summary["class_names"] = list(experiment.contract.label_names)
  out_dir = pathlib.Path(workdir) / "predictions"
  out_dir.mkdir(parents=True, exist_ok=True)
  rundir.write_json_atomic(out_dir / f"{pathlib.Path(input_path).name}.json", summary)
  return summary
