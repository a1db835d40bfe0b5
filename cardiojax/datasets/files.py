"""Reading one record file of any supported format (predict, explain).

Formats, by file name:
- WFDB (`NAME.hea`, `NAME` or its `.dat` / `.mat` signal file with the `.hea`
  beside it): MIT-BIH, PTB, PTB-XL records and the PhysioNet/CinC 2020-21
  form, at the header's sampling rate with its lead names;
- `.mat` alone: an original CPSC 2018 file (12 leads at 500 Hz);
- `.npy` of shape (500, 10): LLNL electrode potentials (1 kHz), turned into
  the 12 standard leads;
- `.csv`: Kaggle-style beats, one per row (187 values at 125 Hz and a label).
"""

import dataclasses
import pathlib

import numpy as np

from cardiojax.signal import leads


@dataclasses.dataclass(frozen=True)
class RawRecord:
  """A record in physical units.

  Attributes:
    signal: (time, leads) float32 mV, or (beats, 187, 1) for beat CSVs.
    sampling_rate_hz: samples per second.
    lead_names: names of the signal's columns.
    is_beats: True when `signal` already holds segmented beats.
  """
  signal: np.ndarray
  sampling_rate_hz: float
  lead_names: tuple[str, ...]
  is_beats: bool = False


def read_record_file(path) -> RawRecord:
  """Reads `path` in the format its name implies (see the module docstring)."""
  path = pathlib.Path(path)
  suffix = path.suffix.lower()
  if (suffix in (".hea", ".dat", ".mat", "") and
      path.with_suffix(".hea").exists()):
    from cardiojax.datasets import wfdb_io  # pylint: disable=g-import-not-at-top
    record = wfdb_io.read_record(path.with_suffix(""))
    return RawRecord(record.signal, float(record.fs), tuple(record.lead_names))
  if suffix == ".mat":
    from cardiojax.datasets import cpsc2018  # pylint: disable=g-import-not-at-top
    signal, _ = cpsc2018.read_cpsc_mat(path)
    return RawRecord(signal, 500.0, leads.STANDARD_12)
  if suffix == ".npy":
    array = np.load(path, allow_pickle=False)
    if array.ndim != 2 or array.shape[1] != len(leads.ELECTRODES_10):
      raise ValueError(f"{path}: array of shape {array.shape}; expected LLNL "
                       f"electrode potentials (time, 10) {leads.ELECTRODES_10}")
    return RawRecord(leads.standard_leads_from_electrodes(array).astype(np.float32),
                     1000.0, leads.STANDARD_12)
  if suffix == ".csv":
    from cardiojax.datasets import kaggle_heartbeat  # pylint: disable=g-import-not-at-top
    beats, _ = kaggle_heartbeat.read_csv(path, num_labels=5)
    return RawRecord(beats[:, :, None], float(kaggle_heartbeat.FS),
                     ("II",), is_beats=True)
  raise ValueError(f"{path}: unknown record format {suffix or '(none)'!r}; "
                   f"expected a WFDB record (.hea/.dat), .mat, .npy or .csv")
