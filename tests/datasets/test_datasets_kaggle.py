"""Kaggle heartbeat builder against the real samples in ../shared/data."""

import collections
import importlib.util
import sys

import numpy as np
import pytest
from sklearn import model_selection

from cardiojax.datasets import download
from cardiojax.datasets import kaggle_heartbeat as kh

SAMPLE_MITBIH = ("mitbih_train_sample.csv",
                 "original_format_rows/mitbih_test_first10.csv")
SAMPLE_PTBDB = ("ptbdb_normal_sample.csv", "ptbdb_abnormal_sample.csv")


def _examples(builder, split):
  src = builder.as_data_source(split)
  return [src[i] for i in range(len(src))]


@pytest.fixture(scope="module")
def mitbih(shared_data, tmp_path_factory):
  config = kh.KaggleHeartbeatConfig(name="mitbih_sample", files=SAMPLE_MITBIH)
  return download.prepare(kh.KaggleHeartbeat, tmp_path_factory.mktemp("k"),
                          config, manual_dir=shared_data / "kaggle_heartbeat")


@pytest.fixture(scope="module")
def ptbdb(shared_data, tmp_path_factory):
  config = kh.KaggleHeartbeatConfig(name="ptbdb_sample", task="ptbdb",
                                    files=SAMPLE_PTBDB)
  return download.prepare(kh.KaggleHeartbeat, tmp_path_factory.mktemp("k"),
                          config, manual_dir=shared_data / "kaggle_heartbeat")


def test_mitbih_shapes_counts_and_values(mitbih, shared_data):
  root = shared_data / "kaggle_heartbeat"
  train = _examples(mitbih, "train")
  assert collections.Counter(ex["label"] for ex in train) == {
      c: 100 for c in range(5)}
  assert mitbih.info.features["label"].names == ["N", "S", "V", "F", "Q"]
  raw = np.loadtxt(root / SAMPLE_MITBIH[0], delimiter=",")
  for ex in train[::50]:
    assert ex["ecg"].shape == (187, 1) and ex["ecg"].dtype == np.float32
    np.testing.assert_array_equal(ex["ecg"][:, 0],
                                  raw[ex["row"], :187].astype(np.float32))
    assert ex["label"] == raw[ex["row"], 187]
  test = _examples(mitbih, "test")  # Original '%.18e' number format.
  assert len(test) == 10 and {ex["label"] for ex in test} == {0}
  meta = mitbih.info.metadata
  assert (meta["sampling_rate_hz"], meta["length_samples"]) == (125, 187)
  assert "Kachuee" in mitbih.info.citation and "ODC-By" in meta["license"]


def test_both_number_formats_parse_exactly(shared_data):
  root = shared_data / "kaggle_heartbeat"
  for name in ("original_format_rows/mitbih_train_first10.csv",
               "mitbih_train_sample.csv"):
    beats, labels = kh.read_csv(root / name, 5)
    raw = np.loadtxt(root / name, delimiter=",")
    np.testing.assert_array_equal(beats, raw[:, :187].astype(np.float32))
    np.testing.assert_array_equal(labels, raw[:, 187])


def test_ptbdb_split_equals_sklearn_train_test_split(ptbdb, shared_data):
  root = shared_data / "kaggle_heartbeat"
  keys = [(name, row) for name in SAMPLE_PTBDB
          for row in range(len(np.loadtxt(root / name, delimiter=",")))]
  labels = np.array([0] * 100 + [1] * 100, dtype=float)
  sk_train, sk_test = model_selection.train_test_split(
      np.arange(len(keys)), test_size=0.2, random_state=1337, stratify=labels)
  for split, expected in (("train", sk_train), ("test", sk_test)):
    got = {(ex["source_file"].decode(), ex["row"])
           for ex in _examples(ptbdb, split)}
    assert got == {keys[i] for i in expected}
    counts = collections.Counter(labels[expected])
    assert counts == ({0: 80, 1: 80} if split == "train" else {0: 20, 1: 20})


@pytest.mark.parametrize("n0,n1,seed", [(4046, 10506, 1337), (7, 13, 3)])
def test_stratified_split_equals_sklearn(n0, n1, seed):
  y = np.r_[np.zeros(n0), np.ones(n1), np.full(5, 2.0)]
  train, test = kh.stratified_split(y, 0.2, seed)
  sk_train, sk_test = model_selection.train_test_split(
      np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)
  np.testing.assert_array_equal(train, sk_train)
  np.testing.assert_array_equal(test, sk_test)


def test_splits_share_no_beat_and_are_declared_beat_level(mitbih, ptbdb):
  # The Kaggle files carry no patient ids: the splits are beat-level, and
  # the metadata says so; patient-disjoint beats come from kachuee_rebuild.
  for builder in (mitbih, ptbdb):
    assert builder.info.metadata["patient_disjoint"] is False
    rows = [{(ex["source_file"], ex["row"]) for ex in _examples(builder, s)}
            for s in ("train", "test")]
    assert not rows[0] & rows[1]


def test_no_tensorflow(mitbih, ptbdb):
  assert "tensorflow" not in sys.modules
  assert importlib.util.find_spec("tensorflow") is None
