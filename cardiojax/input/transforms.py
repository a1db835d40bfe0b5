"""Transforms of one example's signal: plain numpy functions.

Every function takes one signal `x` of shape (time, leads) in mV and returns a
new float32 array; none modifies its input. Random transforms take an
`np.random.Generator` (grain's `MapDataset.random_map` passes one per element),
so a pipeline seeded once is deterministic. `Augment` chains random transforms
from a config-friendly list of (name, kwargs).
"""

from collections.abc import Iterable, Mapping, Sequence
import dataclasses
import fractions
from typing import Any

import grain
import numpy as np
from scipy import signal as sp_signal


def _as_signal(x, name: str = "x") -> np.ndarray:
  """Returns `x` as a float32 (time, leads) array or raises naming `name`."""
  x = np.asarray(x, dtype=np.float32)
  if x.ndim != 2:
    raise ValueError(f"{name}: expected a (time, leads) array, got shape {x.shape}")
  return x


def _check_positive(value, name: str):
  if not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
    raise ValueError(f"{name}: expected a positive number, got {value!r}")


def _check_int(value, name: str, minimum: int):
  if not isinstance(value, (int, np.integer)) or value < minimum:
    raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")


# Resampling, cropping, windows, lead selection.


def resample(x, from_hz: float, to_hz: float, *,
             max_denominator: int = 1000) -> np.ndarray:
  """Resamples with a polyphase anti-aliasing filter (`scipy.signal.resample_poly`).

  The rate ratio `to_hz / from_hz` is approximated by the fraction up/down
  with down <= `max_denominator` (exact for integer rates such as 360 -> 125
  Hz = 25/72); the ends are padded with the line through them, which keeps
  baseline offsets free of edge artefacts.

  Args:
    x: (time, leads) signal in mV sampled at `from_hz`.
    from_hz: input sampling rate in Hz.
    to_hz: output sampling rate in Hz.
    max_denominator: largest `down` factor of the rational approximation.

  Returns:
    (ceil(time * up / down), leads) float32 signal in mV sampled at
    `from_hz * up / down` Hz (= `to_hz` when the ratio is exact).
  """
  x = _as_signal(x)
  _check_positive(from_hz, "from_hz")
  _check_positive(to_hz, "to_hz")
  _check_int(max_denominator, "max_denominator", 1)
  ratio = fractions.Fraction(to_hz / from_hz).limit_denominator(max_denominator)
  if ratio == 0:
    raise ValueError(f"to_hz: expected at least from_hz / max_denominator = "
                     f"{from_hz / max_denominator} Hz, got {to_hz}")
  if ratio == 1:
    return x.copy()
  y = sp_signal.resample_poly(x, ratio.numerator, ratio.denominator, axis=0,
                              padtype="line")
  return y.astype(np.float32)


def crop_or_pad(x, length: int, *, align: str = "center",
                pad_value: float = 0.0) -> np.ndarray:
  """Crops or pads the time axis to `length` samples.

  Args:
    x: (time, leads) signal in mV.
    length: output length in samples.
    align: 'center' keeps the middle (crop) or centres the signal between
      pads, the extra sample going to the end; 'start' keeps the first
      `length` samples (crop) or pads at the end.
    pad_value: value of padded samples in mV.

  Returns:
    (length, leads) float32 signal in mV.
  """
  x = _as_signal(x)
  _check_int(length, "length", 1)
  if align not in ("center", "start"):
    raise ValueError(f"align: expected 'center' or 'start', got {align!r}")
  excess = x.shape[0] - length
  if excess >= 0:
    start = excess // 2 if align == "center" else 0
    return x[start:start + length].copy()
  before = -excess // 2 if align == "center" else 0
  return np.pad(x, ((before, -excess - before), (0, 0)),
                constant_values=np.float32(pad_value))


def random_crop(x, length: int, rng: np.random.Generator) -> np.ndarray:
  """Crops `length` samples at a uniformly random start.

  Args:
    x: (time, leads) signal in mV; a signal shorter than `length` is padded
      with zeros at the end instead (as `crop_or_pad(..., align='start')`).
    length: output length in samples.
    rng: source of the start sample.

  Returns:
    (length, leads) float32 signal in mV.
  """
  x = _as_signal(x)
  _check_int(length, "length", 1)
  if x.shape[0] <= length:
    return crop_or_pad(x, length, align="start")
  start = int(rng.integers(0, x.shape[0] - length + 1))
  return x[start:start + length].copy()


