"""QRS complex detection on one lead."""

import numpy as np
import scipy


def qrs_peaks(x: np.ndarray, fs: float) -> np.ndarray:
  """QRS positions of one lead: a simple band-pass peak detector.

  The lead is band-passed to 5-15 Hz (2nd-order Butterworth, forwards and
  backwards); peaks of its magnitude at least 0.3 times its 99th percentile
  and 250 ms apart are QRS complexes. Positions are within a few tens of ms of
  the R peak (the reference annotations centre the training windows).

  Args:
    x: (time,) one lead in mV at `fs` Hz.
    fs: sampling rate in Hz.

  Returns:
    (n,) int64 sample positions, increasing.
  """
  sos = scipy.signal.butter(2, (5.0, 15.0), btype="bandpass", fs=fs, output="sos")
  magnitude = np.abs(scipy.signal.sosfiltfilt(sos, np.asarray(x, np.float64)))
  peaks, _ = scipy.signal.find_peaks(
      magnitude, height=0.3 * np.percentile(magnitude, 99),
      distance=max(1, int(0.25 * fs)))
  return peaks.astype(np.int64)
