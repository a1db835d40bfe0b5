"""Reading WFDB records and annotations with validation.

`read_record` checks every signal file's size against the header's signal
length and format, and every signal's checksum against the header, before it
converts the digital samples to mV. Errors name the file, the field and the
expected value. `check_signal_files`, `check_checksums`, `written_fields` and
`mv_factor` are the pieces shared with `cardiojax.datasets.files`, which reads
every record form the WFDB specification allows.
"""

import dataclasses
import math
import pathlib
import typing

import numpy as np

if typing.TYPE_CHECKING:
  import wfdb  # For annotations; `_wfdb()` imports it on use.

# Bytes per sample of the WFDB signal formats read here.
_BYTES_PER_SAMPLE = {"8": 1, "80": 1, "16": 2, "61": 2, "160": 2, "24": 3,
                     "32": 4, "212": 1.5, "310": 4 / 3, "311": 4 / 3}
# FLAC-compressed formats: their file size says nothing about the length.
_COMPRESSED_FORMATS = ("508", "516", "524")
# Factor from a header's physical unit to mV (micro as 'u', the micro sign
# U+00B5 or the Greek mu U+03BC).
_TO_MV = {"mv": 1.0, "uv": 1e-3, "\u00b5v": 1e-3, "\u03bcv": 1e-3, "v": 1e3}


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


def _wfdb():
  """The wfdb package, imported on first use: with pandas it takes 0.3 s,
  which a run reading prepared data never needs."""
  import wfdb  # pylint: disable=g-import-not-at-top,redefined-outer-name
  import wfdb.io.header  # pylint: disable=g-import-not-at-top
  return wfdb


def _require(path: pathlib.Path) -> None:
  if not path.is_file():
    raise FileNotFoundError(f"{path}: file not found")


def read_header(path: pathlib.Path | str) -> "wfdb.Record":
  """Reads `<path>.hea` (path without extension)."""
  path = pathlib.Path(path)
  header = path.with_name(path.name + ".hea")
  _require(header)
  try:
    return _wfdb().rdheader(str(path))
  except Exception as e:  # wfdb raises bare ValueError/IndexError.
    raise ValueError(f"{header}: unreadable WFDB header ({e})") from e


def mv_factor(unit: str | None) -> float | None:
  """The factor from a header's physical unit to mV; None when not a voltage."""
  return _TO_MV.get((unit or "mV").lower())


def written_fields(path: pathlib.Path | str
                   ) -> tuple[dict[str, str], list[dict[str, str]]]:
  """The record line and signal lines of `<path>.hea` as written.

  Fields are split by wfdb's own expressions (`wfdb.io.header.rx_record`,
  `rx_signal`), one dict of strings a line; a field the line leaves out is
  ''. Unlike `wfdb.rdheader`, which fills in defaults (sampling frequency
  250, gain 200, units 'mV') and reads the text as ASCII (so 'µV' becomes
  'V'), this keeps what the header says: the text is read as UTF-8, or
  Latin-1 where it is not UTF-8. (For a multi-segment header the second
  list is meaningless.)
  """
  path = pathlib.Path(path)
  data = path.with_name(path.name + ".hea").read_bytes()
  try:
    text = data.decode("utf-8")
  except UnicodeDecodeError:
    text = data.decode("latin-1")
  wfdb_header = _wfdb().io.header
  lines, _ = wfdb_header.parse_header_content(text)

  def fields(expression, line):
    match = expression.match(line)
    return {k: v or "" for k, v in match.groupdict().items()} if match else {}

  return (fields(wfdb_header.rx_record, lines[0]) if lines else {},
          [fields(wfdb_header.rx_signal, line) for line in lines[1:]])


def check_signal_files(path: pathlib.Path | str, header: "wfdb.Record") -> None:
  """Checks each signal file's size against sig_len, samples per frame and fmt.

  A header without the signal length (wfdb then reads the whole file) and
  FLAC-compressed files are only checked for being there.

  Raises:
    FileNotFoundError: a signal file is missing.
    ValueError: a file's size disagrees with the header, or its format is
      not a WFDB signal format.
  """
  path = pathlib.Path(path)
  hea = path.with_name(path.name + ".hea")
  files = {}
  for fname, fmt, offset, spf in zip(
      header.file_name, header.fmt, header.byte_offset or [None] * header.n_sig,
      header.samps_per_frame or [None] * header.n_sig):
    files.setdefault(fname, []).append((fmt, offset or 0, spf or 1))
  for fname, signals in files.items():
    dat = path.parent / fname
    _require(dat)
    fmt, offset, _ = signals[0]
    if fmt in _COMPRESSED_FORMATS:
      continue
    if fmt not in _BYTES_PER_SAMPLE:
      raise ValueError(f"{hea}: signal file {fname} has format {fmt}; "
                       f"expected one of {sorted(_BYTES_PER_SAMPLE)}")
    if header.sig_len is None:
      continue
    frame = sum(spf for _, _, spf in signals)
    expected = offset + math.ceil(
        header.sig_len * frame * _BYTES_PER_SAMPLE[fmt])
    size = dat.stat().st_size
    if size != expected:
      problem = "truncated" if size < expected else "longer than the header says"
      per_frame = (f"{len(signals)} signals" if frame == len(signals) else
                   f"{frame} samples per frame ({len(signals)} signals)")
      raise ValueError(
          f"{dat}: {problem}: holds {size} bytes, but {hea} declares "
          f"sig_len={header.sig_len} x {per_frame} in format {fmt} "
          f"= {expected} bytes")


def check_checksums(path: pathlib.Path | str, header: "wfdb.Record",
                    digital) -> None:
  """Checks each signal's checksum (where the header has one).

  Args:
    path: the record path without extension.
    header: its header.
    digital: the stored samples of each signal, (time, signals) or a list of
      one array a signal (all samples of a multi-frequency signal).

  Raises:
    ValueError: a checksum disagrees, naming the signal file and signal.
  """
  path = pathlib.Path(path)
  hea = path.with_name(path.name + ".hea")
  if isinstance(digital, np.ndarray):
    digital = list(digital.T)
  for i, want in enumerate(header.checksum or ()):
    if want is None:
      continue
    got = int(np.sum(np.asarray(digital[i], np.int64))) % 65536
    if (want - got) % 65536:
      raise ValueError(
          f"{path.parent / header.file_name[i]}: signal {i} "
          f"({header.sig_name[i]}) checksum is {got} (mod 65536), but "
          f"{hea} declares checksum={want}")


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
  check_signal_files(path, header)
  rec = _wfdb().rdrecord(str(path), physical=False, return_res=32)
  check_checksums(path, header, rec.d_signal)
  # The units as written (wfdb reads the header as ASCII: 'µV' would be 'V').
  units = [f.get("units") or "mV" for f in written_fields(path)[1][:rec.n_sig]]
  scale = []
  for i, unit in enumerate(units):
    factor = mv_factor(unit)
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
    ann = _wfdb().rdann(str(path), extension)
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
