"""Transforms of one example's signal: plain numpy functions.

Every function takes one signal `x` of shape (time, leads) in mV and returns a
new float32 array; none modifies its input. Random transforms take an
`np.random.Generator` (grain's `MapDataset.random_map` passes one per element),
so a pipeline seeded once is deterministic. `Augment` chains random transforms
from a config-friendly list of (name, kwargs).
"""

from collections.abc import Iterable, Mapping, Sequence
import dataclasses
from typing import Any

import grain
import numpy as np

from cardiojax.signal import checks
from cardiojax.signal import windows


def random_crop(x, length: int, rng: np.random.Generator) -> np.ndarray:
  """Crops `length` samples at a uniformly random start.

  Args:
    x: (time, leads) signal in mV; a signal shorter than `length` is padded
      with zeros at the end instead (as `windows.crop_or_pad(..., align='start')`).
    length: output length in samples.
    rng: source of the start sample.

  Returns:
    (length, leads) float32 signal in mV.
  """
  x = checks.as_signal(x)
  checks.check_int(length, "length", 1)
  if x.shape[0] <= length:
    return windows.crop_or_pad(x, length, align="start")
  start = int(rng.integers(0, x.shape[0] - length + 1))
  return x[start:start + length].copy()


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
    x = checks.as_signal(x)
    if x.shape[1] != self.offset.shape[0]:
      raise ValueError(f"x: expected {self.offset.shape[0]} leads, got shape {x.shape}")
    return (x - self.offset) / self.scale

  def invert(self, x) -> np.ndarray:
    """Normalised (..., leads) inputs back in mV: x * scale + offset, in the
    float type of `x` (a (T,) input of a one-lead normaliser also works)."""
    x = np.asarray(x)
    dtype = np.result_type(x.dtype, np.float32)
    return (x * self.scale.astype(dtype) + self.offset.astype(dtype)).astype(
        dtype)

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
  x = checks.as_signal(x)
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
  x = checks.as_signal(x)
  checks.check_int(max_shift, "max_shift", 0)
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
  x = checks.as_signal(x)
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
  x = checks.as_signal(x)
  checks.check_positive(fs, "fs")
  checks.check_int(num_components, "num_components", 1)
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


class RandomCrop:
  """Training transform: one random window of `length` samples of `keys`.

  The same window is cut from every key (inputs and sequence targets stay
  aligned); a record shorter than `length` is padded with zeros at the end.
  """

  def __init__(self, length: int, keys: Sequence[str] = ("inputs",)):
    self.length = length
    self.keys = tuple(keys)

  def __call__(self, example: dict, rng: np.random.Generator) -> dict:
    num_samples = example[self.keys[0]].shape[0]
    start = int(rng.integers(0, max(num_samples - self.length, 0) + 1))
    out = dict(example)
    for key in self.keys:
      window = example[key][start:start + self.length]
      out[key] = windows.crop_or_pad(window, self.length, align="start")
    return out
