"""PTB-XL builder against the real 400-row subset in shared/data/ptbxl."""

import ast
import collections
import csv
import shutil
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds
import wfdb

from cardiojax.datasets import ptbxl

SPLITS = ("train", "validation", "test")


def _prepare(manual_dir, data_dir, config="100hz", **kwargs):
  builder = ptbxl.Ptbxl(config=config, data_dir=data_dir,
                        file_format="array_record", **kwargs)
  builder.download_and_prepare(
      download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
  return builder


def _read_all(source, keys):
  return [{k: source[i][k] for k in keys} for i in range(len(source))]


@pytest.fixture(scope="module")
def prepared(shared_data, tmp_path_factory):
  """The 100 Hz dataset prepared from all 400 rows, read back per split."""
  data_dir = tmp_path_factory.mktemp("ptbxl")
  builder = _prepare(shared_data / "ptbxl", data_dir)
  keys = ("ecg_id", "patient_id", "strat_fold", "superdiagnostic", "all",
          "diagnostic", "subdiagnostic", "form", "rhythm", "age", "sex")
  rows = {s: _read_all(builder.as_data_source(split=s), keys) for s in SPLITS}
  return builder, data_dir, rows


@pytest.fixture(scope="module")
def csv_rows(shared_data):
  with open(shared_data / "ptbxl" / "ptbxl_database.csv", newline="") as f:
    return list(csv.DictReader(f))


def test_superdiagnostic_counts_match_scp_codes(prepared, csv_rows,
                                                shared_data):
  # Independent aggregation: diagnostic statements -> their diagnostic_class.
  with open(shared_data / "ptbxl" / "scp_statements.csv", newline="") as f:
    to_class = {r[""]: r["diagnostic_class"] for r in csv.DictReader(f)
                if r["diagnostic"] == "1.0"}
  expected = collections.Counter()
  for row in csv_rows:
    codes = ast.literal_eval(row["scp_codes"])
    expected.update({to_class[c] for c in codes if c in to_class})
  builder, _, rows = prepared
  names = builder.info.metadata["label_names"]["superdiagnostic"]
  total = sum(r["superdiagnostic"] for s in SPLITS for r in rows[s])
  assert dict(zip(names, total.astype(int).tolist())) == dict(expected)
  assert sum(len(rows[s]) for s in SPLITS) == len(csv_rows) == 400


def test_first_record_label_sets(prepared):
  # ecg_id 1: {'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}.
  builder, _, rows = prepared
  row = next(r for s in SPLITS for r in rows[s] if r["ecg_id"] == 1)
  names = builder.info.metadata["label_names"]
  positive = {k: {n for n, v in zip(names[k], row[k]) if v}
              for k in ptbxl.LABEL_NAMES}
  assert positive == {"all": {"LVOLT", "NORM", "SR"}, "diagnostic": {"NORM"},
                      "subdiagnostic": {"NORM"}, "superdiagnostic": {"NORM"},
                      "form": {"LVOLT"}, "rhythm": {"SR"}}
  assert (row["patient_id"], row["age"], row["sex"]) == (15709, 56.0, 1)
  assert {k: len(v) for k, v in names.items()} == {
      "all": 71, "diagnostic": 44, "subdiagnostic": 23, "superdiagnostic": 5,
      "form": 19, "rhythm": 12}


def test_splits_follow_strat_fold(prepared, csv_rows):
  _, _, rows = prepared
  for split, folds in ptbxl.FOLDS_BY_SPLIT.items():
    expected = {int(r["ecg_id"]) for r in csv_rows
                if int(r["strat_fold"]) in folds}
    assert {r["ecg_id"] for r in rows[split]} == expected
    assert {r["strat_fold"] for r in rows[split]} <= set(folds)


def test_patients_disjoint_across_splits(prepared):
  _, _, rows = prepared
  patients = {s: {r["patient_id"] for r in rows[s]} for s in SPLITS}
  for a, b in (("train", "validation"), ("train", "test"),
               ("validation", "test")):
    assert not patients[a] & patients[b]


def test_signal_equals_wfdb_and_reads_without_tensorflow(prepared,
                                                         shared_data):
  builder, data_dir, _ = prepared
  source = tfds.data_source("ptbxl/100hz", data_dir=data_dir, split="test")
  example = source[0]
  path = shared_data / "ptbxl" / f"records100/00000/{example['ecg_id']:05d}_lr"
  expected, fields = wfdb.rdsamp(str(path))
  assert example["ecg"].shape == (1000, 12)
  assert example["ecg"].dtype == np.float32
  np.testing.assert_allclose(example["ecg"], expected, atol=1e-6)
  np.testing.assert_array_equal(ptbxl.read_ptbxl_record(path), example["ecg"])
  metadata = builder.info.metadata
  assert (metadata["sampling_rate_hz"], metadata["length"],
          metadata["units"]) == (100, 1000, "mV")
  assert metadata["lead_names"] == ["I", "II", "III", "aVR", "aVL", "aVF",
                                    "V1", "V2", "V3", "V4", "V5", "V6"]
  assert [n.upper() for n in metadata["lead_names"]] == fields["sig_name"]
  assert metadata["license"] == "CC BY 4.0"
  assert "Wagner" in builder.info.citation
  assert "tensorflow" not in sys.modules


def test_500hz_missing_records(shared_data, tmp_path):
  with pytest.raises(FileNotFoundError, match="00101_hr.hea"):
    _prepare(shared_data / "ptbxl", tmp_path / "strict", "500hz")
  _assert_not_prepared(tmp_path / "strict", "500hz")
  builder = _prepare(shared_data / "ptbxl", tmp_path / "subset", "500hz",
                     skip_missing_records=True)
  sizes = {s: len(builder.as_data_source(split=s)) for s in SPLITS}
  assert sum(sizes.values()) == 100
  assert builder.info.metadata["num_records_skipped"] == 300
  assert builder.as_data_source(split="train")[0]["ecg"].shape == (5000, 12)


def _assert_not_prepared(data_dir, config):
  assert not list((data_dir / "ptbxl").glob(f"{config}/*/dataset_info.json"))
  with pytest.raises(Exception, match="dataset_info.json"):
    tfds.builder_from_directory(str(data_dir / "ptbxl" / config / "1.0.0"))


def _small_manual_dir(shared_data, tmp_path, num_rows):
  """A manual_dir with the first `num_rows` rows and their 100 Hz records."""
  source = shared_data / "ptbxl"
  root = tmp_path / "manual"
  (root / "records100" / "00000").mkdir(parents=True)
  shutil.copy(source / "scp_statements.csv", root)
  with open(source / "ptbxl_database.csv") as f:
    lines = f.readlines()[:num_rows + 1]
  (root / "ptbxl_database.csv").write_text("".join(lines))
  for ecg_id in range(1, num_rows + 1):
    for ext in ("hea", "dat"):
      name = f"records100/00000/{ecg_id:05d}_lr.{ext}"
      shutil.copy(source / name, root / name)
  return root


def test_truncated_record_fails_and_leaves_no_dataset(shared_data, tmp_path):
  root = _small_manual_dir(shared_data, tmp_path, 6)
  dat = root / "records100/00000/00004_lr.dat"
  dat.write_bytes(dat.read_bytes()[:1000])
  with pytest.raises(ValueError, match="00004_lr.dat: truncated"):
    _prepare(root, tmp_path / "data")
  _assert_not_prepared(tmp_path / "data", "100hz")


def test_header_signal_count_disagrees(shared_data, tmp_path):
  root = _small_manual_dir(shared_data, tmp_path, 3)
  hea = root / "records100/00000/00002_lr.hea"
  lines = hea.read_text().splitlines()
  hea.write_text("\n".join([lines[0].replace(" 12 ", " 13 ", 1)] + lines[1:]))
  with pytest.raises(ValueError, match="00002_lr.hea: declares 13 signals"):
    _prepare(root, tmp_path / "data")


def test_statements_file_with_unexpected_labels(shared_data, tmp_path):
  root = _small_manual_dir(shared_data, tmp_path, 2)
  statements = root / "scp_statements.csv"
  statements.write_text(statements.read_text().replace("\nLVOLT,", "\nLVOLTX,"))
  with pytest.raises(ValueError,
                     match=r"scp_statements.csv: defines the 'all'"):
    _prepare(root, tmp_path / "data")
