"""Cinc builder and readers against shared/data/ptbxl/cinc2021_format
(HR06000-HR06009, 500 Hz, 5000 samples) and the challenge's label tables in
shared/data/cpsc2018/cinc2021_label_maps; records derived from them (other
rates, lead orders, folders, broken headers) are written to tmp_path."""

import collections
import csv
import re
import shutil

import numpy as np
import pytest
import scipy.signal
import tensorflow_datasets as tfds
import wfdb

from cardiojax.datasets import cinc

STANDARD_12 = ("I", "II", "III", "aVR", "aVL", "aVF",
               "V1", "V2", "V3", "V4", "V5", "V6")
SPLIT_FOLDS = {"train_folds": range(8), "validation_folds": [8],
               "test_folds": [9]}


@pytest.fixture(scope="module")
def records(shared_data):
  return shared_data / "ptbxl" / "cinc2021_format"


@pytest.fixture(scope="module")
def maps(shared_data):
  return shared_data / "cpsc2018" / "cinc2021_label_maps"


def _prepare(manual_dir, data_dir, maps, **config):
  config = cinc.CincConfig(name="test", label_map_dir=str(maps), **config)
  builder = cinc.Cinc(config=config, data_dir=data_dir,
                      file_format="array_record")
  builder.download_and_prepare(
      download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
  return builder


def _examples(builder):
  source = builder.as_data_source(split="train")
  return {e["record_id"].decode(): e
          for e in (source[i] for i in range(len(source)))}


def _text(example, key):
  return example[key].decode()


def _independent_counts(root, maps):
  """Records per scored class from the '# Dx:' lines, keyed by the set of
  abbreviations; equivalent codes from dx_mapping_scored.csv's Notes."""
  with open(maps / "dx_mapping_scored.csv", newline="") as f:
    rows = list(csv.DictReader(f))
  abbreviation = {r["SNOMEDCTCode"]: r["Abbreviation"] for r in rows}
  key = {c: frozenset([a]) for c, a in abbreviation.items()}
  for row in rows:
    pair = re.search(r"score (\d+) and (\d+) as the same", row["Notes"])
    if pair:
      for code in pair.groups():
        key[code] = frozenset(abbreviation[c] for c in pair.groups())
  counts = collections.Counter()
  for hea in root.rglob("*.hea"):
    dx = [line.split(":", 1)[1] for line in hea.read_text().splitlines()
          if line.startswith("# Dx:")][0]
    counts.update({key[c.strip()] for c in dx.split(",") if c.strip() in key})
  return counts


def _built_counts(builder, examples):
  sums = np.sum([e["labels"] for e in examples.values()], axis=0)
  return {frozenset(n.split("|")): int(s)
          for n, s in zip(builder.info.metadata["label_names"], sums) if s}


def _copy(src, dst_dir, **fields):
  """Copies record `src` (no extension) into dst_dir; `fields` replace
  comment values, e.g. Dx='733534002' gives '# Dx: 733534002'."""
  dst_dir.mkdir(parents=True, exist_ok=True)
  shutil.copy(src.with_suffix(".mat"), dst_dir)
  text = src.with_suffix(".hea").read_text()
  for key, value in fields.items():
    text = re.sub(rf"# {key}: .*", f"# {key}: {value}", text)
  (dst_dir / f"{src.name}.hea").write_text(text)


def _write(src, dst_dir, name, signal_mv, fs, sig_name=STANDARD_12):
  """Writes a format-16 WFDB record (1 uV steps) with src's comments."""
  dst_dir.mkdir(parents=True, exist_ok=True)
  wfdb.wrsamp(name, fs=fs, units=["mV"] * 12, sig_name=list(sig_name),
              d_signal=np.round(np.asarray(signal_mv) * 1000).astype(int),
              fmt=["16"] * 12, adc_gain=[1000] * 12, baseline=[0] * 12,
              comments=wfdb.rdheader(str(src)).comments,
              write_dir=str(dst_dir))


def _mv(src):
  return wfdb.rdrecord(str(src)).p_signal


@pytest.fixture(scope="module")
def ptbxl(records, maps, tmp_path_factory):
  builder = _prepare(records, tmp_path_factory.mktemp("cinc"), maps)
  return builder, _examples(builder)


@pytest.fixture(scope="module")
def mixed(records, tmp_path_factory):
  """HR06000 (500 Hz), HR06001 at 257 and 1000 Hz, HR06002's first 6 s."""
  root = tmp_path_factory.mktemp("mixed")
  _copy(records / "HR06000", root)
  x = _mv(records / "HR06001")
  _write(records / "HR06001", root, "HR06001_257",
         scipy.signal.resample_poly(x, 257, 500, axis=0), 257)
  _write(records / "HR06001", root, "HR06001_1000",
         scipy.signal.resample_poly(x, 2, 1, axis=0), 1000)
  _write(records / "HR06002", root, "HR06002_6s",
         _mv(records / "HR06002")[:3000], 500)
  return root


def test_label_map_merges_equivalent_codes(maps):
  label_map = cinc.read_label_map(maps)
  with open(maps / "weights_abbreviations.csv", newline="") as f:
    assert label_map.names == tuple(next(csv.reader(f))[1:])
  assert len(label_map.names) == 26 and len(label_map.code_to_index) == 30
  for codes, name in ((("733534002", "164909002"), "CLBBB|LBBB"),
                      (("713427006", "59118001"), "CRBBB|RBBB"),
                      (("284470004", "63593006"), "PAC|SVPB"),
                      (("427172004", "17338001"), "PVC|VPB")):
    index = label_map.names.index(name)
    assert [label_map.code_to_index[c] for c in codes] == [index, index]
    hot = label_map.multi_hot([*codes, "55930002"])  # + an unscored code
    assert hot.dtype == np.float32 and np.flatnonzero(hot).tolist() == [index]


def test_class_counts_equal_independent_count(ptbxl, records, maps):
  builder, examples = ptbxl
  assert sorted(examples) == [f"HR0600{i}" for i in range(10)]
  expected = _independent_counts(records, maps)
  assert expected[frozenset(["NSR"])] == 10  # the count is not empty
  assert _built_counts(builder, examples) == expected


def test_examples_keep_signal_and_metadata(ptbxl, records):
  builder, examples = ptbxl
  assert builder.info.metadata["sampling_rate_hz"] == 500
  for record_id, example in examples.items():
    header = (records / f"{record_id}.hea").read_text()
    assert f"# Dx: {_text(example, 'dx_codes')}\n" in header
    np.testing.assert_allclose(example["ecg"], _mv(records / record_id),
                               rtol=0, atol=1e-6)
    assert _text(example, "source_database") == "cinc2021_format"
    assert example["fold"] == cinc.record_fold(record_id, 10, 0)
    assert (example["original_fs"], example["original_num_samples"],
            example["num_padded"]) == (500, 5000, 0)
  assert (examples["HR06000"]["age"], examples["HR06000"]["sex"]) == (59, 1)
  assert (examples["HR06002"]["age"], examples["HR06002"]["sex"]) == (29, 0)
  assert _text(examples["HR06002"], "dx_codes") == (
      "426177001,426783006,713426002")


def test_257_and_1000_hz_records_resampled(mixed, records, maps, tmp_path):
  examples = _examples(_prepare(mixed, tmp_path, maps))
  original = _mv(records / "HR06001")
  for record_id, fs, length in (("HR06001_257", 257, 2570),
                                ("HR06001_1000", 1000, 10000)):
    example = examples[record_id]
    assert example["ecg"].shape == (5000, 12)
    assert (example["original_fs"], example["original_num_samples"],
            example["num_padded"]) == (fs, length, 0)
    signal, meta = cinc.read_record(mixed / record_id, 500)
    np.testing.assert_array_equal(signal, example["ecg"])
    for lead in range(12):
      r = np.corrcoef(example["ecg"][:, lead], original[:, lead])[0, 1]
      assert r > 0.99, (record_id, STANDARD_12[lead], r)
  assert cinc.read_record(mixed / "HR06001_257", 257)[0].shape == (2570, 12)


def test_mixed_rates_build_to_one_shape(mixed, maps, tmp_path):
  builder = _prepare(mixed, tmp_path, maps, sampling_rate_hz=250,
                     num_samples=2000)
  examples = _examples(builder)
  assert builder.info.metadata["sampling_rate_hz"] == 250
  assert {e["ecg"].shape for e in examples.values()} == {(2000, 12)}
  assert sorted(float(e["original_fs"]) for e in examples.values()) == [
      257, 500, 500, 1000]
  # 10 s records are cropped from the start (2500 -> 2000 samples); the 6 s
  # record (1500 samples at 250 Hz) is padded with 500 zeros.
  assert {r: int(e["num_padded"]) for r, e in examples.items()} == {
      "HR06000": 0, "HR06001_257": 0, "HR06001_1000": 0, "HR06002_6s": 500}
  np.testing.assert_array_equal(
      examples["HR06000"]["ecg"],
      cinc.read_record(mixed / "HR06000", 250)[0][:2000])
  short = examples["HR06002_6s"]["ecg"]
  assert np.all(short[1500:] == 0) and np.any(short[1490:1500] != 0)


def test_lead_names_any_case_and_order(records, maps, tmp_path):
  root = tmp_path / "manual"
  _copy(records / "HR06003", root)
  lower = ("i", "II", "iii", "avr", "AVL", "aVf",
           "v1", "V2", "v3", "V4", "v5", "v6")
  order = np.random.default_rng(0).permutation(12)
  _write(records / "HR06003", root, "HR06003_permuted",
         _mv(records / "HR06003")[:, order], 500,
         [lower[i] for i in order])
  header = cinc.read_header(root / "HR06003_permuted")
  assert header["lead_names"] == tuple(lower[i] for i in order)
  standard, _ = cinc.read_record(root / "HR06003", 500)
  permuted, _ = cinc.read_record(root / "HR06003_permuted", 500)
  np.testing.assert_allclose(permuted, standard, rtol=0, atol=1e-7)
  examples = _examples(_prepare(root, tmp_path / "data", maps))
  np.testing.assert_allclose(examples["HR06003_permuted"]["ecg"],
                             examples["HR06003"]["ecg"], rtol=0, atol=1e-7)


def test_source_database_kept_and_held_out(ptbxl, records, maps, tmp_path):
  root = tmp_path / "manual"
  for i in range(3):
    _copy(records / f"HR0600{i}", root / "db_a" / "g1")
  _copy(records / "HR06003", root / "db_a")
  _copy(records / "HR06004", root / "db_b", Dx="733534002,164909002")
  _copy(records / "HR06005", root / "db_b", Dx="284470004,63593006,59118001")
  _copy(records / "HR06006", root / "db_b", Age="NaN", Sex="Unknown")
  _copy(records / "HR06007", root)  # directly in manual_dir
  builder = _prepare(root, tmp_path / "data", maps)
  examples = _examples(builder)
  databases = {r: _text(e, "source_database") for r, e in examples.items()}
  assert databases == {"HR06000": "db_a", "HR06001": "db_a",
                       "HR06002": "db_a", "HR06003": "db_a",
                       "HR06004": "db_b", "HR06005": "db_b",
                       "HR06006": "db_b", "HR06007": "manual"}
  # Both codes of a pair make one class, counted once per record.
  assert _built_counts(builder, examples) == _independent_counts(root, maps)
  names = builder.info.metadata["label_names"]
  assert [names[i] for i in np.flatnonzero(examples["HR06004"]["labels"])] \
      == ["CLBBB|LBBB"]
  assert np.isnan(examples["HR06006"]["age"])
  assert examples["HR06006"]["sex"] == -1
  # A record's fold depends only on its id and the seed.
  _, shared = ptbxl
  assert all(e["fold"] == shared[r]["fold"] for r, e in examples.items())
  ids = sorted(examples)
  folds = [int(examples[r]["fold"]) for r in ids]
  sources = [databases[r] for r in ids]
  splits = cinc.fold_splits(folds, sources, test_databases=["db_b"],
                            **SPLIT_FOLDS)
  assert [ids[i] for i in splits["test"] if sources[i] == "db_b"] == [
      "HR06004", "HR06005", "HR06006"]
  assert all(sources[i] != "db_b" for s in ("train", "validation")
             for i in splits[s])
  assert sorted(np.concatenate(list(splits.values())).tolist()) == list(
      range(len(ids)))
  with pytest.raises(ValueError, match=r"test_databases: \['db_c'\]"):
    cinc.fold_splits(folds, sources, test_databases=["db_c"], **SPLIT_FOLDS)


def test_fold_splits_disjoint():
  folds = np.arange(20) % 10
  databases = ["a"] * 10 + ["b"] * 10
  splits = cinc.fold_splits(folds, databases, **SPLIT_FOLDS)
  assert splits["validation"].tolist() == [8, 18]
  assert splits["test"].tolist() == [9, 19]
  splits = cinc.fold_splits(folds, databases, test_databases=["a"],
                            **SPLIT_FOLDS)
  assert splits["test"].tolist() == [*range(10), 19]
  assert splits["train"].tolist() == list(range(10, 18))
  with pytest.raises(ValueError, match="share"):
    cinc.fold_splits(folds, databases, train_folds=range(9),
                     validation_folds=[8], test_folds=[9])


def test_duplicate_record_id_names_both_files(records, maps, tmp_path):
  root = tmp_path / "manual"
  _copy(records / "HR06000", root / "db_a")
  _copy(records / "HR06000", root / "db_b")
  with pytest.raises(ValueError, match=r"db_b/HR06000.hea: record id HR06000 "
                     r"also at .*db_a/HR06000.hea"):
    _prepare(root, tmp_path / "data", maps)


def _assert_one_line_error(path, builder_root, maps, data_dir, match):
  with pytest.raises(ValueError, match=match) as error:
    cinc.read_header(path)
  assert "\n" not in str(error.value)
  with pytest.raises(ValueError, match=match):
    cinc.read_record(path, 500)
  with pytest.raises(ValueError, match=match):
    _prepare(builder_root, data_dir, maps)


def test_missing_dx_line(records, maps, tmp_path):
  root = tmp_path / "manual"
  _copy(records / "HR06001", root / "db")
  _copy(records / "HR06002", root / "db")
  hea = root / "db" / "HR06002.hea"
  hea.write_text(re.sub(r"# Dx: .*\n", "", hea.read_text()))
  _assert_one_line_error(root / "db" / "HR06002", root, maps,
                         tmp_path / "data", r"HR06002.hea: field Dx missing")


def test_invalid_samples(records, tmp_path):
  signal = _mv(records / "HR06001")
  signal[100, 3] = -32.768  # digital -32768: WFDB's invalid sample
  _write(records / "HR06001", tmp_path, "HR06001", signal, 500)
  with pytest.raises(ValueError, match=r"HR06001: invalid \(NaN\) samples "
                     r"in leads \['aVR'\]"):
    cinc.read_record(tmp_path / "HR06001", 500)


@pytest.mark.parametrize("fields, match", [
    ({"Sex": "X"}, "HR06001.hea: field Sex 'X'; expected Male, Female"),
    ({"Age": "old"}, "HR06001.hea: field Age 'old'; expected a number"),
    ({"Dx": "426783006,AF"}, "HR06001.hea: field Dx '426783006,AF'")])
def test_bad_header_fields(records, tmp_path, fields, match):
  _copy(records / "HR06001", tmp_path, **fields)
  with pytest.raises(ValueError, match=match):
    cinc.read_header(tmp_path / "HR06001")


@pytest.mark.parametrize("old, new, lead", [(" V6\n", " V7\n", "V6"),
                                            (" aVR\n", " aVL\n", "aVR")])
def test_missing_lead(records, maps, tmp_path, old, new, lead):
  root = tmp_path / "manual"
  _copy(records / "HR06001", root)
  hea = root / "HR06001.hea"
  hea.write_text(hea.read_text().replace(old, new))
  _assert_one_line_error(root / "HR06001", root, maps, tmp_path / "data",
                         rf"HR06001.hea: field leads .*: missing or "
                         rf"repeated \['{lead}'")
