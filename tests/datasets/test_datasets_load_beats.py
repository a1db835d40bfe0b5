"""Beat corpora loaded for training (`cardiojax.datasets.kaggle_heartbeat.load`,
`cardiojax.datasets.mitdb.load`) on the real subsets in ../shared/data."""

import pathlib

import numpy as np
import pytest

from cardiojax import datasets
from cardiojax.datasets import kaggle_heartbeat
from cardiojax.datasets import mitdb
from cardiojax.datasets import wfdb_io
from configs import beats_kaggle_mitbih
from configs import beats_mitdb


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  return str(tmp_path_factory.mktemp("tfds"))


def _kaggle_config(data_dir, normalization="standard"):
  config = beats_kaggle_mitbih.get_config("smoke").data
  config.data_dir = data_dir
  config.normalization = normalization
  return config


def _mitdb_config(data_dir, **fields):
  config = beats_mitdb.get_config("smoke").data
  config.data_dir = data_dir
  config.normalization_windows = 100000  # every training window
  config.update(fields)
  return config


@pytest.fixture(scope="module")
def kaggle(shared_data, data_dir):
  return kaggle_heartbeat.load(_kaggle_config(data_dir))


@pytest.fixture(scope="module")
def mitdb_windows(shared_data, data_dir):
  return mitdb.load(_mitdb_config(data_dir))


def test_kaggle_shapes_splits_and_class_balance(kaggle):
  sources = kaggle.sources
  assert {s: len(src) for s, src in sources.items()} == {
      "train": 400, "validation": 100, "test": 10}
  assert sources["train"][0]["inputs"].shape == (187, 1)
  assert sources["train"][0]["inputs"].dtype == np.float32
  assert kaggle.info["class_counts"]["validation"] == [20] * 5
  assert kaggle.info["class_counts"]["test"] == [10, 0, 0, 0, 0]
  assert kaggle.contract.input_shape == (187, 1)
  assert kaggle.contract.sampling_rate_hz == 125
  assert kaggle.info["class_names"] == ("N", "S", "V", "F", "Q")
  groups = kaggle.info["groups"]
  assert not set(groups["train"]) & set(groups["validation"])


def test_kaggle_normalization_from_train_rows_only(kaggle, shared_data):
  beats, _ = kaggle_heartbeat.read_csv(
      shared_data / "kaggle_heartbeat" / "mitbih_train_sample.csv", 5)
  rows = [int(i.split(":")[1]) for i in kaggle.info["groups"]["train"]]
  stats = kaggle.contract.normalizer
  np.testing.assert_allclose(stats["offset"], [beats[rows].mean()], rtol=1e-5)
  np.testing.assert_allclose(stats["scale"], [beats[rows].std()], rtol=1e-5)
  assert abs(beats.mean() - beats[rows].mean()) > 1e-5  # validation differs
  train = kaggle.sources["train"].arrays["inputs"]
  np.testing.assert_allclose(train.mean(), 0.0, atol=1e-5)
  np.testing.assert_allclose(train.std(), 1.0, atol=1e-4)


def test_prepared_once_then_only_read(kaggle, data_dir):
  prepared = pathlib.Path(kaggle.info["prepared_dir"])
  before = {p: p.stat().st_mtime_ns for p in prepared.iterdir()}
  config = _kaggle_config(data_dir)
  config.manual_dir = None  # a second preparation would need the raw CSVs
  again = kaggle_heartbeat.load(config)
  assert {p: p.stat().st_mtime_ns for p in prepared.iterdir()} == before
  np.testing.assert_array_equal(again.sources["test"].arrays["inputs"],
                                kaggle.sources["test"].arrays["inputs"])


def test_unprepared_without_manual_dir_names_the_field(tmp_path):
  config = _kaggle_config(str(tmp_path))
  config.manual_dir = None
  with pytest.raises(ValueError, match="config.data.manual_dir"):
    kaggle_heartbeat.load(config)


