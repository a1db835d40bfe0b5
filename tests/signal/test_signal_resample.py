"""Tests of cardiojax.signal.resample: exact, numpy only."""

import numpy as np
import pytest

from cardiojax.signal import resample


def _sine(freq_hz, fs, seconds, amplitude=1.0, leads=1):
  t = np.arange(int(round(fs * seconds))) / fs
  wave = amplitude * np.sin(2 * np.pi * freq_hz * t)
  return np.tile(wave[:, None], (1, leads)).astype(np.float32)


def _ramp(time, leads):
  return np.arange(time * leads, dtype=np.float32).reshape(time, leads)


def test_resample_360_to_125_keeps_frequency_and_amplitude():
  x = _sine(5.0, 360, 10.0, amplitude=1.5, leads=2)
  y = resample.resample(x, 360, 125)
  assert y.shape == (1250, 2) and y.dtype == np.float32
  expected = _sine(5.0, 125, 10.0, amplitude=1.5, leads=2)
  # The polyphase filter is exact away from the ends.
  np.testing.assert_allclose(y[50:-50], expected[50:-50], atol=2e-3)
  spectrum = np.abs(np.fft.rfft(y[:, 0]))
  assert np.fft.rfftfreq(1250, 1 / 125)[spectrum.argmax()] == pytest.approx(5.0)


def test_resample_identity_and_bad_rates():
  x = _ramp(10, 2)
  y = resample.resample(x, 500, 500)
  np.testing.assert_array_equal(y, x)
  assert y is not x
  with pytest.raises(ValueError, match="to_hz"):
    resample.resample(x, 500, 0)
  with pytest.raises(ValueError, match="x"):
    resample.resample(np.zeros(10), 500, 250)
