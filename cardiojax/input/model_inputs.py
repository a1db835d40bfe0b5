"""A whole record as model inputs (windows or beats), and what was done to it.

Corpora's `prepare_record` return a `ModelInputs`: the inputs are cut on
demand (`take`), so a 24 h Holter record never holds all of its windows in
memory at once, and every input knows the span of the record it covers, in
the record's own samples. `report` says what was done to the record:
resampling, lead order, padding, windows or beats dropped and why.
"""

import dataclasses
from typing import Callable

import numpy as np

from cardiojax.signal import windows


@dataclasses.dataclass
class ModelInputs:
  """The model inputs of one record.

  Attributes:
    signal: (T', C) the record at the model's rate, ready to be cut (already
      normalised when `featurize` is the identity).
    offsets: (n,) int64 first sample of each input in `signal`.
    length: samples of one input in `signal`.
    featurize: (k, length, C) cut inputs -> (k, ...) model inputs.
    starts, stops: (n,) int64 span of each input in the record's own samples
      (stop exclusive).
    kind: 'window' or 'beat'.
    beat_samples: (n,) int64 sample of each beat in the record (beats only).
    report: what was done (JSON-ready).
  """
  signal: np.ndarray
  offsets: np.ndarray
  length: int
  featurize: Callable[[np.ndarray], np.ndarray]
  starts: np.ndarray
  stops: np.ndarray
  kind: str
  report: dict
  beat_samples: np.ndarray | None = None

  def __len__(self) -> int:
    return len(self.offsets)

  def take(self, indices) -> np.ndarray:
    """(k, T, C) float32 model inputs of the inputs `indices`."""
    indices = np.asarray(indices, np.int64)
    cut = self.signal[self.offsets[indices, None] + np.arange(self.length)]
    return np.asarray(self.featurize(cut), np.float32)

  @property
  def inputs(self) -> np.ndarray:
    """(n, T, C) every model input at once (small records and tests)."""
    return self.take(np.arange(len(self)))


def identity(x: np.ndarray) -> np.ndarray:
  return x


def to_record_samples(samples, model_hz: float, record_hz: float,
                      num_samples: int) -> np.ndarray:
  """Sample positions at the model's rate -> the record's own samples."""
  positions = np.floor(np.asarray(samples, np.float64) * record_hz / model_hz)
  return np.clip(positions.astype(np.int64), 0, num_samples)


def covered_samples(starts, stops, num_samples: int) -> np.ndarray:
  """(num_samples,) bool: samples inside at least one [start, stop) span."""
  depth = np.zeros(num_samples + 1, np.int64)
  np.add.at(depth, np.asarray(starts, np.int64), 1)
  np.add.at(depth, np.asarray(stops, np.int64), -1)
  return np.cumsum(depth)[:num_samples] > 0


def usable_at(usable: np.ndarray | None, num_model_samples: int,
              model_hz: float, record_hz: float) -> np.ndarray:
  """(T',) the record's usable-sample mask (T,) at the model's rate."""
  if usable is None:
    return np.ones(num_model_samples, bool)
  index = to_record_samples(np.arange(num_model_samples), model_hz, record_hz,
                            len(usable) - 1)
  return np.asarray(usable, bool)[index]


def sliding(signal: np.ndarray, *, window: int, stride: int, min_samples: int,
            align: str, usable: np.ndarray, record_hz: float,
            model_hz: float, num_record_samples: int, report: dict,
            featurize=identity) -> ModelInputs:
  """Windows of `window` samples every `stride` that cover a record.

  A record shorter than the window is padded with zeros (in the units of
  `signal`) to one window, aligned as `align`, when it has at least
  `min_samples` samples, and refused otherwise. The last window ends at the
  last sample, so every sample is covered. Windows overlapping a sample that
  the signal check did not make usable are dropped and listed.

  Raises:
    ValueError: too short a record, or no usable window.
  """
  length = len(signal)
  padded = 0
  if length < window:
    if length < min_samples:
      raise ValueError(
          f"signal: {length} samples at {model_hz:g} Hz ({length / model_hz:.2f}"
          f" s); the model needs at least {min_samples} "
          f"({min_samples / model_hz:.2f} s): shorter records are refused")
    padded = window - length
    signal = windows.crop_or_pad(signal, window, align=align)
    usable = windows.crop_or_pad(usable[:, None].astype(np.float32), window,
                                 align=align, pad_value=1.0)[:, 0] > 0
  offsets = windows.window_starts(len(signal), window, stride)
  bad = np.concatenate([[0], np.cumsum(~usable)])
  ok = bad[offsets + window] == bad[offsets]
  before = (window - length) // 2 if padded and align == "center" else 0
  starts = to_record_samples(np.maximum(offsets - before, 0), model_hz,
                             record_hz, num_record_samples)
  stops = to_record_samples(np.minimum(offsets - before + window, length),
                            model_hz, record_hz, num_record_samples)
  stops[-1] = num_record_samples if ok[-1] else stops[-1]
  if not ok.any():
    raise ValueError("signal: every window overlaps samples the signal check "
                     "could not repair; nothing is left to predict")
  covered = covered_samples(starts[ok], stops[ok], num_record_samples)
  report.update({
      "window_samples": window, "stride_samples": stride,
      "samples_padded": int(round(padded * record_hz / model_hz)),
      "windows": int(ok.sum()),
      "windows_dropped": [[int(a), int(b)] for a, b in
                          zip(starts[~ok], stops[~ok])],
      "samples_used": int(covered.sum()),
      "samples_dropped": int(num_record_samples - covered.sum()),
  })
  return ModelInputs(signal, offsets[ok], window, featurize, starts[ok],
                     stops[ok], "window", report)
