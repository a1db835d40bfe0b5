"""A trained run reads whole, imperfect records and says what it did.

Three smoke runs are trained once (CPSC 2018, PTB-XL, MIT-BIH beats); every
input below is made in the test from the shared records.
"""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import wfdb

import cardiojax
from cardiojax import modes
from cardiojax import predictor
from cardiojax.datasets import cpsc2018
from cardiojax.datasets import mitdb
from cardiojax.modes import predict as predict_mode
from cardiojax.signal import leads

REPO = pathlib.Path(__file__).resolve().parents[2]
RUNS = ("cpsc2018_resnet34", "ptbxl", "beats_mitdb")


@pytest.fixture(scope="module")
def runs(smoke_runs):
  return {name: smoke_runs.workdir(name) for name in RUNS}


@pytest.fixture(scope="module")
def models(runs):
  return {name: cardiojax.load(workdir) for name, workdir in runs.items()}


def _cpsc_signal(shared_data) -> np.ndarray:
  signal, _ = cpsc2018.read_cpsc_mat(
      shared_data / "cpsc2018/TrainingSet_subset/A1980.mat")
  return signal


def _write_cpsc_mat(path, signal):
  scipy.io.savemat(path, {"ECG": {"sex": "Male", "age": 50.0,
                                   "data": signal.T.astype(np.float64)}})
  return path


def test_readme_three_lines(runs, shared_data):
  record = wfdb.rdrecord(str(shared_data / "ptbxl/records100/00000/00001_lr"))
  model = cardiojax.load(runs["ptbxl"])
  result = model.predict(record.p_signal, fs=100, lead_names=record.sig_name)
  assert result.class_names == ("CD", "HYP", "MI", "NORM", "STTC")
  # 2.5 s windows every 1.25 s cover the 10 s record, as the benchmark.
  assert result.outputs.shape == (7, 5) and result.decisions.shape == (7, 5)
  assert (result.starts[0], result.stops[-1]) == (0, 1000)
  assert result.preparation["samples_dropped"] == 0


