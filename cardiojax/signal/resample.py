"""Polyphase resampling between rational sampling rates."""

import fractions

import numpy as np
import scipy.signal


def resample(x: np.ndarray, fs_in: float, fs_out: float,
             axis: int = 0) -> np.ndarray:
  """Resamples `x` from `fs_in` to `fs_out` Hz along `axis`.

  Uses scipy's polyphase filter (`resample_poly`, Kaiser window) with the
  exact ratio, e.g. 360 -> 125 Hz is up 25, down 72.

  Args:
    x: array with time along `axis`, e.g. (time, leads).
    fs_in: input sampling rate in Hz.
    fs_out: output sampling rate in Hz.
    axis: the time axis.

  Returns:
    float64 array with ceil(T * fs_out / fs_in) samples along `axis`.
  """
  ratio = (fractions.Fraction(fs_out) /
           fractions.Fraction(fs_in)).limit_denominator(10000)
  if ratio == 1:
    return np.asarray(x, np.float64)
  return scipy.signal.resample_poly(x, ratio.numerator, ratio.denominator,
                                    axis=axis)
