"""Kachuee et al. beat segmentation (cardiojax.signal.beats)."""

import numpy as np

from cardiojax.signal import beats as beats_lib


def test_beats_of_a_pulse_train():
  fs, period = 125, 100  # 0.8 s beats, 20 s of signal.
  x = np.zeros(20 * fs)
  x[10::period] = 1.0
  x[11::period] = 0.5
  beats, peaks = beats_lib.kachuee_beats(x, fs)
  assert beats.shape[1] == 187 and beats.dtype == np.float32
  assert set(peaks % period) == {10}
  size = round(1.2 * period)
  np.testing.assert_allclose(beats[:, 0], 1.0, atol=1e-6)
  assert np.all(beats[:, size:] == 0)
  # Beats whose 1.2 T would cross a 10 s window end are dropped.
  assert np.all(peaks % 1250 + size <= 1250)
