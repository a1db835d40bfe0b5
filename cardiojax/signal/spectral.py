"""Spectral inputs: STFT spectrograms and FFT magnitudes, channels-last.

`stft_spectrogram` returns (frames, freqs, leads): an image with the leads as
channels for 2D models, or, with `flatten=True`, (frames, freqs * leads), a
sequence for the 1D models (column f * leads + c is frequency bin f of lead
c). `fft_magnitude` returns (freqs, leads), which the 1D models take like a
signal. Magnitudes are amplitudes in mV: a sinusoid of amplitude A mV centred
on a bin gives A/2 in the spectrogram (scipy's 'spectrum' scaling) and A in the
one-sided FFT magnitude.
"""

import numpy as np
import scipy


def _as_signal(x) -> np.ndarray:
  x = np.asarray(x, dtype=np.float32)
  if x.ndim != 2:
    raise ValueError(f"x: expected a (time, leads) array, got shape {x.shape}")
  return x


def _check_fs(fs):
  if not isinstance(fs, (int, float, np.integer, np.floating)) or not fs > 0:
    raise ValueError(f"fs: expected a positive sampling rate in Hz, got {fs!r}")


def stft_frequencies(fs: float, nperseg: int) -> np.ndarray:
  """(nperseg // 2 + 1,) frequencies in Hz of the `stft_spectrogram` bins."""
  _check_fs(fs)
  return np.fft.rfftfreq(nperseg, d=1.0 / fs)


def stft_spectrogram(x, fs: float, *, nperseg: int = 64,
                     noverlap: int | None = None, window: str = "hann",
                     log: bool = False, eps: float = 1e-6,
                     flatten: bool = False) -> np.ndarray:
  """Magnitude of the short-time Fourier transform of each lead.

  Frames are the windows of `nperseg` samples starting every
  `nperseg - noverlap` samples that fit in the signal (no boundary padding);
  frame k is centred at (k * (nperseg - noverlap) + nperseg / 2) / fs s.

  Args:
    x: (time, leads) signal in mV, time >= nperseg.
    fs: sampling rate in Hz.
    nperseg: window length in samples.
    noverlap: overlap of successive windows in samples; default nperseg // 2.
    window: scipy window name.
    log: return log(magnitude + eps) instead of the magnitude.
    eps: floor in mV added before the log.
    flatten: return (frames, freqs * leads) instead of (frames, freqs, leads).

  Returns:
    (frames, nperseg // 2 + 1, leads) float32 magnitudes in mV (or their
    natural log), frames = 1 + (time - nperseg) // (nperseg - noverlap); bin
    frequencies are `stft_frequencies(fs, nperseg)`.
  """
  x = _as_signal(x)
  _check_fs(fs)
  if not isinstance(nperseg, (int, np.integer)) or not 2 <= nperseg <= x.shape[0]:
    raise ValueError(f"nperseg: expected an integer in [2, time = {x.shape[0]}], "
                     f"got {nperseg!r}")
  noverlap = nperseg // 2 if noverlap is None else noverlap
  if not isinstance(noverlap, (int, np.integer)) or not 0 <= noverlap < nperseg:
    raise ValueError(f"noverlap: expected an integer in [0, nperseg = {nperseg}), "
                     f"got {noverlap!r}")
  _, _, z = scipy.signal.stft(x, fs=fs, window=window, nperseg=nperseg,
                              noverlap=noverlap, boundary=None, padded=False, axis=0)
  mag = np.abs(z).transpose(2, 0, 1)  # (freqs, leads, frames) -> channels-last.
  if log:
    mag = np.log(mag + eps)
  mag = mag.astype(np.float32)
  return mag.reshape(mag.shape[0], -1) if flatten else mag


def fft_frequencies(num_samples: int, fs: float,
                    max_hz: float | None = None) -> np.ndarray:
  """Frequencies in Hz of the `fft_magnitude` bins of a signal of `num_samples`."""
  _check_fs(fs)
  if max_hz is not None and max_hz < 0:
    raise ValueError(f"max_hz: expected a frequency >= 0 Hz, got {max_hz!r}")
  freqs = np.fft.rfftfreq(num_samples, d=1.0 / fs)
  return freqs if max_hz is None else freqs[freqs <= max_hz]


def fft_magnitude(x, fs: float, max_hz: float | None = None) -> np.ndarray:
  """One-sided amplitude spectrum of each lead.

  Args:
    x: (time, leads) signal in mV.
    fs: sampling rate in Hz.
    max_hz: keep bins up to this frequency in Hz (all when None).

  Returns:
    (freqs, leads) float32 amplitudes in mV, bin f at
    `fft_frequencies(time, fs, max_hz)[f]` (spacing fs / time Hz): |rfft| * 2 /
    time, with the DC (and, for even time, Nyquist) bin * 1 / time, so a
    sinusoid of amplitude A on a bin gives A and a constant c gives c.
  """
  x = _as_signal(x)
  freqs = fft_frequencies(x.shape[0], fs, max_hz)
  mag = np.abs(np.fft.rfft(x, axis=0)[:len(freqs)]) * (2.0 / x.shape[0])
  mag[0] /= 2
  if x.shape[0] % 2 == 0 and len(freqs) == x.shape[0] // 2 + 1:
    mag[-1] /= 2
  return mag.astype(np.float32)
