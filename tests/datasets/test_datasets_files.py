"""One record of each supported format (cardiojax.datasets.files), real files."""

import numpy as np
import pytest

from cardiojax.datasets import files
from cardiojax.signal import leads
from cardiojax.simulate import intracardiac


@pytest.mark.parametrize("path, fs, names, length", [
    ("mitdb/100.hea", 360, ("MLII", "V5"), 650000),
    ("mitdb/100.dat", 360, ("MLII", "V5"), 650000),
    ("ptbxl/records100/00000/00001_lr", 100, leads.STANDARD_12, 1000),
    ("ptbxl/records500/00000/00001_hr.hea", 500, leads.STANDARD_12, 5000),
    ("ptbxl/cinc2021_format/HR06000.mat", 500, leads.STANDARD_12, 5000),
])
def test_wfdb_records_at_their_header_rate(path, fs, names, length,
                                           shared_data):
  record = files.read_record_file(shared_data / path)
  assert record.sampling_rate_hz == fs
  assert record.source == str(shared_data / path)
  assert record.record_id == path.rsplit("/", 1)[1].split(".")[0]
  assert not record.notes and not record.unnamed_leads
  # PTB-XL headers spell AVR, AVL, AVF; leads are matched case-insensitively.
  assert [n.lower() for n in record.lead_names] == [n.lower() for n in names]
  assert record.signal.shape == (length, len(names)) and not record.is_beats
  assert 0.05 < np.abs(record.signal).max() < 20  # mV


def test_original_cpsc2018_mat(shared_data):
  record = files.read_record_file(
      shared_data / "cpsc2018/TrainingSet_subset/A1980.mat")
  assert record.sampling_rate_hz == 500
  assert record.lead_names == leads.STANDARD_12
  assert record.signal.shape[1] == 12 and record.signal.shape[0] >= 3000


def test_llnl_electrodes_become_standard_leads(tmp_path):
  (ecg_path, _), = intracardiac.write_llnl_files(tmp_path, 1, 1)
  record = files.read_record_file(ecg_path)
  electrodes = np.load(ecg_path)
  assert record.sampling_rate_hz == 1000
  assert record.signal.shape == (500, 12)
  ra, ll = leads.ELECTRODES_10.index("RA"), leads.ELECTRODES_10.index("LL")
  np.testing.assert_allclose(record.signal[:, leads.STANDARD_12.index("II")],
                             electrodes[:, ll] - electrodes[:, ra], atol=1e-5)


def test_kaggle_csv_rows_are_beats(shared_data):
  record = files.read_record_file(
      shared_data / "kaggle_heartbeat" / "original_format_rows" /
      "mitbih_test_first10.csv")
  assert record.is_beats and record.signal.shape == (10, 187, 1)
  assert record.sampling_rate_hz == 125
  assert record.record_id == "mitbih_test_first10"


def _kaggle_lines(shared_data, n=4):
  return (shared_data / "kaggle_heartbeat" /
          "mitbih_train_sample.csv").read_text().splitlines()[:n]


def _expected_beats(lines):
  return np.asarray([l.split(",")[:187] for l in lines], np.float32)[:, :, None]


@pytest.mark.parametrize("label_column", [True, False])
@pytest.mark.parametrize("header", [None, "names", "pandas"])
def test_kaggle_csv_variants(shared_data, tmp_path, label_column, header):
  lines = _kaggle_lines(shared_data)
  rows = lines if label_column else [l.rsplit(",", 1)[0] for l in lines]
  width = len(rows[0].split(","))
  head = {None: [], "names": [",".join(f"c{i}" for i in range(width))],
          "pandas": [",".join(str(i) for i in range(width))]}[header]
  # A blank line in the middle and a trailing blank line are skipped.
  text = "\n".join(head + rows[:2] + [""] + rows[2:]) + "\n\n"
  (tmp_path / "beats.csv").write_text(text)
  record = files.read_record_file(tmp_path / "beats.csv")
  assert record.is_beats and record.signal.shape == (4, 187, 1)
  np.testing.assert_array_equal(record.signal, _expected_beats(lines))
  assert record.notes == (("ignored the label column",) if label_column
                          else ())


