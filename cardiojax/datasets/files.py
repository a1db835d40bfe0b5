"""Reading one record file of any supported format (predict, explain).

Formats, by file name:
- WFDB (`NAME.hea`, `NAME` or its `.dat` / `.mat` signal file with the `.hea`
  beside it): MIT-BIH, PTB, PTB-XL records and the PhysioNet/CinC 2020-21
  form, and any record the WFDB specification allows (read by wfdb; see
  `read_wfdb`), at the header's sampling rate with its lead names;
- `.mat` alone: an original CPSC 2018 file (12 leads at 500 Hz);
- `.npy` of shape (500, 10): LLNL electrode potentials (1 kHz), turned into
  the 12 standard leads;
- `.csv`: Kaggle-style beats, one per row (187 values at 125 Hz, with or
  without a label column).

What cardiojax cannot use raises `RecordFormatError`: one line naming the
file and the field. What was done to make a record usable (units converted,
channels resampled, gaps filled, defaults assumed) is listed in
`RawRecord.notes`.
"""

import dataclasses
import pathlib

import numpy as np

from cardiojax.signal import leads


class RecordFormatError(ValueError):
  """A record file cardiojax cannot use; the message is one line naming it."""

  def __init__(self, message: str):
    super().__init__(" ".join(str(message).split("\n")))


@dataclasses.dataclass(frozen=True)
class RawRecord:
  """A record in physical units.

  Attributes:
    signal: (time, leads) float32 mV, or (beats, 187, 1) for beat CSVs;
      samples the file marks invalid, and gaps of multi-segment records, are
      NaN.
    sampling_rate_hz: samples per second.
    lead_names: names of the signal's columns; a column the file leaves
      unnamed is called 'signal <column>' and listed in `unnamed_leads`.
    is_beats: True when `signal` already holds segmented beats.
    record_id: the record name (a WFDB record's name, else the file stem).
    source: the path as given to `read_record_file`.
    notes: what was done to the file's data or assumed about it, e.g.
      'converted from uV to mV: signals 0 (I), 1 (II)'.
    unnamed_leads: columns without a name in the file.
  """
  signal: np.ndarray
  sampling_rate_hz: float
  lead_names: tuple[str, ...]
  is_beats: bool = False
  record_id: str = ""
  source: str = ""
  notes: tuple[str, ...] = ()
  unnamed_leads: tuple[int, ...] = ()


def _wfdb_record_path(path: pathlib.Path) -> pathlib.Path | None:
  """The WFDB record path (without extension) of `path`, if it is one."""
  if path.with_name(path.name + ".hea").is_file():
    return path  # A record name, which may hold dots.
  if (path.suffix.lower() in (".hea", ".dat", ".mat") and
      path.with_suffix(".hea").is_file()):
    return path.with_suffix("")
  return None


def read_record_file(path) -> RawRecord:
  """Reads `path` in the format its name implies (see the module docstring).

  Raises:
    FileNotFoundError: the file (or a signal file its header names) is
      missing.
    RecordFormatError: the file is not a record cardiojax can use, or of an
      unknown type (one line naming the file and the field).
  """
  source = str(path)
  path = pathlib.Path(path)
  suffix = path.suffix.lower()
  record_path = _wfdb_record_path(path)
  if record_path is None and suffix in (".hea", ".dat"):
    raise FileNotFoundError(f"{path.with_suffix('.hea')}: file not found")
  if record_path is None and suffix in (".mat", ".npy", ".csv") and (
      not path.is_file()):
    raise FileNotFoundError(f"{path}: file not found")
  if record_path is not None:
    record = read_wfdb(record_path)
  elif suffix == ".mat":
    from cardiojax.datasets import cpsc2018  # pylint: disable=g-import-not-at-top
    try:
      signal, _ = cpsc2018.read_cpsc_mat(path)
    except ValueError as e:
      raise RecordFormatError(str(e)) from e
    record = RawRecord(signal, 500.0, leads.STANDARD_12)
  elif suffix == ".npy":
    array = _call(f"{path}: unreadable .npy file", np.load, path,
                  allow_pickle=False)
    if array.ndim != 2 or array.shape[1] != len(leads.ELECTRODES_10):
      raise RecordFormatError(
          f"{path}: array of shape {array.shape}; expected LLNL electrode "
          f"potentials (time, 10) {leads.ELECTRODES_10}")
    record = RawRecord(
        leads.standard_leads_from_electrodes(array).astype(np.float32),
        1000.0, leads.STANDARD_12)
  elif suffix == ".csv":
    from cardiojax.datasets import kaggle_heartbeat  # pylint: disable=g-import-not-at-top
    try:
      beats, labels = kaggle_heartbeat.read_csv(path, num_labels=5,
                                                labels_optional=True)
    except FileNotFoundError:
      raise
    except ValueError as e:
      raise RecordFormatError(str(e)) from e
    record = RawRecord(
        beats[:, :, None], float(kaggle_heartbeat.FS), ("II",), is_beats=True,
        notes=() if labels is None else ("ignored the label column",))
  else:
    raise RecordFormatError(
        f"{path}: unknown record format {suffix or '(none)'!r}; expected a "
        f"WFDB record (.hea/.dat), .mat, .npy or .csv")
  return dataclasses.replace(
      record, source=source,
      record_id=record.record_id or path.with_suffix("").name)