def test_mitdb_windows_patient_disjoint_and_shaped(mitdb_windows):
  assert mitdb_windows.info["groups"] == {
      "train": ["106"], "validation": ["108"], "test": ["100"]}
  sources = mitdb_windows.sources
  example = sources["train"][0]
  assert example["inputs"].shape == (1440, 1)
  assert mitdb_windows.contract.sampling_rate_hz == 360
  assert mitdb_windows.contract.input_shape == (1440, 1)
  # Record 100: N 2239, A 33, V 1 minus beats within 2 s of the record's ends.
  counts = mitdb_windows.info["class_counts"]
  assert counts["test"][1] == 34 and 2230 <= counts["test"][0] <= 2239
  assert 515 <= counts["train"][1] <= 520  # record 106's 520 PVCs


def test_mitdb_normalization_from_train_windows_only(mitdb_windows):
  train = mitdb_windows.sources["train"]
  windows = np.stack([train.window(i) for i in range(len(train))])
  stats = mitdb_windows.contract.normalizer
  np.testing.assert_allclose(stats["offset"], windows.mean(axis=(0, 1)),
                             rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(stats["scale"], windows.std(axis=(0, 1)),
                             rtol=1e-4)
  validation = mitdb_windows.sources["validation"]
  raw = validation.window(0)
  np.testing.assert_allclose(
      validation[0]["inputs"],
      (raw - np.float32(stats["offset"])) / np.float32(stats["scale"]),
      rtol=1e-5, atol=1e-5)


def test_mitdb_take_matches_getitem_and_targets_are_lazy(mitdb_windows):
  source = mitdb_windows.sources["test"]
  indices = np.array([3, 0, 7])
  batch = source.take(indices)
  np.testing.assert_array_equal(batch["targets"], source.targets[indices])
  np.testing.assert_allclose(
      batch["inputs"], np.stack([source[int(i)]["inputs"] for i in indices]))


def test_mitdb_oversample_two_leads_and_stft(shared_data, data_dir,
                                             mitdb_windows):
  splits = mitdb.load(_mitdb_config(
      data_dir, sampler="oversample", leads=("MLII", "chest"), input="stft",
      normalization_windows=64))
  assert pathlib.Path(splits.info["prepared_dir"]) == pathlib.Path(
      mitdb_windows.info["prepared_dir"])  # same windows, prepared once
  train = splits.sources["train"]
  assert np.bincount(train.targets)[0] == np.bincount(train.targets)[1] > 1400
  # 1440 samples, nperseg 64, hop 32: 44 frames x 33 bins x 2 leads.
  assert train[0]["inputs"].shape == (44, 66)
  assert splits.contract.lead_names[0] == "MLII"
  assert splits.contract.input_shape == (44, 66)
  assert len(splits.sources["validation"]) == len(
      mitdb_windows.sources["validation"])


def test_prepare_record_cuts_beats(kaggle, mitdb_windows, shared_data):
  record = wfdb_io.read_record(shared_data / "mitdb" / "100")
  minute = record.signal[:360 * 60]
  windows = mitdb.prepare_record(mitdb_windows.contract, minute, 360,
                                 record.lead_names).inputs
  beats = kaggle_heartbeat.prepare_record(kaggle.contract, minute, 360,
                                          record.lead_names).inputs
  # The first minute of record 100 holds 74 annotated beats; windows leave
  # out the first and last 2 s. Kachuee's segmentation keeps only peaks
  # >= 0.9 of each 10 s window's range, so it finds fewer.
  annotations = wfdb_io.read_annotations(shared_data / "mitdb" / "100")
  inside = annotations.sample[(annotations.sample >= 720) &
                              (annotations.sample <= 360 * 58)]
  assert windows.shape[1:] == (1440, 1)
  assert abs(len(windows) - (len(inside) - 1)) <= 2  # minus the rhythm '+'
  assert beats.shape[1:] == (187, 1) and 25 <= len(beats) <= 74
  with pytest.raises(ValueError, match="MLII"):
    mitdb.prepare_record(mitdb_windows.contract, minute, 360, ("V5", "V2"))


def test_bad_field_is_named(data_dir):
  with pytest.raises(ValueError, match="config.data.label"):
    datasets.corpus("mitdb").load(_mitdb_config(data_dir, label="rhythm"))