def test_a_long_record_is_covered_by_windows(models, shared_data, tmp_path):
  """144 s tiled from a CPSC record: every sample is covered, nothing is
  dropped, and the last 60 s change the aggregate."""
  model = models["cpsc2018_resnet34"]
  base = _cpsc_signal(shared_data)
  tiled = np.tile(base, (int(np.ceil(144 * 500 / len(base))), 1))[:144 * 500]
  path = _write_cpsc_mat(tmp_path / "A9001.mat", tiled)
  result = model.predict_record(path)
  covered = np.zeros(len(tiled), bool)
  for start, stop in zip(result.starts, result.stops):
    covered[start:stop] = True
  assert covered.all()
  assert result.preparation["samples_dropped"] == 0
  assert result.preparation["samples_used"] == len(tiled)
  window = model.contract.window_samples
  assert len(result.outputs) == int(np.ceil((len(tiled) - window) /
                                            (window // 2))) + 1
  changed = tiled.copy()
  changed[-60 * 500:] = 3.0 * tiled[-60 * 500:][::-1]
  other = model.predict(changed, fs=500, lead_names=leads.STANDARD_12,
                        record_id="A9001-changed")
  assert not np.allclose(other.aggregate["outputs"],
                         result.aggregate["outputs"])
  np.testing.assert_array_equal(other.outputs[:10], result.outputs[:10])
  # 57 and 47 windows fall in one batch-size bucket (64): no new compilation.
  compiled = model._forward._cache_size()  # pylint: disable=protected-access
  shorter = model.predict(tiled[:120 * 500], fs=500,
                          lead_names=leads.STANDARD_12, record_id="A9001-120s")
  assert len(shorter.outputs) == 47 and len(result.outputs) == 57
  assert model._forward._cache_size() == compiled  # pylint: disable=protected-access


def test_beats_of_a_whole_holter_record(models, runs, shared_data, tmp_path):
  """MIT-BIH 100 without its .atr: the detected beats match the reference;
  with --reference=atr the beat-by-beat table adds up to the reference."""
  model = models["beats_mitdb"]
  annotations = wfdb.rdann(str(shared_data / "mitdb/100"), "atr")
  symbols = np.asarray(annotations.symbol)
  reference = annotations.sample[np.isin(symbols, mitdb.BEAT_SYMBOLS)]
  assert len(reference) == 2273
  (tmp_path / "100").mkdir()
  for suffix in (".hea", ".dat"):  # the record without its annotations
    (tmp_path / "100" / f"100{suffix}").write_bytes(
        (shared_data / f"mitdb/100{suffix}").read_bytes())
  result = model.predict_record(tmp_path / "100" / "100.hea")
  assert result.kind == "beat"
  predicted = result.beat_samples
  tolerance = int(0.15 * 360)
  nearest = np.abs(reference[:, None] - predicted[None, :]).min(axis=1)
  assert np.mean(nearest <= tolerance) >= 0.99  # sensitivity
  nearest = np.abs(predicted[:, None] - reference[None, :]).min(axis=1)
  assert np.mean(nearest <= tolerance) >= 0.99  # positive predictivity
  assert sum(result.aggregate["counts"].values()) == len(predicted)

  summary = modes.run(model.config, mode="predict", workdir=str(runs["beats_mitdb"]),
                      config_path="configs/beats_mitdb.py:smoke",
                      input_path=str(shared_data / "mitdb/100.hea"),
                      reference="atr")
  written = json.loads(pathlib.Path(summary["records"][0]["json"]).read_text())
  table = written["reference"]
  assert np.sum(table["confusion"]) + np.sum(table["missed"]) == 2273
  assert table["detection"]["reference"] == 2273
  assert sum(c["reference"] for c in table["per_class"].values()) == 2273
  assert table["detection"]["sensitivity"] >= 0.99
  rows = pathlib.Path(summary["records"][0]["csv"]).read_text().splitlines()
  assert len(rows) == 1 + len(written["items"])
  assert rows[0].startswith("index,start_sample,stop_sample,start_s,stop_s,"
                            "beat_sample,beat_s")

  at_reference = model.predict_record(shared_data / "mitdb/100.hea",
                                      reference="atr", beats="reference")
  detection = at_reference.reference["detection"]
  assert detection["matched"] + len(
      at_reference.preparation["beats_dropped_at_ends"]) == 2273


def test_invalid_samples_are_repaired_or_refused(runs, shared_data, tmp_path):
  """A 0.4 s gap of invalid samples in one lead is repaired; 1 s of NaN in
  a CPSC .mat is refused under 'repair' and dropped under 'drop'."""
  config = predictor.read_config(runs["ptbxl"])
  record = wfdb.rdrecord(str(shared_data / "ptbxl/records100/00000/00001_lr"))
  signal = record.p_signal.astype(np.float32)
  signal[300:340, 7] = np.nan  # 0.4 s at 100 Hz in V2
  result = predictor.Predictor(runs["ptbxl"], config).predict(
      signal, fs=100, lead_names=record.sig_name, record_id="00001-gap")
  assert np.all(np.isfinite(result.outputs))
  assert len(result.findings) >= 1
  assert any("V2" in line and "300" in line and "repaired" in line
             for line in result.findings), result.findings

  cpsc = _cpsc_signal(shared_data)[:15000].copy()
  cpsc[2000:2500, 3] = np.nan  # 1 s at 500 Hz in aVR
  path = _write_cpsc_mat(tmp_path / "A9002.mat", cpsc)
  model = predictor.Predictor(runs["cpsc2018_resnet34"])
  with pytest.raises(ValueError) as error:
    model.predict_record(path)
  message = str(error.value)
  assert "\n" not in message
  assert "aVR" in message and "2000" in message and "A9002" in message

  config = predictor.read_config(runs["cpsc2018_resnet34"])
  config.predict.signal_policy = "drop"
  dropped = predictor.Predictor(runs["cpsc2018_resnet34"],
                                config).predict_record(path)
  assert np.all(np.isfinite(dropped.outputs))
  assert dropped.preparation["windows_dropped"]
  for start, stop in zip(dropped.starts, dropped.stops):
    assert stop <= 2000 or start >= 2500


def test_same_file_names_never_collide(runs, shared_data, tmp_path):
  for folder in ("a", "b"):
    (tmp_path / folder).mkdir()
    for suffix in (".hea", ".dat"):
      (tmp_path / folder / f"00001_lr{suffix}").write_bytes(
          (shared_data / f"ptbxl/records100/00000/00001_lr{suffix}"
           ).read_bytes())
  summary = predict_mode.predict_files(
      predictor.read_config(runs["ptbxl"]), runs["ptbxl"],
      str(tmp_path / "*" / "*.hea"))
  written = {record["json"] for record in summary["records"]}
  assert len(written) == 2
  assert all(pathlib.Path(p).is_file() for p in written)


def test_bucket_sizes():
  assert predictor.bucket_size(1, 4, 256) == 4
  assert predictor.bucket_size(5, 4, 256) == 8
  assert predictor.bucket_size(200, 4, 256) == 256
  assert predictor.bucket_size(3, 1, 256) == 4
  assert predictor.bucket_size(256, 3, 256) == 258  # a multiple of devices


@pytest.mark.parametrize("args, expected", [
    (["--input=/no/such/record.hea"], "no record file"),
    (["--config.model.features=(4,4,8,8)"], "config.model.features"),
])
def test_user_errors_are_one_line_with_exit_status_2(runs, args, expected):
  command = [sys.executable, "-m", "cardiojax.main",
             "--config=configs/cpsc2018_resnet34.py:smoke", "--mode=predict",
             f"--workdir={runs['cpsc2018_resnet34']}",
             "--input=/no/such/record.hea", *args]
  done = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                        env={"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"},
                        timeout=300, check=False)
  assert done.returncode == 2, done.stderr
  lines = [line for line in done.stderr.splitlines() if line.strip()]
  assert len(lines) == 1 and expected in lines[0], done.stderr
  assert "Traceback" not in done.stderr