# ---------------------------------------------------------------- WFDB ----


@dataclasses.dataclass
class _Segment:
  """The signals of one WFDB (segment) record, each at its own rate.

  Attributes:
    names: each signal's description (None where the header has none).
    spf: samples per frame of each signal.
    frames: the number of frames.
    channels: each signal's samples in mV (frames * spf of them), NaN where
      invalid.
    units: each signal's unit as written ('' where the header has none).
  """
  names: list[str | None]
  spf: list[int]
  frames: int
  channels: list[np.ndarray]
  units: list[str]


def _hea(record_path: pathlib.Path) -> pathlib.Path:
  return record_path.with_name(record_path.name + ".hea")


def _call(where, function, *args, **kwargs):
  """`function(*args, **kwargs)`, its failures as one RecordFormatError line."""
  try:
    return function(*args, **kwargs)
  except (FileNotFoundError, RecordFormatError):
    raise
  except Exception as e:  # pylint: disable=broad-except  (wfdb raises anything)
    message = str(e).strip() or type(e).__name__
    raise RecordFormatError(f"{where}: {message}") from e


def _read_header(record_path: pathlib.Path):
  import wfdb  # pylint: disable=g-import-not-at-top
  hea = _hea(record_path)
  if not hea.is_file():
    raise FileNotFoundError(f"{hea}: file not found")
  return _call(f"{hea}: unreadable WFDB header", wfdb.rdheader,
               str(record_path))


