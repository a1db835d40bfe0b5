"""MIT-BIH builder against the real records in ../shared/data/mitdb."""

import collections
import importlib.util
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds
import wfdb

from cardiojax.datasets import download
from cardiojax.datasets import mitdb

ANNOTATED = ("100", "102", "103", "104", "106", "107", "108")
HALF = 180  # 0.5 s each side keeps the test fast; the default is 720.


@pytest.fixture(scope="module")
def beats(shared_data, tmp_path_factory):
  config = mitdb.MitdbConfig(name="beats_shared", records=ANNOTATED,
                             half_window=HALF)
  return download.prepare(mitdb.Mitdb, tmp_path_factory.mktemp("tfds"),
                          config, manual_dir=shared_data / "mitdb")


def _read_all(builder):
  """{split: list of examples}."""
  sources = {split: builder.as_data_source(split)
             for split in builder.info.splits}
  return {split: [src[i] for i in range(len(src))]
          for split, src in sources.items()}


@pytest.fixture(scope="module")
def examples(beats):
  return _read_all(beats)


def test_symbol_counts_equal_rdann_minus_edge_drops(beats, examples,
                                                    shared_data):
  names = beats.info.features["symbol"].names
  counts = collections.defaultdict(collections.Counter)
  for split_examples in examples.values():
    for ex in split_examples:
      counts[ex["record_id"].decode()][names[ex["symbol"]]] += 1
  drops = beats.info.metadata["edge_drops"]
  assert sum(sum(d.values()) for d in drops.values()) > 0
  for record in ANNOTATED:
    ann = wfdb.rdann(str(shared_data / "mitdb" / record), "atr")
    expected = collections.Counter(s for s in ann.symbol
                                   if s in mitdb.AAMI_CLASS)
    expected.subtract(drops[record])
    assert counts[record] == +expected, record
    assert beats.info.metadata["beats_kept"][record] == sum(counts[record].values())


def test_window_centre_is_annotation_and_values_are_raw_mv(beats, examples,
                                                           shared_data):
  half = beats.info.metadata["center_index"]
  assert half == HALF and beats.info.metadata["sampling_rate_hz"] == 360
  signals = {}
  for split_examples in examples.values():
    for ex in split_examples[::97]:
      record = ex["record_id"].decode()
      if record not in signals:
        signals[record] = wfdb.rdrecord(str(shared_data / "mitdb" / record))
        ann = wfdb.rdann(str(shared_data / "mitdb" / record), "atr")
        signals[record].ann = dict(zip(ann.sample, ann.symbol))
      rec, s = signals[record], int(ex["sample"])
      assert ex["ecg"].shape == (2 * HALF, 2) and ex["ecg"].dtype == np.float32
      np.testing.assert_allclose(ex["ecg"], rec.p_signal[s - half:s + half],
                                 atol=1e-6)
      assert [n.decode() for n in ex["lead_names"]] == rec.sig_name
      symbol = beats.info.features["symbol"].names[ex["symbol"]]
      assert rec.ann[s] == symbol
      aami = beats.info.features["aami"].names[ex["aami"]]
      assert aami == mitdb.AAMI_CLASS[symbol]
      assert ex["abnormal"] == (symbol != "N")
  assert len(signals) == len(ANNOTATED)


def test_splits_follow_de_chazal_and_are_patient_disjoint(beats, examples):
  records = {split: {ex["record_id"].decode() for ex in exs}
             for split, exs in examples.items()}
  for a in records:
    for b in records:
      if a != b:
        assert not records[a] & records[b], (a, b)
  assert records["excluded"] == {"102", "104", "107"}
  assert records["test"] == {"100", "103"}
  assert records.get("train", set()) | records.get("validation", set()) == {
      "106", "108"}
  assert list(beats.info.metadata["split_records"]["test"]) == list(mitdb.DS2)


@pytest.mark.parametrize("scheme", ["inter_patient", "kfold"])
def test_record_split_schemes_are_disjoint_and_complete(scheme):
  splits = mitdb.record_splits(mitdb.MitdbConfig(name="x",
                                                 split_scheme=scheme))
  members = [r for rs in splits.values() for r in rs]
  assert len(members) == len(set(members)) == 48
  assert set(splits["excluded"]) == set(mitdb.PACED)
  if scheme == "inter_patient":
    assert set(splits["train"]) | set(splits["validation"]) == set(mitdb.DS1)
    assert len(splits["validation"]) == 4


def test_kfold_config_prepares_disjoint_folds(shared_data, tmp_path):
  config = mitdb.MitdbConfig(name="kfold_shared", split_scheme="kfold",
                             half_window=4, records=("100", "103", "106",
                                                     "108", "102"))
  builder = download.prepare(mitdb.Mitdb, tmp_path, config,
                             manual_dir=shared_data / "mitdb")
  seen = {}
  for split in builder.info.splits:
    src = builder.as_data_source(split)
    for record in {src[i]["record_id"].decode() for i in range(len(src))}:
      assert seen.setdefault(record, split) == split
  assert set(seen) == {"100", "103", "106", "108", "102"}


