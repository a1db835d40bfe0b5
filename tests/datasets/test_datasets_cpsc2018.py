"""CPSC 2018 builder and readers against shared/data/cpsc2018 (A1980-A1989)
and the CinC WFDB form in shared/data/ptbxl/cinc2021_format (HR06000-9)."""

import csv
import shutil
import sys

import numpy as np
import pytest
import scipy.io
import tensorflow_datasets as tfds

from cardiojax.datasets import cpsc2018
from cardiojax.input import splits

SPLITS = ("train", "validation", "test")
CLASSES = ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE")
# Lengths (samples) of A1980-A1989, from the files' ECG.data shapes.
LENGTHS = {"A1980": 5000, "A1981": 7950, "A1982": 5000, "A1983": 7500,
           "A1984": 9500, "A1985": 5517, "A1986": 21500, "A1987": 6778,
           "A1988": 27157, "A1989": 8500}


def _prepare(manual_dir, data_dir, config):
  builder = cpsc2018.Cpsc2018(config=config, data_dir=data_dir,
                              file_format="array_record")
  builder.download_and_prepare(
      download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
  return builder


def _examples(builder):
  out = {}
  for split in SPLITS:
    source = builder.as_data_source(split=split)
    for i in range(len(source)):
      example = source[i]
      out[example["record_id"].decode()] = dict(example, split=split)
  return out


@pytest.fixture(scope="module")
def original(shared_data, tmp_path_factory):
  builder = _prepare(shared_data / "cpsc2018",
                     tmp_path_factory.mktemp("cpsc"), "original")
  return builder, _examples(builder)


def test_labels_equal_reference_csv(original, shared_data):
  with open(shared_data / "cpsc2018" / "REFERENCE.csv", newline="") as f:
    reference = {r["Recording"]: {int(r[k]) for k in
                                  ("First_label", "Second_label",
                                   "Third_label") if r[k].strip()}
                 for r in csv.DictReader(f)}
  builder, examples = original
  assert sorted(examples) == [f"A{i}" for i in range(1980, 1990)]
  for record_id, example in examples.items():
    codes = {i + 1 for i in np.flatnonzero(example["labels"])}
    assert codes == reference[record_id], record_id
  assert tuple(builder.info.metadata["label_names"]) == CLASSES


def test_lengths_and_signal_kept_whole(original, shared_data):
  _, examples = original
  for record_id, example in examples.items():
    assert example["length"] == LENGTHS[record_id]
    assert example["ecg"].shape == (LENGTHS[record_id], 12)
    assert example["ecg"].dtype == np.float32
  path = shared_data / "cpsc2018" / "TrainingSet_subset" / "A1986.mat"
  data = scipy.io.loadmat(path)["ECG"][0, 0]["data"]
  np.testing.assert_array_equal(examples["A1986"]["ecg"],
                                data.T.astype(np.float32))
  signal, meta = cpsc2018.read_cpsc_mat(path)
  np.testing.assert_array_equal(signal, examples["A1986"]["ecg"])
  assert meta == {"age": 53.0, "sex": 1}
  assert (examples["A1980"]["age"], examples["A1980"]["sex"]) == (52.0, 0)
  assert "tensorflow" not in sys.modules


def test_folds_and_disjoint_records(original):
  builder, examples = original
  ids = sorted(examples)
  labels = np.stack([examples[i]["labels"] for i in ids])
  expected = splits.stratified_kfold_multilabel(labels, 10,
                                                cpsc2018.FOLD_SEED)
  assert [examples[i]["fold"] for i in ids] == expected.tolist()
  for record_id, example in examples.items():
    folds = builder.info.metadata["folds_by_split"][example["split"]]
    assert example["fold"] in folds, record_id
  # Each record is its own patient: no record id in two splits.
  splits.assert_disjoint({s: [i for i, e in examples.items()
                              if e["split"] == s] for s in SPLITS})
  assert {s: sum(e["split"] == s for e in examples.values())
          for s in SPLITS} == {"train": 8, "validation": 1, "test": 1}


def test_snomed_map_agrees_with_cinc_counts(shared_data):
  # The CPSC column of the CinC maps counts each code's CPSC records; per
  # class it must equal the REFERENCE.csv count of that class.
  counts = {c: 0 for c in CLASSES}
  for name in ("dx_mapping_scored.csv", "dx_mapping_unscored.csv"):
    with open(shared_data / "cpsc2018" / "cinc2021_label_maps" / name) as f:
      for row in csv.DictReader(f):
        if row["SNOMEDCTCode"] in cpsc2018.SNOMED_TO_CLASS:
          counts[cpsc2018.SNOMED_TO_CLASS[row["SNOMEDCTCode"]]] += int(
              row["CPSC"])
  # Records per class (A0953 lists PAC twice: '6,6').
  reference = {c: 0 for c in CLASSES}
  with open(shared_data / "cpsc2018" / "REFERENCE.csv", newline="") as f:
    for row in csv.DictReader(f):
      for code in {row[k].strip() for k in ("First_label", "Second_label",
                                            "Third_label")} - {""}:
        reference[CLASSES[int(code) - 1]] += 1
  assert counts == reference


def test_cinc_form_maps_dx_codes(shared_data, tmp_path):
  root = shared_data / "ptbxl" / "cinc2021_format"
  signal, meta = cpsc2018.read_cinc_record(root / "HR06002")
  assert signal.shape == (5000, 12) and signal.dtype == np.float32
  # 426177001 SB, 426783006 NSR, 713426002 incomplete RBBB (not RBBB).
  assert meta["dx_codes"] == ("426177001", "426783006", "713426002")
  assert meta["labels"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]
  assert (meta["age"], meta["sex"]) == (29.0, 0)
  first = cpsc2018.read_cinc_header(root / "HR06000")
  assert (first["age"], first["sex"]) == (59.0, 1)
  np.testing.assert_allclose(
      cpsc2018.read_cinc_record(root / "HR06000")[0][0],
      np.array([10, -20, -30, 5, 20, -25, -85, -60, 175, 15, 470, 625]) / 1e3,
      atol=1e-7)
  builder = _prepare(root, tmp_path / "data", "cinc")
  examples = _examples(builder)
  assert sorted(examples) == [f"HR0600{i}" for i in range(10)]
  for example in examples.values():
    assert example["length"] == 5000 and example["ecg"].shape == (5000, 12)
    assert example["labels"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]


def _manual_dir(shared_data, tmp_path, ids):
  root = tmp_path / "manual"
  (root / "TrainingSet").mkdir(parents=True)
  shutil.copy(shared_data / "cpsc2018" / "REFERENCE.csv", root)
  for record_id in ids:
    shutil.copy(shared_data / "cpsc2018" / "TrainingSet_subset" /
                f"{record_id}.mat", root / "TrainingSet")
  return root


def _assert_not_prepared(data_dir, config):
  assert not list((data_dir / "cpsc2018").glob(
      f"{config}/*/dataset_info.json"))


def test_mat_without_ecg_field(shared_data, tmp_path):
  root = _manual_dir(shared_data, tmp_path, ["A1980", "A1981", "A1982"])
  scipy.io.savemat(root / "TrainingSet" / "A1981.mat",
                   {"ECG": {"sex": "Male", "age": 40}})
  with pytest.raises(ValueError, match=r"A1981.mat: struct ECG has fields "
                     r".*expected field 'data'"):
    cpsc2018.read_cpsc_mat(root / "TrainingSet" / "A1981.mat")
  with pytest.raises(ValueError, match="A1981.mat"):
    _prepare(root, tmp_path / "data", "original")
  _assert_not_prepared(tmp_path / "data", "original")
  scipy.io.savemat(root / "TrainingSet" / "A1981.mat", {"val": np.zeros(3)})
  with pytest.raises(ValueError, match="A1981.mat: no variable 'ECG'"):
    cpsc2018.read_cpsc_mat(root / "TrainingSet" / "A1981.mat")


def test_mat_with_wrong_data_shape(shared_data, tmp_path):
  path = tmp_path / "A1980.mat"
  scipy.io.savemat(path, {"ECG": {"sex": "Male", "age": 40,
                                  "data": np.zeros((8, 100))}})
  with pytest.raises(ValueError, match=r"A1980.mat: ECG.data has shape "
                     r"\(8, 100\).*expected numeric \(12, N\)"):
    cpsc2018.read_cpsc_mat(path)


def test_record_missing_from_reference(shared_data, tmp_path):
  root = _manual_dir(shared_data, tmp_path, ["A1980"])
  shutil.copy(root / "TrainingSet" / "A1980.mat", root / "TrainingSet" /
              "B0001.mat")
  with pytest.raises(ValueError, match="B0001.mat: record B0001 is not in"):
    _prepare(root, tmp_path / "data", "original")


def test_cinc_header_signal_count_disagrees(shared_data, tmp_path):
  for ext in ("hea", "mat"):
    shutil.copy(shared_data / "ptbxl" / "cinc2021_format" / f"HR06001.{ext}",
                tmp_path)
  hea = tmp_path / "HR06001.hea"
  lines = hea.read_text().splitlines()
  hea.write_text("\n".join([lines[0].replace(" 12 ", " 13 ", 1)] + lines[1:]))
  with pytest.raises(ValueError, match="HR06001.hea: declares 13 signals"):
    cpsc2018.read_cinc_record(tmp_path / "HR06001")
