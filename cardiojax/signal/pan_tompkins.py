"""The Pan-Tompkins QRS detector, at any sampling rate.

J. Pan and W. J. Tompkins, "A Real-Time QRS Detection Algorithm", IEEE Trans.
Biomed. Eng. 32(3):230-236, 1985. The numbers below are the paper's:

  1. band-pass 5-15 Hz (here a 3rd-order Butterworth designed for `fs`, run
     forwards and backwards so that no stage delays the signal);
  2. the five-point derivative (1/8T)(-x[n-2] - 2x[n-1] + 2x[n+1] + x[n+2]);
  3. squaring;
  4. moving-window integration over 150 ms (centred);
  5. fiducial marks: local maxima of the integrated signal at least 200 ms
     apart (the refractory period); each has a peak PEAKI in the integrated
     signal and PEAKF (the largest |band-passed| value within the window);
  6. two sets of adaptive thresholds, on the integrated (I) and band-passed
     (F) signals: a signal peak updates SPK = 0.125 PEAK + 0.875 SPK, a noise
     peak NPK = 0.125 PEAK + 0.875 NPK; THRESHOLD1 = NPK + 0.25 (SPK - NPK),
     THRESHOLD2 = 0.5 THRESHOLD1. A mark is a QRS complex when it exceeds
     THRESHOLD1 in both signals. Learning phase 1 (the first 2 s) starts SPK
     at the largest and NPK at half the mean value of each signal;
  7. T-wave discrimination: a mark less than 360 ms after the last QRS whose
     largest slope (|derivative|) is below half that of the last QRS is a T
     wave (a noise peak);
  8. RR AVERAGE1 is the mean of the 8 most recent RR intervals, RR AVERAGE2
     the mean of the 8 most recent ones that fell within 92-116% of RR
     AVERAGE2; when no QRS is found within 166% of RR AVERAGE2, the largest
     mark since the last QRS that exceeds THRESHOLD2 in both signals is taken
     (search-back, SPK = 0.25 PEAK + 0.75 SPK);
  9. when one of the 8 most recent RR intervals lies outside 92-116% of RR
     AVERAGE2 (an irregular rhythm), THRESHOLD1 of both sets is halved.

Each detected complex is reported at its R peak: the sample of the input
furthest from the window's median within the integration window.
"""

import dataclasses

import numpy as np
import scipy

BAND_HZ = (5.0, 15.0)
FILTER_ORDER = 3
INTEGRATION_S = 0.150
REFRACTORY_S = 0.200
T_WAVE_S = 0.360
LEARNING_S = 2.0
RR_LOW, RR_HIGH, RR_MISSED = 0.92, 1.16, 1.66
NUM_RR = 8


def _filter_stages(x: np.ndarray, fs: float):
  """Band-passed, derivative and integrated (N,) signals (all undelayed)."""
  sos = scipy.signal.butter(FILTER_ORDER, BAND_HZ, btype="bandpass", fs=fs,
                            output="sos")
  padlen = min(3 * (2 * len(sos) + 1), len(x) - 1)
  filtered = scipy.signal.sosfiltfilt(sos, x, padlen=padlen)
  kernel = np.array([1.0, 2.0, 0.0, -2.0, -1.0]) * fs / 8.0
  derivative = np.convolve(filtered, kernel, mode="same")
  width = max(1, int(round(INTEGRATION_S * fs)))
  integrated = np.convolve(derivative**2, np.ones(width) / width, mode="same")
  return filtered, derivative, integrated


@dataclasses.dataclass
class _Levels:
  """Running signal and noise peak levels of one signal (I or F)."""
  spk: float
  npk: float

  def threshold1(self, irregular: bool) -> float:
    threshold = self.npk + 0.25 * (self.spk - self.npk)
    return 0.5 * threshold if irregular else threshold

  def threshold2(self, irregular: bool) -> float:
    return 0.5 * self.threshold1(irregular)

  def signal(self, peak: float, weight: float = 0.125) -> None:
    self.spk = weight * peak + (1.0 - weight) * self.spk

  def noise(self, peak: float) -> None:
    self.npk = 0.125 * peak + 0.875 * self.npk


class _Rhythm:
  """RR AVERAGE1 and 2 (samples), the regularity test and the QRS history."""

  def __init__(self):
    self.beats: list[int] = []
    self.slopes: list[float] = []
    self.recent: list[int] = []
    self.selected: list[int] = []

  def average2(self) -> float | None:
    if self.selected:
      return float(np.mean(self.selected[-NUM_RR:]))
    if self.recent:
      return float(np.mean(self.recent[-NUM_RR:]))
    return None

  def irregular(self) -> bool:
    average = self.average2()
    if average is None:
      return False
    recent = np.asarray(self.recent[-NUM_RR:], np.float64)
    return bool(np.any((recent < RR_LOW * average) |
                       (recent > RR_HIGH * average)))

  def add(self, position: int, slope: float) -> None:
    if self.beats:
      rr = position - self.beats[-1]
      average = self.average2()
      if average is None or RR_LOW * average <= rr <= RR_HIGH * average:
        self.selected.append(rr)
      self.recent.append(rr)
    self.beats.append(position)
    self.slopes.append(slope)

  def is_t_wave(self, position: int, slope: float, fs: float) -> bool:
    return bool(self.beats) and (position - self.beats[-1] < T_WAVE_S * fs
                                 and slope < 0.5 * self.slopes[-1])