def window_starts(num_samples: int, length: int, stride: int) -> np.ndarray:
  """Start samples of the windows made by `sliding_windows`.

  Windows start every `stride` samples; when they do not reach the end, one
  more window ends at the last sample, so the windows cover the signal.

  Args:
    num_samples: signal length in samples.
    length: window length in samples.
    stride: step between window starts in samples.

  Returns:
    (n,) int64 start samples, increasing.
  """
  _check_int(num_samples, "num_samples", 1)
  _check_int(length, "length", 1)
  _check_int(stride, "stride", 1)
  if num_samples <= length:
    return np.zeros((1,), np.int64)
  starts = np.arange(0, num_samples - length + 1, stride, dtype=np.int64)
  if starts[-1] + length < num_samples:
    starts = np.append(starts, num_samples - length)
  return starts


def sliding_windows(x, length: int, stride: int) -> np.ndarray:
  """Cuts a signal into overlapping windows that cover it (see `window_starts`).

  Args:
    x: (time, leads) signal in mV; a signal shorter than `length` gives one
      window padded with zeros at the end.
    length: window length in samples.
    stride: step between window starts in samples.

  Returns:
    (n, length, leads) float32 windows in mV.
  """
  x = _as_signal(x)
  starts = window_starts(x.shape[0], length, stride)
  if x.shape[0] < length:
    return crop_or_pad(x, length, align="start")[None]
  return np.stack([x[s:s + length] for s in starts])


def aggregate_window_predictions(preds, how: str = "mean") -> np.ndarray:
  """Aggregates the predictions of one record's windows.

  Args:
    preds: (n, ...) predictions (probabilities or values) of the `n` windows.
    how: 'mean' (probabilities, regression values) or 'max' (a finding
      present in any window, as for multi-label rhythm classes).

  Returns:
    (...) aggregated predictions.
  """
  preds = np.asarray(preds)
  if preds.ndim < 1 or preds.shape[0] == 0:
    raise ValueError(f"preds: expected (n >= 1, ...) window predictions, "
                     f"got shape {preds.shape}")
  if how == "mean":
    return preds.mean(axis=0)
  if how == "max":
    return preds.max(axis=0)
  raise ValueError(f"how: expected 'mean' or 'max', got {how!r}")


def select_leads(x, indices: Sequence[int]) -> np.ndarray:
  """Keeps the leads at `indices`, in that order.

  Args:
    x: (time, leads) signal in mV.
    indices: lead indices (for names use
      `cardiojax.signal.leads.lead_indices(names)` on 12-lead data).

  Returns:
    (time, len(indices)) float32 signal in mV.
  """
  x = _as_signal(x)
  indices = np.asarray(indices)
  if (indices.ndim != 1 or indices.size == 0
      or not np.issubdtype(indices.dtype, np.integer)
      or indices.min() < 0 or indices.max() >= x.shape[1]):
    raise ValueError(f"indices: expected a non-empty list of lead indices in "
                     f"[0, {x.shape[1]}), got {indices.tolist()}")
  return x[:, indices]


# Normalisation.


