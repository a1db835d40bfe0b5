"""Beat segmentation of one lead as Kachuee et al. 2018 (section III.A).

  1. resample to 125 Hz; cut consecutive, non-overlapping 10 s windows;
  2. min-max normalise each window to [0, 1];
  3. local maxima = zero crossings (+ to 0/-) of the first difference;
  4. R peaks = local maxima >= 0.9;
  5. T = median R-R interval of the window (windows with < 2 peaks skipped);
  6. each beat = the 1.2 T samples from its R peak (beats running past the
     window end are dropped), cut to 187 and zero-padded to 187 samples.

Source: M. Kachuee, S. Fazeli, M. Sarrafzadeh, "ECG Heartbeat Classification:
A Deep Transferable Representation", IEEE ICHI 2018, arXiv:1805.00794.
"""

import numpy as np

from cardiojax.signal import resample as resample_lib

FS = 125
WINDOW = 10 * FS
LENGTH = 187
PEAK_THRESHOLD = 0.9


def kachuee_beats(signal: np.ndarray, fs: float) -> tuple[np.ndarray,
                                                          np.ndarray]:
  """Cuts one lead into Kaggle-format beats.

  Args:
    signal: (time,) one lead at `fs` Hz, any unit.
    fs: sampling rate in Hz.

  Returns:
    beats: (n, 187) float32 in [0, 1], zero-padded.
    peaks: (n,) int64 R-peak positions in samples at 125 Hz.
  """
  x = resample_lib.resample(np.asarray(signal)[:, None], fs, FS)[:, 0]
  beats, peaks = [], []
  for start in range(0, len(x) - WINDOW + 1, WINDOW):
    w = x[start:start + WINDOW]
    span = np.ptp(w)
    if not span > 0:  # Flat or NaN window.
      continue
    w = (w - w.min()) / span
    d = np.diff(w)
    maxima = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1
    r = maxima[w[maxima] >= PEAK_THRESHOLD]
    if len(r) < 2:
      continue
    size = int(round(1.2 * np.median(np.diff(r))))
    for p in r[r + size <= WINDOW]:
      beat = np.zeros(LENGTH, np.float32)
      segment = w[p:p + min(size, LENGTH)]
      beat[:len(segment)] = segment
      beats.append(beat)
      peaks.append(start + p)
  return (np.asarray(beats, np.float32).reshape(-1, LENGTH),
          np.asarray(peaks, np.int64))
