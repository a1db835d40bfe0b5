"""Every config's smoke variant through train -> eval -> predict, in-process.

`cardiojax.modes.run` runs each mode as `python -m cardiojax.main` does; the
prepared data sets go to a temporary data_dir, and predict reads a real
shared record of the data set's kind (or a simulator-written LLNL file).
"""

import importlib
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from cardiojax import datasets
from cardiojax import modes
from cardiojax.datasets import files
from cardiojax.simulate import intracardiac

REPO = pathlib.Path(__file__).resolve().parents[2]
_KAGGLE_TEST = "kaggle_heartbeat/original_format_rows/mitbih_test_first10.csv"
_PTBXL_100HZ = "ptbxl/records100/00000/00001_lr.hea"
_PTBXL_500HZ = "ptbxl/records500/00000/00001_hr.hea"
# Record 100 holds 2,273 annotated beats in 30 min.
_MITDB_BEATS = (2200, 2350)

# name, variant, record to predict (shared path or 'llnl'), shape of one
# record's predictions (None: one per detected beat, _MITDB_BEATS of them).
CASES = [
    ("seq2seq", "smoke", "llnl", (1, 500, 75)),
    ("activation_map", "smoke", "llnl", (1, 75)),
    ("beats_kaggle_mitbih", "smoke", _KAGGLE_TEST, (10, 5)),
    ("beats_kaggle_ptb", "smoke", _KAGGLE_TEST, (10,)),
    ("beats_mitdb", "smoke", "mitdb/100.hea", None),
    ("beats_mitdb_aami", "smoke", "mitdb/100.hea", None),
    # 10 s at 500 Hz in 5 s windows every 2.5 s.
    ("cpsc2018_resnet34", "smoke", "cpsc2018/TrainingSet_subset/A1980.mat",
     (3, 9)),
    # 10 s in 2.5 s windows every 1.25 s, as the PTB-XL benchmark.
    ("ptbxl", "smoke", _PTBXL_100HZ, (7, 5)),
    ("ptbxl_ribeiro", "smoke", _PTBXL_500HZ, (1, 5)),
    ("ptbxl_age", "smoke", _PTBXL_100HZ, (1,)),
    ("lead_reconstruction", "smoke", _PTBXL_500HZ, (1, 1000, 12)),
    ("cinc", "smoke", "ptbxl/cinc2021_format/HR06000.hea", (1, 26)),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  return str(tmp_path_factory.mktemp("tfds"))


def _config(name, variant, data_dir):
  config = importlib.import_module(f"configs.{name}").get_config(variant)
  if "data_dir" in config.data:
    config.data.data_dir = data_dir
  config.train.eval_every = config.train.num_steps  # one validation, one save
  config.eval.bootstrap_samples = 20
  return config


def _record(spec, shared_data, tmp_path) -> pathlib.Path:
  if spec != "llnl":
    return shared_data / spec
  (ecg_path, _), = intracardiac.write_llnl_files(tmp_path / "llnl", 1, 1)
  return ecg_path


def _check_results(results):
  """The model and the naive baseline (and, for the PTB-XL benchmark
  configs, the benchmark's interval); every metric has a value inside its
  bootstrap interval."""
  assert {"model", "naive baseline"} <= set(results) <= {
      "model", "naive baseline", "model, benchmark interval"}
  assert set(results["model"]) == set(results["naive baseline"])
  for column in results.values():
    for name, entry in column.items():
      assert set(entry) == {"value", "low", "high"}, name
      value, low, high = entry["value"], entry["low"], entry["high"]
      if None not in (value, low, high):
        assert low <= value <= high, (name, entry)


@pytest.mark.parametrize("name, variant, record, shape", CASES)
def test_train_eval_predict(name, variant, record, shape, data_dir,
                            shared_data, tmp_path):
  config = _config(name, variant, data_dir)
  workdir = str(tmp_path / "run")
  spec = f"configs/{name}.py:{variant}"
  modes.run(config, mode="train", workdir=workdir, config_path=spec)
  assert (tmp_path / "run" / "evaluation.json").is_file()

  summary = modes.run(config, mode="eval", workdir=workdir, config_path=spec)
  document = json.loads(pathlib.Path(summary["results_json"]).read_text())
  _check_results(document["results"])
  assert "| metric | model |" in pathlib.Path(
      summary["results_md"]).read_text()
  if "class_names" in config.task:
    names = {pathlib.Path(path).name for path in summary["plots"]}
    assert {"roc.png", "precision_recall.png"} <= names
    assert ("confusion_matrix.png" in names) == (
        config.task.name != "multi_label")
    for path in summary["plots"]:
      assert pathlib.Path(path).stat().st_size > 0

  path = _record(record, shared_data, tmp_path)
  summary = modes.run(config, mode="predict", workdir=workdir,
                      config_path=spec, input_path=str(path))
  written = pathlib.Path(summary["records"][0]["json"])
  assert written.parent == tmp_path / "run" / "predictions"
  assert written.with_suffix(".csv").is_file()
  predictions = _outputs(json.loads(written.read_text()))
  if shape is None:
    num_classes = len(config.task.class_names)
    tail = () if config.task.name == "binary" else (num_classes,)
    assert predictions.shape[1:] == tail
    assert _MITDB_BEATS[0] <= len(predictions) <= _MITDB_BEATS[1]
  else:
    assert predictions.shape == shape
  assert np.all(np.isfinite(predictions))


def _outputs(document) -> np.ndarray:
  """The per-window or per-beat outputs of a predictions JSON file; one
  column per class ('p_<class>') or value ('value_<k>'), squeezed when one."""
  if document["items"] is None:
    return np.asarray(document["outputs"])
  columns = [key for key in document["items"][0]
             if key.startswith(("p_", "value_"))]
  outputs = np.asarray([[item[key] for key in columns]
                        for item in document["items"]])
  return outputs[:, 0] if len(columns) == 1 else outputs


def test_command_line_eval_and_predict(data_dir, shared_data, tmp_path):
  """`python -m cardiojax.main --mode=eval|predict` on a trained run."""
  config = _config("beats_kaggle_mitbih", "smoke", data_dir)
  spec = "configs/beats_kaggle_mitbih.py:smoke"
  with pytest.raises(FileNotFoundError, match="not a run directory"):
    modes.run(config, mode="eval", workdir=str(tmp_path), config_path=spec)
  modes.run(config, mode="train", workdir=str(tmp_path), config_path=spec)
  flags = [f"--config={spec}", f"--workdir={tmp_path}",
           f"--config.data.data_dir={data_dir}",
           "--config.eval.bootstrap_samples=20", "--json"]

  def main(*more):
    result = subprocess.run([sys.executable, "-m", "cardiojax.main", *flags,
                             *more], cwd=REPO, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), result.stderr

  summary, stderr = main("--mode=eval")
  assert pathlib.Path(summary["results_json"]).is_file()
  assert len(summary["plots"]) == 3
  assert "| metric | model | naive baseline |" in stderr
  summary, _ = main("--mode=predict",
                    f"--input={shared_data / _KAGGLE_TEST}")
  document = json.loads(pathlib.Path(summary["records"][0]["json"]).read_text())
  assert _outputs(document).shape == (10, 5)
  assert document["class_names"] == ["N", "S", "V", "F", "Q"]


def test_llnl_file_gives_the_training_inputs_of_its_sample(tmp_path):
  """predict's inputs for a simulator-written file = the loader's inputs."""
  config = importlib.import_module("configs.seq2seq").get_config("smoke").data
  config.update(num_samples=6, num_hearts=3, noise_std_mv=0.0)
  corpus = datasets.corpus(config.name)
  splits = corpus.load(config)
  (ecg_path, _), *_ = intracardiac.write_llnl_files(tmp_path, 3, 2)
  record = files.read_record_file(ecg_path)
  inputs = corpus.prepare_record(splits.contract, record.signal,
                                 record.sampling_rate_hz,
                                 record.lead_names).inputs
  assert inputs.shape == (1, 500, 12)
  # Sample 0 (heart 0) comes first in the split that holds heart 0.
  split, = (s for s, hearts in splits.info["groups"].items() if 0 in hearts)
  np.testing.assert_allclose(inputs[0], splits.sources[split][0]["inputs"],
                             atol=1e-4)
