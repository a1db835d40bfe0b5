"""Tests of cardiojax.signal.windows: exact, numpy only."""

import numpy as np
import pytest

from cardiojax.signal import windows


def _ramp(time, leads):
  return np.arange(time * leads, dtype=np.float32).reshape(time, leads)


def test_crop_or_pad_center_and_start():
  x = _ramp(10, 2)
  np.testing.assert_array_equal(windows.crop_or_pad(x, 4), x[3:7])
  np.testing.assert_array_equal(windows.crop_or_pad(x, 4, align="start"), x[:4])
  padded = windows.crop_or_pad(x, 15)
  assert padded.shape == (15, 2)
  np.testing.assert_array_equal(padded[2:12], x)
  assert not padded[:2].any() and not padded[12:].any()
  padded = windows.crop_or_pad(x, 13, align="start", pad_value=-1.0)
  np.testing.assert_array_equal(padded[:10], x)
  np.testing.assert_array_equal(padded[10:], -1.0)
  np.testing.assert_array_equal(windows.crop_or_pad(x, 10), x)
  with pytest.raises(ValueError, match="align"):
    windows.crop_or_pad(x, 4, align="end")
  with pytest.raises(ValueError, match="length"):
    windows.crop_or_pad(x, 0)


def test_sliding_windows_cover_the_signal():
  x = _ramp(100, 2)
  w = windows.sliding_windows(x, 30, 20)
  starts = windows.window_starts(100, 30, 20)
  np.testing.assert_array_equal(starts, [0, 20, 40, 60, 70])
  assert w.shape == (5, 30, 2)
  for window, s in zip(w, starts):
    np.testing.assert_array_equal(window, x[s:s + 30])
  covered = np.zeros(100, bool)
  for s in starts:
    covered[s:s + 30] = True
  assert covered.all()
  np.testing.assert_array_equal(windows.window_starts(100, 25, 25), [0, 25, 50, 75])
  short = windows.sliding_windows(x[:10], 30, 20)
  assert short.shape == (1, 30, 2)
  np.testing.assert_array_equal(short[0, :10], x[:10])


def test_aggregate_window_predictions():
  preds = np.array([[0.1, 0.9], [0.5, 0.2], [0.3, 0.4]])
  np.testing.assert_allclose(windows.aggregate_window_predictions(preds), [0.3, 0.5])
  np.testing.assert_allclose(windows.aggregate_window_predictions(preds, "max"), [0.5, 0.9])
  with pytest.raises(ValueError, match="how"):
    windows.aggregate_window_predictions(preds, "median")
  with pytest.raises(ValueError, match="preds"):
    windows.aggregate_window_predictions(np.zeros((0, 2)))