@dataclasses.dataclass(frozen=True)
class Normalizer:
  """Per-lead normalisation with statistics of the training split only.

  `apply(x) = (x - offset) / scale`: for mode 'standard' offset and scale are
  each lead's mean and standard deviation in mV, for 'minmax' its minimum and
  range (max - min), mapping the training signals to [0, 1]. A lead whose
  scale is below `eps` mV (constant on the training split) gets scale 1.

  Attributes:
    mode: 'standard' or 'minmax'.
    offset: (leads,) float32, mV.
    scale: (leads,) float32, mV.
  """
  mode: str
  offset: np.ndarray
  scale: np.ndarray

  def __post_init__(self):
    if self.mode not in ("standard", "minmax"):
      raise ValueError(f"mode: expected 'standard' or 'minmax', got {self.mode!r}")
    offset = np.asarray(self.offset, np.float32)
    scale = np.asarray(self.scale, np.float32)
    if offset.ndim != 1 or offset.shape != scale.shape:
      raise ValueError(f"offset, scale: expected two (leads,) arrays, got shapes "
                       f"{offset.shape} and {scale.shape}")
    if not np.all(scale > 0):
      raise ValueError(f"scale: expected positive values, got {scale.tolist()}")
    object.__setattr__(self, "offset", offset)
    object.__setattr__(self, "scale", scale)

  @classmethod
  def fit(cls, signals: Iterable[np.ndarray], mode: str = "standard",
          eps: float = 1e-6) -> "Normalizer":
    """Computes per-lead statistics in one pass over training signals.

    Args:
      signals: (time_i, leads) training signals in mV, of any lengths; a
        (n, time, leads) array also works (iterated along its first axis).
      mode: 'standard' or 'minmax'.
      eps: smallest scale in mV; a lead below it gets scale 1.

    Returns:
      The fitted Normalizer.
    """
    if mode not in ("standard", "minmax"):
      raise ValueError(f"mode: expected 'standard' or 'minmax', got {mode!r}")
    count, mean, m2 = 0, None, None
    low, high = None, None
    for i, x in enumerate(signals):
      x = np.asarray(x, np.float64)
      if x.ndim != 2 or (mean is not None and x.shape[1] != mean.shape[0]):
        expected = "(time, leads)" if mean is None else f"(time, {mean.shape[0]})"
        raise ValueError(f"signals: expected {expected} arrays, got shape "
                         f"{x.shape} at position {i}")
      # Chan et al.'s pairwise update of the mean and sum of squared deviations.
      n = x.shape[0]
      x_mean = x.mean(axis=0)
      x_m2 = ((x - x_mean) ** 2).sum(axis=0)
      if mean is None:
        count, mean, m2 = n, x_mean, x_m2
        low, high = x.min(axis=0), x.max(axis=0)
        continue
      delta = x_mean - mean
      total = count + n
      mean = mean + delta * n / total
      m2 = m2 + x_m2 + delta ** 2 * count * n / total
      count = total
      low, high = np.minimum(low, x.min(axis=0)), np.maximum(high, x.max(axis=0))
    if mean is None or count == 0:
      raise ValueError("signals: expected at least one non-empty training signal")
    if mode == "standard":
      offset, scale = mean, np.sqrt(m2 / count)
    else:
      offset, scale = low, high - low
    scale = np.where(scale < eps, 1.0, scale)
    return cls(mode=mode, offset=offset, scale=scale)

  def apply(self, x) -> np.ndarray:
    """Normalises a (time, leads) signal in mV; returns float32 (time, leads)."""
    x = _as_signal(x)
    if x.shape[1] != self.offset.shape[0]:
      raise ValueError(f"x: expected {self.offset.shape[0]} leads, got shape {x.shape}")
    return (x - self.offset) / self.scale

  def to_dict(self) -> dict[str, Any]:
    """JSON-serialisable statistics (for the run directory)."""
    return {"mode": self.mode, "offset": self.offset.tolist(),
            "scale": self.scale.tolist()}

  @classmethod
  def from_dict(cls, d: Mapping[str, Any]) -> "Normalizer":
    """Inverse of `to_dict`."""
    return cls(mode=d["mode"], offset=np.asarray(d["offset"]),
               scale=np.asarray(d["scale"]))


# Augmentations: (x, rng, **kwargs) -> new signal.


def scale_amplitude(x, rng: np.random.Generator, *, low: float = 0.8,
                    high: float = 1.2, per_lead: bool = False) -> np.ndarray:
  """Multiplies the signal by a factor drawn uniformly from [low, high].

  Args:
    x: (time, leads) signal in mV.
    rng: source of the factor.
    low: smallest factor (dimensionless).
    high: largest factor (dimensionless).
    per_lead: draw one factor per lead instead of one for all.

  Returns:
    (time, leads) float32 signal in mV.
  """
  x = _as_signal(x)
  if not 0 <= low <= high:
    raise ValueError(f"low, high: expected 0 <= low <= high, got {low}, {high}")
  factor = rng.uniform(low, high, size=(1, x.shape[1]) if per_lead else ())
  return (x * factor).astype(np.float32)


def time_shift(x, rng: np.random.Generator, *, max_shift: int,
               wrap: bool = False) -> np.ndarray:
  """Delays the signal by a whole number of samples drawn from [-max, max].

  Args:
    x: (time, leads) signal in mV.
    rng: source of the shift.
    max_shift: largest shift in samples (a negative shift advances).
    wrap: roll the samples shifted out back in at the other end; otherwise
      fill the gap with zeros.

  Returns:
    (time, leads) float32 signal in mV: out[t] = x[t - shift].
  """
  x = _as_signal(x)
  _check_int(max_shift, "max_shift", 0)
  shift = int(rng.integers(-max_shift, max_shift + 1))
  if wrap:
    return np.roll(x, shift, axis=0)
  out = np.zeros_like(x)
  if abs(shift) >= x.shape[0]:
    return out
  if shift >= 0:
    out[shift:] = x[:x.shape[0] - shift]
  else:
    out[:shift] = x[-shift:]
  return out