def _refine(x: np.ndarray, marks: np.ndarray, half: int) -> np.ndarray:
  """The sample of `x` furthest from its local median around each mark."""
  peaks = np.empty(len(marks), np.int64)
  for i, mark in enumerate(marks):
    start, stop = max(0, mark - half), min(len(x), mark + half + 1)
    window = x[start:stop]
    peaks[i] = start + int(np.argmax(np.abs(window - np.median(window))))
  return np.unique(peaks)


def pan_tompkins(signal_mv, fs: float) -> np.ndarray:
  """R peaks of one ECG lead by the Pan-Tompkins algorithm (module docstring).

  Args:
    signal_mv: (T,) one lead in mV (any unit works; thresholds adapt).
    fs: sampling rate in Hz; must exceed 30 Hz (twice the 15 Hz band edge).

  Returns:
    (n,) int64 sample indices of the R peaks, increasing; empty for signals
    with no complex (flat, or shorter than 0.2 s).

  Raises:
    ValueError: `signal_mv` is not one-dimensional or holds non-finite
      values, or `fs` is 30 Hz or less.
  """
  x = np.asarray(signal_mv, np.float64)
  if x.ndim != 1:
    raise ValueError(f"signal_mv: expected one lead (T,), got shape {x.shape}")
  if not fs > 2 * BAND_HZ[1]:
    raise ValueError(f"fs: the 5-15 Hz band needs a rate above "
                     f"{2 * BAND_HZ[1]:g} Hz, got {fs}")
  if not np.all(np.isfinite(x)):
    raise ValueError("signal_mv: non-finite samples; repair or drop them "
                     "first (cardiojax.signal.quality)")
  if len(x) < REFRACTORY_S * fs:
    return np.zeros(0, np.int64)
  filtered, derivative, integrated = _filter_stages(x, fs)
  half = int(round(INTEGRATION_S * fs / 2))
  marks, _ = scipy.signal.find_peaks(
      integrated, distance=max(1, int(round(REFRACTORY_S * fs))))
  windows = [slice(max(0, m - half), m + half + 1) for m in marks]
  peak_f = np.array([np.abs(filtered[w]).max() for w in windows])
  slope = np.array([np.abs(derivative[w]).max() for w in windows])
  peak_i = integrated[marks]
  learning = slice(0, max(1, int(LEARNING_S * fs)))
  levels_i = _Levels(integrated[learning].max(),
                     0.5 * integrated[learning].mean())
  levels_f = _Levels(np.abs(filtered[learning]).max(),
                     0.5 * np.abs(filtered[learning]).mean())
  rhythm = _Rhythm()
  noise: list[int] = []  # Marks since the last QRS, for the search-back.

  def accept(k: int, weight: float) -> None:
    levels_i.signal(peak_i[k], weight)
    levels_f.signal(peak_f[k], weight)
    rhythm.add(int(marks[k]), float(slope[k]))
    noise.clear()

  def search_back(position: int) -> None:
    """Takes missed beats before `position` while the gap exceeds 166%."""
    while rhythm.beats and rhythm.average2() is not None and (
        position - rhythm.beats[-1] > RR_MISSED * rhythm.average2()):
      irregular = rhythm.irregular()
      found = [k for k in noise
               if peak_i[k] > levels_i.threshold2(irregular)
               and peak_f[k] > levels_f.threshold2(irregular)
               and not rhythm.is_t_wave(int(marks[k]), slope[k], fs)]
      if not found:
        return
      best = max(found, key=lambda k: peak_i[k])
      later = noise[noise.index(best) + 1:]  # Still candidates after it.
      accept(best, 0.25)
      noise.extend(later)

  for k, mark in enumerate(marks):
    search_back(int(mark))
    if rhythm.beats and mark - rhythm.beats[-1] < REFRACTORY_S * fs:
      continue
    irregular = rhythm.irregular()
    is_qrs = (peak_i[k] > levels_i.threshold1(irregular)
              and peak_f[k] > levels_f.threshold1(irregular)
              and not rhythm.is_t_wave(int(mark), slope[k], fs))
    if is_qrs:
      accept(k, 0.125)
    else:
      levels_i.noise(peak_i[k])
      levels_f.noise(peak_f[k])
      noise.append(k)
  search_back(len(x))
  return _refine(x, np.asarray(rhythm.beats, np.int64), half)