def test_records_config_holds_whole_record_and_annotations(shared_data,
                                                          tmp_path):
  config = mitdb.MitdbConfig(name="records_100", kind="records",
                             records=("100",))
  builder = download.prepare(mitdb.Mitdb, tmp_path, config,
                             manual_dir=shared_data / "mitdb")
  ex = builder.as_data_source("test")[0]
  rec = wfdb.rdrecord(str(shared_data / "mitdb" / "100"))
  ann = wfdb.rdann(str(shared_data / "mitdb" / "100"), "atr")
  assert ex["ecg"].shape == (650000, 2)
  np.testing.assert_allclose(ex["ecg"], rec.p_signal, atol=1e-6)
  np.testing.assert_array_equal(ex["ann_sample"], ann.sample)
  assert [s.decode() for s in ex["ann_symbol"]] == ann.symbol
  assert ex["ann_aux"][0].decode() == "(N"  # '(N\x00' in the file.


def test_metadata_states_input_contract(beats):
  info = beats.info
  meta = info.metadata
  assert (meta["sampling_rate_hz"], meta["length_samples"], meta["units"]) == (
      360, 2 * HALF, "mV")
  assert list(meta["label_names"]["aami"]) == ["N", "S", "V", "F", "Q"]
  assert "Moody" in info.citation and "ODC-By" in meta["license"]
  assert "ODC-By" in info.redistribution_info.license
  assert "edge" in info.description.lower()
  reread = tfds.builder_from_directory(str(beats.data_path))
  assert reread.info.metadata["edge_drops"] == meta["edge_drops"]


def test_default_config_is_4_s_windows(tmp_path):
  info = mitdb.Mitdb(data_dir=tmp_path).info
  assert info.features["ecg"].shape == (1440, 2)
  assert info.metadata["length_samples"] == 1440
  assert info.metadata["center_index"] == 720


def test_no_tensorflow(beats):
  assert "tensorflow" not in sys.modules
  assert importlib.util.find_spec("tensorflow") is None


def test_importing_datasets_package_registers_nothing():
  code = ("import cardiojax.datasets, tensorflow_datasets as tfds; "
          "assert 'mitdb' not in tfds.core.registered."
          "list_imported_builders()")
  subprocess.run([sys.executable, "-c", code], check=True)


# Beats per AAMI class (N, S, V, F, Q) of the 22 DS1 records, as published
# in the MIT-BIH Arrhythmia Database Directory (beat-type table per record,
# symbols mapped to AAMI classes as de Chazal et al. 2004, Table I).
PUBLISHED_DS1 = {
    "101": (1860, 3, 0, 0, 2), "106": (1507, 0, 520, 0, 0),
    "108": (1740, 4, 17, 2, 0), "109": (2492, 0, 38, 2, 0),
    "112": (2537, 2, 0, 0, 0), "114": (1820, 12, 43, 4, 0),
    "115": (1953, 0, 0, 0, 0), "116": (2302, 1, 109, 0, 0),
    "118": (2166, 96, 16, 0, 0), "119": (1543, 0, 444, 0, 0),
    "122": (2476, 0, 0, 0, 0), "124": (1536, 31, 47, 5, 0),
    "201": (1635, 128, 198, 2, 0), "203": (2529, 2, 444, 1, 4),
    "205": (2571, 3, 71, 11, 0), "207": (1543, 107, 210, 0, 0),
    "208": (1586, 2, 992, 373, 2), "209": (2621, 383, 1, 0, 0),
    "215": (3195, 3, 164, 1, 0), "220": (1954, 94, 0, 0, 0),
    "223": (2045, 73, 473, 14, 0), "230": (2255, 0, 1, 0, 0),
}


@pytest.mark.parametrize("seed", range(5))
def test_default_validation_keeps_every_class_in_training(seed):
  config = mitdb.MitdbConfig(name="x", seed=seed)
  validation = mitdb.record_splits(config)["validation"]
  table = np.array(list(PUBLISHED_DS1.values()))
  held = np.array([PUBLISHED_DS1[r] for r in validation]).sum(axis=0)
  assert len(validation) == 4
  assert np.all(table.sum(axis=0) - held >= 0.8 * table.sum(axis=0))
  assert "208" not in validation  # 373 of the 415 F beats
  assert (held[:4] > 0).all(), "validation can score N, S, V and F"
  # The old rule (a plain seeded draw) takes 208 at the default seed.
  random = mitdb.record_splits(mitdb.MitdbConfig(
      name="x", seed=0, validation_rule="random"))["validation"]
  assert random == ("114", "122", "201", "208")


def test_library_counts_match_the_published_table_and_the_annotations(
    shared_data):
  assert mitdb.DS1_AAMI_COUNTS == PUBLISHED_DS1
  for record in ("106", "108"):  # the DS1 records among the shared ones
    annotations = wfdb.rdann(str(shared_data / "mitdb" / record), "atr")
    classes = [mitdb.AAMI_CLASS[s] for s in annotations.symbol
               if s in mitdb.AAMI_CLASS]
    counts = tuple(classes.count(c) for c in mitdb.AAMI_NAMES)
    assert counts == PUBLISHED_DS1[record]