def _read_segment(record_path: pathlib.Path, header, notes: list[str]
                  ) -> _Segment:
  """Reads and validates a single-segment record (or a segment)."""
  import wfdb  # pylint: disable=g-import-not-at-top
  from wfdb.io import _signal  # pylint: disable=g-import-not-at-top,protected-access
  from cardiojax.datasets import wfdb_io  # pylint: disable=g-import-not-at-top
  hea = _hea(record_path)
  if not header.n_sig:
    raise RecordFormatError(f"{hea}: no signals (field n_sig is 0); cardiojax "
                            f"needs ECG signals")
  written_record, written = _call(hea, wfdb_io.written_fields, record_path)
  written = written[:header.n_sig]
  if len(written) < header.n_sig or not all(written):
    raise RecordFormatError(f"{hea}: expected {header.n_sig} signal lines "
                            f"(field n_sig), found {len(written)} readable")
  names = [f["sig_name"].strip() or None for f in written]
  for i, (fields, fmt) in enumerate(zip(written, header.fmt)):
    label = f"signal {_label(i, names[i])}"
    if fields["file_name"].startswith("~"):
      raise RecordFormatError(f"{hea}: not supported: {label} has no samples "
                              f"(field file_name is '~')")
    if fmt not in _signal.DAT_FMTS:
      raise RecordFormatError(
          f"{hea}: not supported: {label} has format {fmt} (field fmt); wfdb "
          f"reads formats {', '.join(_signal.DAT_FMTS)}")
    try:
      gain = float(fields["adc_gain"] or 0)
    except ValueError:
      gain = 0.0
    if not gain:
      raise RecordFormatError(
          f"{hea}: {label} has no gain (field adc_gain), so its amplitude is "
          f"uncalibrated; cardiojax needs physical units (mV)")
  if not written_record.get("fs"):
    notes.append(f"{hea.name}: no sampling frequency (field fs); assumed the "
                 f"WFDB default {header.fs:g} Hz")
  try:
    wfdb_io.check_signal_files(record_path, header)
  except ValueError as e:
    raise RecordFormatError(str(e)) from e
  # One sample a frame: a (time, signals) array. Several: one array a signal
  # (smooth_frames=False), physical from wfdb where wfdb 4.3.1 cannot return
  # the digital samples (format 61: its big-endian dtype breaks
  # `convert_dtype`), and then without the checksum check.
  expanded = any((s or 1) > 1 for s in header.samps_per_frame or ())
  digital_ok = not (expanded and "61" in header.fmt)
  record = _call(f"{hea}: unreadable signal", wfdb.rdrecord, str(record_path),
                 physical=not digital_ok, smooth_frames=not expanded,
                 return_res=64)
  if header.sig_len is None:
    notes.append(f"{hea.name}: no signal length (field sig_len); read the "
                 f"{record.sig_len} samples of the signal file")
  if not record.sig_len:
    raise RecordFormatError(f"{hea}: the record has no samples (field sig_len "
                            f"is 0 or the signal file is empty)")
  if not digital_ok:
    physical = record.e_p_signal
    if any(c is not None for c in header.checksum or ()):
      notes.append(f"{hea.name}: checksums not checked (wfdb cannot return "
                   f"format 61 multi-frequency samples unconverted)")
  else:
    digital = record.e_d_signal if expanded else list(record.d_signal.T)
    try:
      wfdb_io.check_checksums(record_path, header, digital)
    except ValueError as e:
      raise RecordFormatError(str(e)) from e
    physical = record.dac(expanded=expanded, return_res=64)
    if not expanded:
      physical = list(physical.T)
  spf = [int(s or 1) for s in record.samps_per_frame]
  channels = []
  for i, (samples, unit) in enumerate(zip(physical, written)):
    samples = np.asarray(samples, np.float64)
    if len(samples) != record.sig_len * spf[i]:
      raise RecordFormatError(
          f"{hea}: signal {i} has {len(samples)} samples; expected sig_len "
          f"{record.sig_len} x {spf[i]} samples per frame")
    factor = wfdb_io.mv_factor(unit["units"] or "mV") or 1.0
    channels.append(samples * factor if factor != 1.0 else samples)
  return _Segment(names=names, spf=spf, frames=int(record.sig_len),
                  channels=channels, units=[f["units"] for f in written])


def _unit_notes(where: str, names, units: list[str]) -> list[str]:
  """Notes on units converted to mV or assumed to be mV.

  A signal without units is in mV by the WFDB specification: no note.
  """
  from cardiojax.datasets import wfdb_io  # pylint: disable=g-import-not-at-top
  groups = {}
  for i, (name, unit) in enumerate(zip(names, units)):
    factor = wfdb_io.mv_factor(unit or "mV")
    if factor is None:
      key = f"units {unit!r} are not a voltage; assumed mV"
    elif factor != 1.0:
      key = f"converted from {unit} to mV"
    else:
      continue
    groups.setdefault(key, []).append(_label(i, name))
  return [f"{where}: {key}: {_plural(labels)}"
          for key, labels in groups.items()]


def _label(i: int, name: str | None) -> str:
  return f"{i} ({name})" if name else f"{i}"


def _plural(labels: list[str]) -> str:
  return f"signal{'s' if len(labels) > 1 else ''} {', '.join(labels)}"


def _upsample(x: np.ndarray, from_hz: float, to_hz: float) -> np.ndarray:
  """Polyphase resampling of one channel; NaN samples stay NaN."""
  from cardiojax.signal import resample  # pylint: disable=g-import-not-at-top
  bad = np.isnan(x)
  if bad.all():
    return np.full(int(round(len(x) * to_hz / from_hz)), np.nan)
  if bad.any():  # Bridge the NaN runs, resample, then put NaN back.
    index = np.arange(len(x))
    x = np.where(bad, np.interp(index, index[~bad], x[~bad]), x)
  y = resample.resample(x[:, None], from_hz, to_hz)[:, 0].astype(np.float64)
  if bad.any():
    source = np.minimum((np.arange(len(y)) * from_hz / to_hz).astype(np.int64),
                        len(bad) - 1)
    y[bad[source]] = np.nan
  return y


