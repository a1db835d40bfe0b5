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


def test_unknown_or_wrong_files_are_named(tmp_path):
  with pytest.raises(ValueError, match="unknown record format '.edf'"):
    files.read_record_file(tmp_path / "x.edf")
  np.save(tmp_path / "x.npy", np.zeros((500, 12)))
  with pytest.raises(ValueError, match=r"x.npy: array of shape \(500, 12\)"):
    files.read_record_file(tmp_path / "x.npy")
