"""The signal check between every record reader and the model.

`check(signal, fs, lead_names)` finds, lead by lead:
- 'non_finite': runs of NaN/inf samples (WFDB invalid-sample markers arrive
  as NaN once wfdb converts digital to physical values);
- 'disconnected': a lead whose whole peak-to-peak stays below `FLAT_PTP_MV`;
- 'flat': stretches of at least `FLAT_MIN_S` whose peak-to-peak stays below
  `FLAT_PTP_MV` (lead off, amplifier blocked);
- 'saturation': runs of at least `SATURATION_MIN_S` stuck at the lead's
  largest or smallest value (clipping at the converter's limit);
- 'amplitude': stretches whose peak-to-peak over `WINDOW_S` exceeds
  `AMPLITUDE_MAX_MV`, or a lead whose typical peak-to-peak exceeds
  `UNITS_MAX_MV` (a record in µV rather than mV);
- 'polarity': lead I or II with a dominant negative QRS while aVR's is
  positive (interchanged limb electrodes or inverted leads; Batchvarov et
  al. 2007).

The kinds come from the defects that made records unacceptable in the
PhysioNet/CinC Challenge 2011 on ECG quality (Silva, Moody & Celi 2011):
Langley et al. (CinC 2011) name flat baseline, saturation, low and high
amplitude; Hayn et al. (CinC 2011) constant signal portions, amplitude and
spikes. Their thresholds were tuned to 10-s mobile-phone records; the
numbers here are cardiojax's own, each justified where it is defined and
checked on all 534 shared records (MIT-BIH, PTB-XL at 100 and 500 Hz, its
CinC 2021 copies, CPSC 2018). There they report the real defects only:
clipping at MIT-BIH's converter limits (103 V2, 223 V1), CPSC A1988's V6
off for 5 s then swinging 10.35 mV, the value held over the last ~0.1 s of
a few PTB-XL 500-Hz records (00004, 00031, 00080, HR06006: 'saturation' when
the held value is the lead's extreme), and the superior axes noted at
`POLARITY_NEGATIVE`.

`apply_policy` acts on the non-finite samples only ('repair', 'drop' or
'refuse') and returns a signal without any non-finite value, a (T,) mask of
the samples that may be used, and every finding with its action. The other
kinds change no sample: they are reported.

All arrays are (time, leads) in mV; samples are 0-based, stop exclusive.
Nothing loops over samples: runs come from `np.diff` on the indices of a
boolean mask, and exact running peak-to-peaks are computed only near the
half-second blocks whose maxima and minima could hold a finding, so a 24-h
two-lead Holter at 360 Hz checks in about a second.
"""

import dataclasses
from collections.abc import Sequence

import numpy as np
import scipy

from cardiojax.signal import checks
from cardiojax.signal import leads
from cardiojax.signal import qrs

KINDS = ("non_finite", "disconnected", "flat", "saturation", "amplitude",
         "polarity")
ACTIONS = ("reported", "repaired", "dropped", "refused")
POLICIES = ("repair", "drop", "refuse")