def _to_one_rate(columns: list[np.ndarray], spf: list[int], frame_hz: float,
                 names: list[str | None], notes: list[str]) -> np.ndarray:
  """(frames * max(spf), C) float32: every column at the highest rate."""
  top = max(spf)
  out, resampled = [], {}
  for c, (column, s) in enumerate(zip(columns, spf)):
    if s != top:
      column = _upsample(column, frame_hz * s, frame_hz * top)
      resampled.setdefault(s, []).append(_label(c, names[c]))
    out.append(column)
  for s, labels in resampled.items():
    notes.append(f"resampled {_plural(labels)} from {frame_hz * s:g} Hz to "
                 f"{frame_hz * top:g} Hz (polyphase, "
                 f"cardiojax.signal.resample)")
  return np.stack(out, axis=1).astype(np.float32)


def _named(names: list[str | None], notes: list[str]
           ) -> tuple[tuple[str, ...], tuple[int, ...]]:
  unnamed = tuple(i for i, n in enumerate(names) if not n)
  if unnamed:
    notes.append(f"signals {', '.join(map(str, unnamed))} have no name (field "
                 f"sig_name); called 'signal <column>'")
  return (tuple(n or f"signal {i}" for i, n in enumerate(names)), unnamed)


def read_wfdb(record_path: pathlib.Path | str) -> RawRecord:
  """Reads any WFDB record the specification allows, with wfdb.

  - Headers may leave out the signal length (the whole signal file is read)
    and, on signal lines, checksums (checked where given), block size and
    descriptions (unnamed signals are called 'signal <column>' and listed in
    `unnamed_leads`). A missing sampling frequency is the WFDB default,
    250 Hz (noted).
  - Multi-segment records (fixed or variable layout) are read segment by
    segment and joined; samples of gap segments ('~'), and of signals a
    variable-layout segment lacks, are NaN (noted). (wfdb's own joining,
    `MultiRecord.multi_to_single`, fails on gaps in fixed layouts.)
  - Multi-frequency records (samples per frame > 1): every signal comes at
    the highest rate, frame rate x the largest samples per frame; slower
    signals are resampled up with `cardiojax.signal.resample.resample`
    (polyphase anti-aliasing filter, not sample repetition, so the signal
    stays smooth for the later resampling to a model's rate; NaN samples
    stay NaN).
  - Every signal format wfdb reads (8, 16, 24, 32, 61, 80, 160, 212, 310,
    311, and 508/516/524 FLAC with the soundfile package); invalid-sample
    markers become NaN.
  - Units: mV, or no units (the WFDB default, mV) as is; uV, µV (either
    micro sign) and V converted to mV (noted); other units are assumed to be
    mV (noted).

  Raises:
    FileNotFoundError: the header or a signal file is missing.
    RecordFormatError: anything cardiojax cannot use (no gain, unknown
      format, truncated file, checksum mismatch, unreadable header...), one
      line naming the file and the field.
  """
  record_path = pathlib.Path(record_path)
  header = _read_header(record_path)
  notes: list[str] = []
  if getattr(header, "seg_name", None) is not None:
    return _read_multi_segment(record_path, header, notes)
  segment = _read_segment(record_path, header, notes)
  hea = _hea(record_path).name
  notes.extend(_unit_notes(hea, segment.names, segment.units))
  signal = _to_one_rate(segment.channels, segment.spf, float(header.fs),
                        segment.names, notes)
  names, unnamed = _named(segment.names, notes)
  return RawRecord(signal, float(header.fs) * max(segment.spf), names,
                   record_id=record_path.name, notes=tuple(notes),
                   unnamed_leads=unnamed)


