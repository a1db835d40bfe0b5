"""Tests of cardiojax.signal.spectral against scipy.signal.stft and np.fft."""

import numpy as np
import pytest
from scipy import signal as sp_signal

from cardiojax.signal import spectral


def _two_leads(fs, seconds):
  """Lead 0: 1.5 mV at 12.5 Hz; lead 1: 0.5 mV at 25 Hz plus 0.2 mV offset."""
  t = np.arange(int(fs * seconds)) / fs
  return np.stack([1.5 * np.sin(2 * np.pi * 12.5 * t),
                   0.2 + 0.5 * np.cos(2 * np.pi * 25.0 * t)], axis=1).astype(np.float32)


def test_stft_matches_scipy_and_peaks_at_the_sinusoid():
  fs, nperseg, noverlap = 100.0, 64, 48
  x = _two_leads(fs, 10.0)
  spec = spectral.stft_spectrogram(x, fs, nperseg=nperseg, noverlap=noverlap)
  frames = 1 + (1000 - nperseg) // (nperseg - noverlap)
  assert spec.shape == (frames, nperseg // 2 + 1, 2) and spec.dtype == np.float32
  for lead in range(2):
    _, _, z = sp_signal.stft(x[:, lead], fs=fs, nperseg=nperseg, noverlap=noverlap,
                             boundary=None, padded=False)
    np.testing.assert_allclose(spec[:, :, lead], np.abs(z).T, rtol=1e-5, atol=1e-6)
  freqs = spectral.stft_frequencies(fs, nperseg)
  assert freqs[spec[:, :, 0].argmax(axis=1)] == pytest.approx(np.full(frames, 12.5))
  assert freqs[spec[:, 1:, 1].argmax(axis=1) + 1] == pytest.approx(np.full(frames, 25.0))
  # 'spectrum' scaling: amplitude A on a bin centre -> A / 2.
  np.testing.assert_allclose(spec[:, 8, 0], 0.75, rtol=1e-3)


def test_stft_log_flatten_and_bad_arguments():
  x = _two_leads(100.0, 2.0)
  spec = spectral.stft_spectrogram(x, 100.0, nperseg=32)
  assert spec.shape == (1 + (200 - 32) // 16, 17, 2)
  log = spectral.stft_spectrogram(x, 100.0, nperseg=32, log=True, eps=1e-3)
  np.testing.assert_allclose(log, np.log(spec + 1e-3), rtol=1e-5, atol=1e-6)
  flat = spectral.stft_spectrogram(x, 100.0, nperseg=32, flatten=True)
  assert flat.shape == (spec.shape[0], 17 * 2)
  np.testing.assert_array_equal(flat[:, 5 * 2 + 1], spec[:, 5, 1])
  with pytest.raises(ValueError, match="nperseg"):
    spectral.stft_spectrogram(x, 100.0, nperseg=500)
  with pytest.raises(ValueError, match="noverlap"):
    spectral.stft_spectrogram(x, 100.0, nperseg=32, noverlap=32)
  with pytest.raises(ValueError, match="fs"):
    spectral.stft_spectrogram(x, 0.0)
  with pytest.raises(ValueError, match="x"):
    spectral.stft_spectrogram(x[:, 0], 100.0)


def test_fft_magnitude_gives_amplitudes_at_the_right_bins():
  fs = 100.0
  x = _two_leads(fs, 4.0)
  mag = spectral.fft_magnitude(x, fs)
  freqs = spectral.fft_frequencies(400, fs)
  assert mag.shape == (201, 2) and mag.dtype == np.float32
  one_sided = np.r_[1, np.full(199, 2), 1][:, None] / 400
  np.testing.assert_allclose(mag, np.abs(np.fft.rfft(x, axis=0)) * one_sided, rtol=1e-5, atol=1e-6)
  assert freqs[mag[:, 0].argmax()] == 12.5 and mag[:, 0].max() == pytest.approx(1.5, rel=1e-5)
  assert freqs[mag[1:, 1].argmax() + 1] == 25.0 and mag[:, 1].max() == pytest.approx(0.5, rel=1e-5)
  assert mag[0, 1] == pytest.approx(0.2, rel=1e-5)
  assert mag[-1].max() < 1e-5
  low = spectral.fft_magnitude(x, fs, max_hz=20.0)
  assert low.shape == (81, 2)
  np.testing.assert_array_equal(low, mag[:81])
  with pytest.raises(ValueError, match="max_hz"):
    spectral.fft_magnitude(x, fs, max_hz=-1.0)