# Flat: 10 µV is 1/100 of a typical QRS (about 1 mV) and below the noise of
# a recorded ECG (tens of µV peak-to-peak), so a connected lead, with its
# QRS, P, T and noise, does not stay inside it; 1 s is longer than the RR
# interval of any rhythm faster than 60 bpm. cardiojax choices: the smallest
# 1-s peak-to-peak of any lead of the shared records is 0.022 mV (PTB-XL
# 00191), apart from CPSC A1988's V6, off for 5 s. (A nearly flat I, II or
# III also marks the right-leg cable swapped with an arm's: Batchvarov et
# al. 2007, below.)
FLAT_PTP_MV = 0.01
FLAT_MIN_S = 1.0
# Running peak-to-peak window of the flat and amplitude checks (= FLAT_MIN_S).
WINDOW_S = FLAT_MIN_S
# Saturation: a signal driven past the converter's range (baseline wander,
# electrode motion, a large QRS) sits at the limit for the whole excursion.
# A natural extreme is one sample, or a few where a quantised wave top is
# flat: the longest natural interior runs at a lead's extreme in the shared
# records are 2 samples at 360 Hz (MIT-BIH), 10 at 500 Hz (PTB-XL, 20 ms)
# and 6 at 100 Hz (PTB-XL, 60 ms), while the clipping at MIT-BIH's +-5.12 mV
# limits in records 103 and 223 lasts 15-169 samples (42-469 ms). A run
# counts from 40 ms and at least 10 samples. cardiojax choice, on that data.
SATURATION_MIN_S = 0.04
SATURATION_MIN_SAMPLES = 10
# Amplitude: QRS voltages of a few mV are already hypertrophy (Sokolow-Lyon
# SV1 + RV5 > 3.5 mV) and MIT-BIH's converter spans +-5.12 mV; 10 mV
# peak-to-peak within 1 s is an artefact (electrode motion, a pacing or
# defibrillation pulse) or a wrong unit. cardiojax choice: the largest 1-s
# peak-to-peak of the shared records is 7.7 mV for physiology (PTB-XL 00180
# V2, complete LBBB) and 9.96 mV for an artefact (PTB-XL 00292 V1, a NORM
# record whose other leads stay near 1 mV: just below the limit).
AMPLITUDE_MAX_MV = 10.0
# Units: a lead whose median 1-s peak-to-peak exceeds 20 mV (twice the
# artefact limit, over most of the record) is not in mV. cardiojax choice:
# ECG leads have medians of about 0.3-3 mV, the same in µV 300-3000; 20 mV
# sits far from both (a low-voltage µV lead of 0.05 mV still reads 50).
UNITS_MAX_MV = 20.0
# Polarity (Batchvarov, Malik & Camm, Europace 2007;9:1081: "negative P-QRS
# in lead I or II, positive in lead aVR" marks interchanged limb cables).
# The QRS index of a beat is (R - S) / (R + S), R and S the largest
# deflections above and below the beat's baseline (the median over
# +-POLARITY_BASELINE_S) within +-POLARITY_QRS_S of the detected QRS; the
# median over beats is the lead's. A dominant deflection is one at least 3
# times the opposite one: index <= -0.5 (negative) or >= +0.5 (positive).
# cardiojax choices. Electrodes stay put during a recording, so the first
# POLARITY_SPAN_S seconds decide (which keeps Holters cheap). A superior QRS
# axis (left anterior fascicular block, ventricular pacing) also gives a
# negative II with a positive aVR: 4 of the 400 shared PTB-XL records
# (00143, 00144, 00190 paced, 00182 LAFB) are reported for lead II, none for
# lead I; the finding is a report, never an action.
POLARITY_NEGATIVE = -0.5
POLARITY_AVR_POSITIVE = 0.5
POLARITY_QRS_S = 0.08       # half-width of the QRS window (QRS <= 120 ms)
POLARITY_BASELINE_S = 0.3   # half-width of the baseline (median) window
POLARITY_SPAN_S = 60.0
POLARITY_MIN_BEATS = 3

_POLARITY_CAUSE = {
    "I": "LA/RA electrodes swapped or leads inverted (or dextrocardia)?",
    "II": ("RA/LL electrodes swapped or leads inverted (or a superior axis: "
           "LAFB, ventricular pacing)?"),
}
_ACTION_TEXT = {
    "reported": "reported (no sample changed)",
    "repaired": "repaired by linear interpolation",
    "dropped": "dropped (zeroed and marked unusable)",
    "refused": "refused",
}


class SignalCheckError(ValueError):
  """A record the signal policy refuses; the message names the record, lead,
  samples and the setting that would accept it."""


@dataclasses.dataclass(frozen=True)
class Finding:
  """One defect of one lead.

  kind: one of `KINDS`; lead: the lead's name; start, stop: samples (stop
  exclusive); start_s, stop_s: the same in seconds; detail: short text;
  action: one of `ACTIONS`.
  """
  kind: str
  lead: str
  start: int
  stop: int
  start_s: float
  stop_s: float
  detail: str
  action: str = "reported"

  def describe(self, source: str = "signal") -> str:
    """One line: source, lead, samples (inclusive) and seconds, what and what
    was done, e.g. "rec.mat: lead V2 samples 1000-1499 (2.000-3.000 s): 500
    non-finite samples (NaN), repaired by linear interpolation"."""
    return (f"{source}: lead {self.lead} samples {self.start}-{self.stop - 1} "
            f"({self.start_s:.3f}-{self.stop_s:.3f} s): {self.detail}, "
            f"{_ACTION_TEXT[self.action]}")