@pytest.mark.parametrize("edit, match", [
    (lambda ls: ls[:2] + [ls[2].rsplit(",", 1)[0]] + ls[3:],
     "line 3: expected 188 comma-separated values (187 samples + label, as "
     "line 1), got 187"),
    (lambda ls: ls[:1] + [ls[1] + ",0"] + ls[2:],
     "line 2: expected 188 comma-separated values"),
    (lambda ls: ls[:3] + [ls[3].replace(",", ",abc,", 1).rsplit(",", 1)[0]],
     "line 4: value 2 is 'abc'; expected a number"),
    (lambda ls: [",".join(["0.5"] * 20)] + ls,
     "line 1: expected 187 comma-separated values (187 samples, no label) or "
     "188"),
    (lambda ls: ls[:1] + [ls[1].rsplit(",", 1)[0] + ",7"],
     "line 2: label 7.0; expected an integer in 0..4"),
    (lambda ls: ["c" + ",c" * 187, ""], "no rows"),
])
def test_bad_kaggle_csv_names_file_and_line(shared_data, tmp_path, edit,
                                            match):
  (tmp_path / "bad.csv").write_text(
      "\n".join(edit(_kaggle_lines(shared_data))) + "\n")
  with pytest.raises(files.RecordFormatError) as info:
    files.read_record_file(tmp_path / "bad.csv")
  message = str(info.value)
  assert "\n" not in message and "bad.csv" in message and match in message, (
      message)


def test_kaggle_read_csv_keeps_labelled_rows_for_builders(shared_data,
                                                          tmp_path):
  from cardiojax.datasets import kaggle_heartbeat  # pylint: disable=g-import-not-at-top
  lines = _kaggle_lines(shared_data)
  (tmp_path / "train.csv").write_text("\n".join(lines) + "\n\n")
  beats, labels = kaggle_heartbeat.read_csv(tmp_path / "train.csv", 5)
  np.testing.assert_array_equal(beats, _expected_beats(lines)[:, :, 0])
  np.testing.assert_array_equal(
      labels, [int(float(l.rsplit(",", 1)[1])) for l in lines])
  (tmp_path / "train.csv").write_text(
      "\n".join(l.rsplit(",", 1)[0] for l in lines))
  with pytest.raises(ValueError, match=r"train\.csv: line 1: expected 188 "
                     r"comma-separated values \(187 samples \+ label\), "
                     r"got 187"):
    kaggle_heartbeat.read_csv(tmp_path / "train.csv", 5)


def test_unknown_or_wrong_files_are_named(tmp_path):
  with pytest.raises(ValueError, match="unknown record format '.edf'"):
    files.read_record_file(tmp_path / "x.edf")
  np.save(tmp_path / "x.npy", np.zeros((500, 12)))
  with pytest.raises(files.RecordFormatError,
                     match=r"x.npy: array of shape \(500, 12\)"):
    files.read_record_file(tmp_path / "x.npy")
  with pytest.raises(FileNotFoundError, match=r"y.hea: file not found"):
    files.read_record_file(tmp_path / "y.hea")


def test_same_file_names_keep_their_sources(shared_data, tmp_path):
  for folder in ("a", "b"):
    (tmp_path / folder).mkdir()
    for ext in ("hea", "dat"):
      (tmp_path / folder / f"00001_lr.{ext}").symlink_to(
          shared_data / "ptbxl/records100/00000" / f"00001_lr.{ext}")
  a, b = (files.read_record_file(tmp_path / f / "00001_lr") for f in "ab")
  assert a.record_id == b.record_id == "00001_lr"
  assert a.source != b.source and a.source == str(tmp_path / "a" / "00001_lr")
