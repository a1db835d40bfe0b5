"""Reading WFDB records and annotations with validation.

`read_record` checks every signal file's size against the header's signal
length and format, and every signal's checksum against the header, before it
converts the digital samples to mV. Errors name the file, the field and the
expected value.
"""

import dataclasses
import math
import pathlib

import numpy as np
import wfdb

# Bytes per sample of the WFDB signal formats read here.
_BYTES_PER_SAMPLE = {"8": 1, "80": 1, "16": 2, "61": 2, "160": 2, "24": 3,
                     "32": 4, "212": 1.5, "310": 4 / 3, "311": 4 / 3}
# Factor from a header's physical unit to mV.
_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "v": 1e3}


@dataclasses.dataclass(frozen=True)
class Record:
  """A WFDB record in physical units.

  Attributes:
    name: record name, e.g. '100' or 'patient001/s0010_re'.
    signal: (time, leads) float32 in mV; invalid samples are NaN.
    fs: sampling rate in Hz.
    lead_names: the header's signal descriptions, in column order.
    comments: the header's comment lines, without '#'.
  """
  name: str
  signal: np.ndarray
  fs: float
  lead_names: tuple[str, ...]
  comments: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Annotations:
  """Annotations of a record.

  Attributes:
    sample: (n,) int64 sample indices.
    symbol: (n,) annotation symbols (str).
    aux_note: (n,) aux strings with trailing NUL bytes removed.
  """
  sample: np.ndarray
  symbol: np.ndarray
  aux_note: np.ndarray


def _require(path: pathlib.Path) -> None:
  if not path.is_file():
    raise FileNotFoundError(f"{path}: file not found")


def read_header(path: pathlib.Path | str) -> wfdb.Record:
  """Reads `<path>.hea` (path without extension)."""
  path = pathlib.Path(path)
  header = path.with_name(path.name + ".hea")
  _require(header)
  try:
    return wfdb.rdheader(str(path))
  except Exception as e:  # wfdb raises bare ValueError/IndexError.
    raise ValueError(f"{header}: unreadable WFDB header ({e})") from e


def _check_file_sizes(path: pathlib.Path, header: wfdb.Record) -> None:
  """Checks each signal file's size against sig_len, nsig and fmt."""
  hea = path.with_name(path.name + ".hea")
  files = {}
  for fname, fmt, offset in zip(header.file_name, header.fmt,
                                header.byte_offset or [None] * header.n_sig):
    files.setdefault(fname, []).append((fmt, offset or 0))
  for fname, signals in files.items():
    dat = path.parent / fname
    _require(dat)
    fmt, offset = signals[0]
    if fmt not in _BYTES_PER_SAMPLE:
      raise ValueError(f"{hea}: signal file {fname} has format {fmt}; "
                       f"expected one of {sorted(_BYTES_PER_SAMPLE)}")
    expected = offset + math.ceil(
        header.sig_len * len(signals) * _BYTES_PER_SAMPLE[fmt])
    size = dat.stat().st_size
    if size != expected:
      problem = "truncated" if size < expected else "longer than the header says"
      raise ValueError(
          f"{dat}: {problem}: holds {size} bytes, but {hea} declares "
          f"sig_len={header.sig_len} x {len(signals)} signals in format {fmt} "
          f"= {expected} bytes")


def read_record(path: pathlib.Path | str, name: str | None = None) -> Record:
  """Reads and validates a WFDB record.

  Args:
    path: the record path without extension (`<path>.hea` must exist).
    name: the record name to report; defaults to the file stem.

  Returns:
    The record with its signal in mV, (time, leads) float32.

  Raises:
    FileNotFoundError: the header or a signal file is missing.
    ValueError: a signal file's size disagrees with the header (truncated or
      wrong `sig_len`), a checksum disagrees, or a unit is not a voltage.
  """
  path = pathlib.Path(path)
  header = read_header(path)
  hea = path.with_name(path.name + ".hea")
  _check_file_sizes(path, header)
  rec = wfdb.rdrecord(str(path), physical=False, return_res=32)
  digital = rec.d_signal.astype(np.int64)
  if header.checksum is not None:
    actual = np.sum(digital, axis=0) % 65536
    for i, (want, got) in enumerate(zip(header.checksum, actual)):
      if (want - got) % 65536:
        raise ValueError(
            f"{path.parent / header.file_name[i]}: signal {i} "
            f"({header.sig_name[i]}) checksum is {got} (mod 65536), but "
            f"{hea} declares checksum={want}")
  scale = []
  for i, unit in enumerate(rec.units or ["mV"] * rec.n_sig):
    factor = _TO_MV.get((unit or "mV").lower())
    if factor is None:
      raise ValueError(f"{hea}: signal {i} ({rec.sig_name[i]}) has units "
                       f"{unit!r}; expected one of mV, uV, V")
    scale.append(factor)
  physical = rec.dac(expanded=False, return_res=64) * np.asarray(scale)
  return Record(name=name or path.name, signal=physical.astype(np.float32),
                fs=float(rec.fs), lead_names=tuple(rec.sig_name),
                comments=tuple(rec.comments or ()))


def read_annotations(path: pathlib.Path | str,
                     extension: str = "atr") -> Annotations:
  """Reads `<path>.<extension>`; a missing file raises FileNotFoundError."""
  path = pathlib.Path(path)
  ann_file = path.with_name(f"{path.name}.{extension}")
  _require(ann_file)
  try:
    ann = wfdb.rdann(str(path), extension)
  except Exception as e:  # wfdb raises bare ValueError/IndexError.
    raise ValueError(f"{ann_file}: unreadable WFDB annotation file ({e})") from e
  aux = [(a or "").rstrip("\x00") for a in ann.aux_note]
  return Annotations(sample=np.asarray(ann.sample, np.int64),
                     symbol=np.asarray(ann.symbol, dtype=str),
                     aux_note=np.asarray(aux, dtype=str))


def header_fields(comments: tuple[str, ...]) -> dict[str, str]:
  """Parses 'key: value' header comment lines, e.g. PTB's '# age: 81'."""
  fields = {}
  for line in comments:
    key, sep, value = line.partition(":")
    if sep:
      fields.setdefault(key.strip().lower(), value.strip())
  return fields