def gaussian_noise(x, rng: np.random.Generator, *, std: float | None = None,
                   snr_db: float | None = None) -> np.ndarray:
  """Adds white Gaussian noise of a fixed level or signal-to-noise ratio.

  Args:
    x: (time, leads) signal in mV.
    rng: source of the noise.
    std: noise standard deviation in mV (give this or `snr_db`).
    snr_db: signal-to-noise ratio in dB per lead, with the signal power taken
      as the lead's mean square (mV^2); noise std = rms / 10**(snr_db / 20).

  Returns:
    (time, leads) float32 signal in mV.
  """
  x = _as_signal(x)
  if (std is None) == (snr_db is None):
    raise ValueError(f"std, snr_db: expected exactly one, got std={std}, snr_db={snr_db}")
  if std is not None:
    if std < 0:
      raise ValueError(f"std: expected a standard deviation >= 0 mV, got {std}")
    level = np.float32(std)
  else:
    rms = np.sqrt(np.mean(np.square(x, dtype=np.float64), axis=0))
    level = (rms / 10 ** (snr_db / 20)).astype(np.float32)
  return x + level * rng.standard_normal(x.shape, dtype=np.float32)


def baseline_wander(x, rng: np.random.Generator, *, fs: float,
                    max_amplitude: float = 0.1, min_hz: float = 0.05,
                    max_hz: float = 0.5, num_components: int = 2) -> np.ndarray:
  """Adds low-frequency sinusoids, as respiration and electrode motion do.

  Each of `num_components` sinusoids has a frequency drawn uniformly from
  [min_hz, max_hz] and a phase from [0, 2 pi), shared by the leads, and an
  amplitude drawn per lead from [0, max_amplitude]. The added wander is thus
  at most `num_components * max_amplitude` mV and changes by at most
  `2 pi max_hz` times that per second.

  Args:
    x: (time, leads) signal in mV.
    rng: source of frequencies, phases and amplitudes.
    fs: sampling rate in Hz.
    max_amplitude: largest amplitude of one sinusoid in mV.
    min_hz: lowest frequency in Hz.
    max_hz: highest frequency in Hz.
    num_components: number of sinusoids.

  Returns:
    (time, leads) float32 signal in mV.
  """
  x = _as_signal(x)
  _check_positive(fs, "fs")
  _check_int(num_components, "num_components", 1)
  if max_amplitude < 0:
    raise ValueError(f"max_amplitude: expected an amplitude >= 0 mV, got {max_amplitude}")
  if not 0 <= min_hz <= max_hz <= fs / 2:
    raise ValueError(f"min_hz, max_hz: expected 0 <= min_hz <= max_hz <= fs / 2 = "
                     f"{fs / 2} Hz, got {min_hz}, {max_hz}")
  freqs = rng.uniform(min_hz, max_hz, size=num_components)
  phases = rng.uniform(0, 2 * np.pi, size=num_components)
  amplitudes = rng.uniform(0, max_amplitude, size=(num_components, x.shape[1]))
  t = np.arange(x.shape[0], dtype=np.float32)[:, None] / np.float32(fs)
  waves = np.sin(np.float32(2 * np.pi) * freqs.astype(np.float32) * t
                + phases.astype(np.float32))  # (time, components)
  return x + waves @ amplitudes.astype(np.float32)


AUGMENTATIONS = {
    "scale_amplitude": scale_amplitude,
    "time_shift": time_shift,
    "gaussian_noise": gaussian_noise,
    "baseline_wander": baseline_wander,
}


class Augment(grain.transforms.RandomMap):
  """A chain of augmentations from a config list, as a grain random map.

  `Augment([('scale_amplitude', {'low': 0.9, 'high': 1.1}),
  ('baseline_wander', {'fs': 500, 'p': 0.5})])` applies the named functions
  of `AUGMENTATIONS` in order to `example[key]`; the optional `p` in kwargs
  is the probability of applying that step (default 1). Use it as
  `ds.random_map(Augment(...))` on a grain MapDataset (which passes a
  per-element seeded generator) or call it as `augment(example, rng)`.
  Examples are dicts (other keys are kept); a bare array is also accepted.
  Picklable, so it also runs in grain worker processes.
  """

  def __init__(self, steps: Sequence[tuple[str, Mapping[str, Any]]],
               key: str = "inputs"):
    self.steps = []
    for i, step in enumerate(steps):
      if len(step) != 2 or step[0] not in AUGMENTATIONS:
        raise ValueError(f"steps[{i}]: expected (name, kwargs) with name one of "
                         f"{sorted(AUGMENTATIONS)}, got {step!r}")
      name, kwargs = step[0], dict(step[1])
      p = kwargs.pop("p", 1.0)
      if not 0 <= p <= 1:
        raise ValueError(f"steps[{i}]: expected a probability p in [0, 1], got {p}")
      self.steps.append((name, kwargs, p))
    self.key = key

  def random_map(self, element, rng: np.random.Generator):
    """Returns `element` with its signal augmented."""
    is_dict = isinstance(element, Mapping)
    x = element[self.key] if is_dict else element
    for name, kwargs, p in self.steps:
      if p == 1 or rng.random() < p:
        x = AUGMENTATIONS[name](x, rng, **kwargs)
    return {**element, self.key: x} if is_dict else x

  __call__ = random_map
