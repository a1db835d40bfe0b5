"""Fixed-length windows of a signal: crop or pad, sliding windows, aggregation."""

import numpy as np

from cardiojax.signal import checks


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
  x = checks.as_signal(x)
  checks.check_int(length, "length", 1)
  if align not in ("center", "start"):
    raise ValueError(f"align: expected 'center' or 'start', got {align!r}")
  excess = x.shape[0] - length
  if excess >= 0:
    start = excess // 2 if align == "center" else 0
    return x[start:start + length].copy()
  before = -excess // 2 if align == "center" else 0
  return np.pad(x, ((before, -excess - before), (0, 0)),
                constant_values=np.float32(pad_value))


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
  checks.check_int(num_samples, "num_samples", 1)
  checks.check_int(length, "length", 1)
  checks.check_int(stride, "stride", 1)
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
  x = checks.as_signal(x)
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