@dataclasses.dataclass(frozen=True)
class CheckedSignal:
  """The output of `apply_policy`.

  signal: (T, C) float32 mV without any non-finite value (repaired samples
    interpolated, dropped ones 0.0).
  usable: (T,) bool, False at samples where any lead was dropped: windows or
    beats overlapping them must not reach the model.
  findings: every finding of `check`, with its action.
  """
  signal: np.ndarray
  usable: np.ndarray
  findings: tuple[Finding, ...]


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """Start and stop (exclusive) samples of the True runs of a (T,) mask;
  (n,) int64 each, increasing."""
  at = np.flatnonzero(mask)  # the True samples; the runs break where
  breaks = np.flatnonzero(np.diff(at) != 1)  # consecutive ones are not
  starts = at[np.concatenate(([0], breaks + 1))] if at.size else at
  stops = at[np.concatenate((breaks, [at.size - 1]))] + 1 if at.size else at
  return starts.astype(np.int64), stops.astype(np.int64)


def _finding(kind, lead, start, stop, fs, detail) -> Finding:
  return Finding(kind, str(lead), int(start), int(stop), float(start / fs),
                 float(stop / fs), detail)


def _validate(signal, fs, lead_names) -> np.ndarray:
  x = checks.as_signal(signal, "signal")
  checks.check_positive(fs, "fs")
  if len(lead_names) != x.shape[1]:
    raise ValueError(f"lead_names: {len(lead_names)} names {list(lead_names)} "
                     f"for a signal of shape {x.shape}; expected one per "
                     "column")
  if x.shape[0] == 0:
    raise ValueError("signal: no samples (shape (0, leads))")
  return x


def _non_finite(lead, name, finite, fs) -> list[Finding]:
  starts, stops = runs(~finite)
  values = lead[~finite]  # the runs' samples, run after run
  offsets = np.concatenate(([0], np.cumsum(stops - starts)[:-1]))
  present = {k: np.logical_or.reduceat(m, offsets) for k, m in (
      ("NaN", np.isnan(values)), ("+inf", values == np.inf),
      ("-inf", values == -np.inf))}
  found = []
  for i, (a, b) in enumerate(zip(starts, stops)):
    kinds = ", ".join(k for k, m in present.items() if m[i])
    whole = " (the whole lead)" if a == 0 and b == lead.size else ""
    found.append(_finding("non_finite", name, a, b, fs,
                          f"{b - a} non-finite samples ({kinds}){whole}"))
  return found


def _running_ptp(lead, width) -> np.ndarray:
  """(T - width + 1,) peak-to-peak of lead[i:i + width] for every i."""
  shift = width // 2  # the centred filter's window at c starts at c - shift
  stop = lead.size - width + 1 + shift
  high = scipy.ndimage.maximum_filter1d(lead, width)[shift:stop]
  low = scipy.ndimage.minimum_filter1d(lead, width)[shift:stop]
  return high - low


def _block_extremes(lead, size) -> tuple[np.ndarray, np.ndarray]:
  """Max and min of the blocks lead[k * size:(k + 1) * size] (the last one
  may be shorter): (ceil(T / size),) each."""
  full = lead.size // size * size
  blocks = lead[:full].reshape(-1, size)
  high, low = blocks.max(axis=1), blocks.min(axis=1)
  if full < lead.size:
    high = np.append(high, lead[full:].max())
    low = np.append(low, lead[full:].min())
  return high, low


def _sliding(values, span, reduce) -> np.ndarray:
  """reduce(values[k:k + span]) for every k (shorter at the end)."""
  padded = np.concatenate((values, np.repeat(values[-1:], span - 1)))
  return reduce(np.lib.stride_tricks.sliding_window_view(padded, span),
                axis=1)


def _exact_window_runs(filled, finite, width, size, candidates, test):
  """Runs of window starts i, among the candidate blocks of starts, whose
  window [i, i + width) holds finite samples only and passes `test` on its
  peak-to-peak: (starts, stops) of the starts, sorted."""
  last = filled.size - width + 1  # window starts are 0..last - 1
  out_a, out_b = [], []
  for ka, kb in zip(*runs(candidates)):
    s0, s1 = ka * size, min(kb * size, last)
    if s0 >= s1:
      continue
    ptp = _running_ptp(filled[s0:s1 + width - 1], width)
    flags = test(ptp)
    if not finite[s0:s1 + width - 1].all():
      bad = np.concatenate(([0], np.cumsum(~finite[s0:s1 + width - 1])))
      flags &= bad[width:] - bad[:-width] == 0
    a, b = runs(flags)
    out_a.append(a + s0)
    out_b.append(b + s0)
  if not out_a:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)
  return np.concatenate(out_a), np.concatenate(out_b)