def _read_multi_segment(record_path: pathlib.Path, master, notes: list[str]
                        ) -> RawRecord:
  """Reads a multi-segment record (see `read_wfdb`)."""
  hea = _hea(record_path)
  seg_names, seg_lens = list(master.seg_name), [int(n) for n in master.seg_len]
  variable = seg_lens[0] == 0
  if variable:  # The first segment is the layout header: names and rates.
    layout_path = record_path.parent / seg_names[0]
    layout = _read_header(layout_path)
    names = [n.strip() if n else None for n in (layout.sig_name or [])]
    if not names or not all(names):
      raise RecordFormatError(f"{_hea(layout_path)}: the layout header of "
                              f"variable-layout record {hea.name} must name "
                              f"every signal (field sig_name)")
    spf = [int(s or 1) for s in layout.samps_per_frame]
    first = 1
  else:
    names, spf, first = None, None, 0
  total = sum(seg_lens[first:])
  if master.sig_len is not None and master.sig_len != total:
    raise RecordFormatError(
        f"{hea}: the segments hold {total} samples, but the record line "
        f"declares {master.sig_len} (field sig_len)")
  starts = np.concatenate([[0], np.cumsum(seg_lens[first:])]).astype(int)
  pieces = []  # (index into starts, segment or None for a gap)
  units = {}
  for k, (name, length) in enumerate(zip(seg_names[first:],
                                         seg_lens[first:])):
    if name == "~":
      pieces.append((k, None))
      continue
    seg_path = record_path.parent / name
    seg_header = _read_header(seg_path)
    if seg_header.sig_len is not None and seg_header.sig_len != length:
      raise RecordFormatError(
          f"{_hea(seg_path)}: holds {seg_header.sig_len} samples (field "
          f"sig_len), but {hea.name} lists segment {name} with {length}")
    if float(seg_header.fs) != float(master.fs):
      raise RecordFormatError(
          f"{_hea(seg_path)}: sampling frequency {seg_header.fs:g} Hz (field "
          f"fs), but {hea.name} says {master.fs:g} Hz")
    segment = _read_segment(seg_path, seg_header, notes)
    if segment.frames != length:
      raise RecordFormatError(
          f"{_hea(seg_path)}: holds {segment.frames} samples, but {hea.name} "
          f"lists segment {name} with {length} (field seg_len)")
    if names is None:  # Fixed layout: the first segment's names and rates.
      names, spf = list(segment.names), list(segment.spf)
    for note in _unit_notes(f"{hea.name} segments", segment.names,
                            segment.units):
      units.setdefault(note, None)
    pieces.append((k, segment))
  if names is None:
    raise RecordFormatError(f"{hea}: every segment is a gap ('~'); no signal "
                            f"to read")
  if len(names) != master.n_sig:
    raise RecordFormatError(f"{hea}: declares {master.n_sig} signals (field "
                            f"n_sig), but its segments hold {len(names)}")
  frame_hz = float(master.fs)
  top = max(spf)
  columns = [np.full(total * s, np.nan) for s in spf]
  gaps, absent = [], {}
  for k, segment in pieces:
    a, b = starts[k], starts[k + 1]
    seg_hea = _hea(record_path.parent / seg_names[k + first])
    if segment is None:
      gaps.append(f"{a * top}-{b * top - 1}")
      continue
    if variable:
      where = []
      for i, n in enumerate(segment.names):
        if n not in names:
          raise RecordFormatError(
              f"{seg_hea}: signal {i} ({n}) is not in the layout header "
              f"{seg_names[0]}.hea (field sig_name)")
        where.append(names.index(n))
      missing = tuple(names[c] for c in range(len(names)) if c not in where)
      if missing:
        absent.setdefault(missing, []).append(f"{a * top}-{b * top - 1}")
    else:
      if len(segment.names) != len(names):
        raise RecordFormatError(
            f"{seg_hea}: {len(segment.names)} signals (field n_sig), but the "
            f"fixed layout of {hea.name} has {len(names)}")
      where = list(range(len(names)))
    for i, c in enumerate(where):
      if segment.spf[i] != spf[c]:
        raise RecordFormatError(
            f"{seg_hea}: signal {i} has {segment.spf[i]} samples per frame "
            f"(field samps_per_frame), but {spf[c]} elsewhere in {hea.name}")
      columns[c][a * spf[c]:b * spf[c]] = segment.channels[i]
  if gaps:
    more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
    notes.append(f"filled segment gap samples {', '.join(gaps[:5])}{more} with "
                 f"NaN (segments '~' of {hea.name})")
  for missing, spans in absent.items():
    more = f" and {len(spans) - 5} more" if len(spans) > 5 else ""
    notes.append(f"filled samples {', '.join(spans[:5])}{more} of "
                 f"{', '.join(missing)} with NaN: segments of {hea.name} "
                 f"without them")
  notes.extend(units)
  signal = _to_one_rate(columns, spf, frame_hz, names, notes)
  lead_names, unnamed = _named(names, notes)
  return RawRecord(signal, frame_hz * top, lead_names,
                   record_id=record_path.name, notes=tuple(notes),
                   unnamed_leads=unnamed)
