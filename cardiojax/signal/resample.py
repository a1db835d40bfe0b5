"""Resampling to another sampling rate (polyphase, scipy)."""

import fractions

import numpy as np
import scipy

from cardiojax.signal import checks


def _ratio(from_hz: float, to_hz: float,
           max_denominator: int) -> fractions.Fraction:
  return fractions.Fraction(to_hz / from_hz).limit_denominator(max_denominator)


def resampled_length(num_samples: int, from_hz: float, to_hz: float, *,
                     max_denominator: int = 1000) -> int:
  """Samples that `resample` returns for `num_samples` input samples."""
  ratio = _ratio(from_hz, to_hz, max_denominator)
  return -(-num_samples * ratio.numerator // ratio.denominator)


def resample(x, from_hz: float, to_hz: float, *,
             max_denominator: int = 1000) -> np.ndarray:
  """Resamples with a polyphase anti-aliasing filter (`scipy.signal.resample_poly`).

  The rate ratio `to_hz / from_hz` is approximated by the fraction up/down
  with down <= `max_denominator` (exact for integer rates such as 360 -> 125
  Hz = 25/72); the ends are padded with the line through them, which keeps
  baseline offsets free of edge artefacts.

  Args:
    x: (time, leads) signal in mV sampled at `from_hz`.
    from_hz: input sampling rate in Hz.
    to_hz: output sampling rate in Hz.
    max_denominator: largest `down` factor of the rational approximation.

  Returns:
    (ceil(time * up / down), leads) float32 signal in mV sampled at
    `from_hz * up / down` Hz (= `to_hz` when the ratio is exact).
  """
  x = checks.as_signal(x)
  checks.check_positive(from_hz, "from_hz")
  checks.check_positive(to_hz, "to_hz")
  checks.check_int(max_denominator, "max_denominator", 1)
  ratio = _ratio(from_hz, to_hz, max_denominator)
  if ratio == 0:
    raise ValueError(f"to_hz: expected at least from_hz / max_denominator = "
                     f"{from_hz / max_denominator} Hz, got {to_hz}")
  if ratio == 1:
    return x.copy()
  y = scipy.signal.resample_poly(x, ratio.numerator, ratio.denominator, axis=0,
                                 padtype="line")
  return y.astype(np.float32)