def _covered(starts, stops, width) -> tuple[np.ndarray, np.ndarray]:
  """Samples covered by the windows [i, i + width) of the window starts in
  runs (starts, stops): merged (starts, stops) of samples."""
  stops = stops - 1 + width
  if starts.size == 0:
    return starts, stops
  new = np.concatenate(([True], starts[1:] > stops[:-1]))
  last = np.concatenate((np.flatnonzero(new)[1:] - 1, [starts.size - 1]))
  return starts[new], stops[last]


def _window_findings(filled, name, finite, fs) -> list[Finding]:
  """'flat' and 'amplitude' findings of one lead (non-finite samples of
  `filled` replaced by a finite value of the lead).

  The peak-to-peak of every window of `WINDOW_S` is exact, but computed only
  near blocks of half a window that could hold such a window (a window holds
  a whole block and lies within `span` blocks), so clean records cost a few
  block maxima and minima.
  """
  width = max(1, int(round(WINDOW_S * fs)))
  if filled.size < width:
    return []
  size = max(1, width // 2)
  span = (width - 1) // size + 2  # blocks a window can overlap
  high, low = _block_extremes(filled, size)
  found = []
  flat = _sliding(high - low < FLAT_PTP_MV, span, np.any)
  for a, b in zip(*_covered(*_exact_window_runs(
      filled, finite, width, size, flat, lambda p: p < FLAT_PTP_MV), width)):
    found.append(_finding(
        "flat", name, a, b, fs, f"{(b - a) / fs:.3f} s with peak-to-peak "
        f"below {FLAT_PTP_MV} mV in every {WINDOW_S:g} s (lead off?)"))
  pairs = high[:high.size // 2 * 2].reshape(-1, 2).max(axis=1) - low[
      :low.size // 2 * 2].reshape(-1, 2).min(axis=1)
  typical = float(np.median(pairs)) if pairs.size else 0.0
  if typical > UNITS_MAX_MV:
    found.append(_finding(
        "amplitude", name, 0, filled.size, fs,
        f"median {WINDOW_S:g}-s peak-to-peak {typical:.4g} mV "
        f"(> {UNITS_MAX_MV} mV): the lead looks like µV, not mV "
        "(divide by 1000)"))
    return found
  large = (_sliding(high, span, np.max) - _sliding(low, span, np.min)
           > AMPLITUDE_MAX_MV)
  for a, b in zip(*_covered(*_exact_window_runs(
      filled, finite, width, size, large, lambda p: p > AMPLITUDE_MAX_MV),
      width)):
    part = filled[a:b][finite[a:b]]
    found.append(_finding(
        "amplitude", name, a, b, fs, f"peak-to-peak {np.ptp(part):.2f} mV "
        f"(> {AMPLITUDE_MAX_MV} mV within {WINDOW_S:g} s): artefact or not "
        "in mV"))
  return found


def _saturation(lead, name, low, high, fs) -> list[Finding]:
  """Runs stuck at the lead's smallest (`low`) or largest (`high`) finite
  value."""
  min_len = max(SATURATION_MIN_SAMPLES, int(round(SATURATION_MIN_S * fs)))
  found = []
  for level, side in ((high, "largest"), (low, "smallest")):
    starts, stops = runs(lead == level)
    long = stops - starts >= min_len
    for a, b in zip(starts[long], stops[long]):
      found.append(_finding(
          "saturation", name, a, b, fs,
          f"{b - a} samples stuck at the lead's {side} value {level:.4g} mV "
          "(clipped at the converter's limit, or a held value)"))
  return found


def _qrs_index(lead, peaks, fs) -> float:
  """Median over beats of (R - S) / (R + S) around the QRS positions."""
  half, base = int(round(POLARITY_QRS_S * fs)), int(round(
      POLARITY_BASELINE_S * fs))
  index = []
  for p in peaks:
    if p - base < 0 or p + base >= lead.size:
      continue
    baseline = np.median(lead[p - base:p + base + 1])
    window = lead[p - half:p + half + 1] - baseline
    r, s = max(window.max(), 0.0), max(-window.min(), 0.0)
    if r + s > 0:
      index.append((r - s) / (r + s))
  return float(np.median(index)) if len(index) >= POLARITY_MIN_BEATS else 0.0


def _lead_index(lead_names, name):
  """Column of lead `name` (cardiojax's one lead matcher), or None."""
  try:
    return leads.find_lead(lead_names, (name,))
  except ValueError:
    return None


def _polarity(x, fs, lead_names) -> list[Finding]:
  """'polarity' findings of leads I and II (needs aVR)."""
  where = {n: _lead_index(lead_names, n) for n in ("I", "II", "aVR")}
  if where["aVR"] is None or (where["I"] is None and where["II"] is None):
    return []
  stop = min(x.shape[0], int(round(POLARITY_SPAN_S * fs)))
  if stop < 2 * int(round(POLARITY_BASELINE_S * fs)) + 1:
    return []
  cols = {n: np.nan_to_num(x[:stop, i].astype(np.float64), nan=0.0,
                           posinf=0.0, neginf=0.0)
          for n, i in where.items() if i is not None}
  detector = cols["II"] if "II" in cols else cols["I"]
  peaks = qrs.qrs_peaks(detector, fs)
  avr = _qrs_index(cols["aVR"], peaks, fs)
  if avr < POLARITY_AVR_POSITIVE:
    return []
  found = []
  for name in ("I", "II"):
    if name not in cols:
      continue
    index = _qrs_index(cols[name], peaks, fs)
    if index <= POLARITY_NEGATIVE:
      found.append(_finding(
          "polarity", lead_names[where[name]], 0, stop, fs,
          f"QRS negative (index {index:+.2f}) while aVR's is positive "
          f"({avr:+.2f}) over {len(peaks)} beats: {_POLARITY_CAUSE[name]}"))
  return found


def check(signal, fs: float, lead_names: Sequence[str]) -> list[Finding]:
  """Finds the defects of a record; changes nothing.

  Args:
    signal: (T, C) float in mV; NaN/inf mark invalid samples.
    fs: sampling rate in Hz.
    lead_names: the name of each column.

  Returns:
    Findings (action 'reported'), lead by lead in column order, then by
    kind in `KINDS` order and time; polarity findings last.

  Raises:
    ValueError: a signal that is not 2-D, no samples, `fs` not positive, or
      a lead name count that does not match the columns.
  """
  x = _validate(signal, fs, lead_names)
  found = []
  for c, name in enumerate(lead_names):
    found += _lead_findings(np.ascontiguousarray(x[:, c]), name, fs)
  return found + _polarity(x, fs, lead_names)


def _lead_findings(lead, name, fs) -> list[Finding]:
  """The findings of one (T,) lead, by kind in `KINDS` order, then time."""
  finite = np.isfinite(lead)
  all_finite = bool(finite.all())
  found = [] if all_finite else _non_finite(lead, name, finite, fs)
  if not all_finite and not finite.any():
    return found
  values = lead if all_finite else lead[finite]
  low, high = values.min(), values.max()
  if high - low < FLAT_PTP_MV:
    return found + [_finding(
        "disconnected", name, 0, lead.size, fs,
        f"peak-to-peak {high - low:.4f} mV over the whole lead "
        f"(< {FLAT_PTP_MV} mV): lead off or not in mV")]
  # Non-finite samples take the lead's smallest value: no new extreme, and
  # windows holding them are left out of the flat and amplitude checks.
  filled = lead if all_finite else np.where(finite, lead, low)
  found += _window_findings(filled, name, finite, fs)
  found += _saturation(lead, name, low, high, fs)
  return sorted(found, key=lambda f: (KINDS.index(f.kind), f.start))


def _fix(policy: str, whole: bool, longest_s: float) -> str:
  """The settings that would accept the refused record."""
  if whole:
    return ("the lead holds no valid sample: leave it out of the record's "
            "leads (leads the model does not require are zero-filled)")
  if policy == "refuse":
    return ("set config.predict.signal_policy='repair' to interpolate gaps up "
            "to config.predict.max_repair_s, or 'drop' to drop the affected "
            "windows")
  return ("set config.predict.signal_policy='drop' to drop the affected "
          "windows, or 'repair' with config.predict.max_repair_s >= "
          f"{longest_s:.3f}")


def _repair(lead, finite):
  """Fills the non-finite samples of a lead in place by linear
  interpolation between the valid samples on either side of each gap (the
  nearest valid value for a gap at the start or end): `np.interp` on the
  gaps' neighbours only, so the cost follows the gaps, not the record."""
  starts, stops = runs(~finite)
  knots = np.unique(np.concatenate((starts - 1, stops)))
  knots = knots[(knots >= 0) & (knots < lead.size)]
  bad = np.flatnonzero(~finite)
  lead[bad] = np.interp(bad, knots, lead[knots])


def apply_policy(signal, fs: float, lead_names: Sequence[str], *,
                 policy: str = "repair", max_repair_s: float = 0.5,
                 source: str = "signal") -> CheckedSignal:
  """Checks a record and acts on its non-finite samples.

  Policies: 'repair' interpolates each gap of at most `max_repair_s`
  seconds (`np.interp` between its neighbouring valid samples; a gap at the
  start or end takes the nearest valid value) and refuses longer ones;
  'drop' zeroes the non-finite samples and marks them unusable; 'refuse'
  refuses any. A lead without any finite sample is refused under every
  policy. Other findings are reported only.

  Args:
    signal: (T, C) float in mV; NaN/inf mark invalid samples.
    fs: sampling rate in Hz.
    lead_names: the name of each column.
    policy: one of `POLICIES`.
    max_repair_s: longest gap 'repair' interpolates, in seconds.
    source: the record's name, used in findings and errors.

  Returns:
    `CheckedSignal`.

  Raises:
    SignalCheckError: a refused gap; the one-line message describes the
      first (lead, samples, seconds) and the setting that accepts it.
    ValueError: bad arguments (as `check`, or an unknown policy).
  """
  if policy not in POLICIES:
    raise ValueError(f"policy: expected one of {POLICIES}, got {policy!r}")
  if not isinstance(max_repair_s, (int, float, np.integer, np.floating)) or (
      not max_repair_s >= 0):
    raise ValueError(f"max_repair_s: expected seconds >= 0, got "
                     f"{max_repair_s!r}")
  x = _validate(signal, fs, lead_names)
  if np.may_share_memory(x, signal):
    x = x.copy()
  findings = check(x, fs, lead_names)
  max_gap = max_repair_s * fs + 1e-9
  num_samples = x.shape[0]
  acted = []
  for f in findings:
    if f.kind != "non_finite":
      acted.append(f)
      continue
    if f.stop - f.start == num_samples or policy == "refuse":
      f = dataclasses.replace(f, action="refused")
    elif policy == "repair" and f.stop - f.start > max_gap:
      f = dataclasses.replace(f, action="refused", detail=(
          f"{f.detail} (longer than max_repair_s={max_repair_s:g} s)"))
    else:
      f = dataclasses.replace(
          f, action="repaired" if policy == "repair" else "dropped")
    acted.append(f)
  refused = [f for f in acted if f.action == "refused"]
  if refused:
    more = (f" (and {len(refused) - 1} more refused)" if len(refused) > 1
            else "")
    first = refused[0]
    whole = first.stop - first.start == num_samples
    longest = max(f.stop_s - f.start_s for f in refused)
    raise SignalCheckError(f"{first.describe(source)}{more}; "
                           f"{_fix(policy, whole, longest)}")
  usable = np.ones(x.shape[0], bool)
  finite = np.isfinite(x)
  for c in np.flatnonzero(~finite.all(axis=0)):
    if policy == "repair":
      _repair(x[:, c], finite[:, c])
    else:
      x[~finite[:, c], c] = 0.0
      usable &= finite[:, c]
  return CheckedSignal(x, usable, tuple(acted))


# Training data preparation repairs as predict does by default (cardiojax's
# choice: less than one cardiac cycle at rest, so no beat is invented).
TRAINING_MAX_REPAIR_S = 0.5


def repaired_for_training(signal, fs: float, lead_names: Sequence[str],
                          source: str) -> np.ndarray:
  """The check as the corpus builders apply it to every record they prepare:
  gaps of invalid samples up to `TRAINING_MAX_REPAIR_S` are interpolated,
  longer ones refused (`SignalCheckError` naming the file, lead and samples).

  Returns:
    (T, C) float32 in mV without a non-finite value (a clean record comes back
    unchanged).
  """
  return apply_policy(signal, fs, lead_names, policy="repair",
                      max_repair_s=TRAINING_MAX_REPAIR_S, source=source).signal
