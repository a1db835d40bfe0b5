"""The downloadable figure of a span of a record, on ECG paper (PNG or PDF).

Twelve standard leads: the clinical 3 x 4 layout with a lead II rhythm strip
(`explain.plots.plot_ecg_12lead`). Other records: one strip per lead at true
paper scale (25 mm/s, 10 mm/mV: the figure is as wide as the span), a 1 mV
calibration pulse before each. An attribution is drawn as a blue band behind
each trace, its opacity |attribution| over its 99th percentile (as in
`explain.plots`). Samples the file marks invalid (NaN) are drawn flat at the
lead's median. matplotlib is not thread-safe: callers draw one at a time.
"""

import pathlib

import numpy as np

from cardiojax.explain import plots
from cardiojax.signal import leads

_PITCH_MV = 3.0  # vertical space of one strip
_CAL_S = 0.4  # the calibration pulse's margin
_MM_PER_INCH = 25.4


def write_figure(signal: np.ndarray, sampling_rate_hz: float, lead_names,
                 path, *, start: int, stop: int,
                 attribution: np.ndarray | None = None,
                 title: str = "") -> pathlib.Path:
  """Draws samples [start, stop) of a (T, C) mV record into `path`.

  Args:
    signal: (T, C) in mV.
    sampling_rate_hz: the record's rate.
    lead_names: the C lead names.
    path: a .png or .pdf file to write.
    start, stop: the span drawn, in samples.
    attribution: optional (stop - start, C) values (any scale).
    title: the figure's title.
  """
  span = np.asarray(signal[start:stop], np.float64)
  finite = np.isfinite(span)
  median = np.array([np.median(span[finite[:, c], c]) if finite[:, c].any()
                     else 0.0 for c in range(span.shape[1])])
  span = np.where(finite, span, median[None, :])
  names = [str(n).strip().lower() for n in lead_names]
  if all(n.lower() in names for n in leads.STANDARD_12):
    order = [names.index(n.lower()) for n in leads.STANDARD_12]
    return plots.plot_ecg_12lead(
        span[:, order], sampling_rate_hz, path,
        attribution=None if attribution is None else attribution[:, order],
        title=title)
  return _strips(span - median[None, :], sampling_rate_hz, path,
                 attribution=attribution, lead_names=list(lead_names),
                 title=title, onset_s=start / sampling_rate_hz)


def _strips(signal, fs, path, *, attribution, lead_names, title, onset_s):
  """One strip per lead, at 25 mm/s and 10 mm/mV."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  length, count = signal.shape
  t = onset_s + np.arange(length) / fs
  x0, x1 = t[0] - _CAL_S, t[-1]
  y0, y1 = -(count - 0.5) * _PITCH_MV, 0.5 * _PITCH_MV
  width_in = (x1 - x0) * 25 / _MM_PER_INCH
  height_in = (y1 - y0) * 10 / _MM_PER_INCH
  fig = plt.figure(figsize=(width_in + 0.4, height_in + 0.8), dpi=150)
  ax = fig.add_axes((0.2 / (width_in + 0.4), 0.3 / (height_in + 0.8),
                     width_in / (width_in + 0.4), height_in / (height_in + 0.8)))
  plots.ecg_paper(ax, (x0, x1), (y0, y1))
  weight = None
  if attribution is not None:
    magnitude = np.abs(attribution)
    scale = np.percentile(magnitude, 99)
    weight = np.clip(magnitude / scale, 0, 1) if scale > 0 else 0 * magnitude
  for c in range(count):
    base = -c * _PITCH_MV
    plots.calibration_pulse(ax, t[0] - _CAL_S + 0.05, base)
    if weight is not None:
      ax.imshow(weight[None, :, c], cmap="Blues", vmin=0, vmax=1.5,
                alpha=weight[None, :, c] * 0.85, aspect="auto", zorder=1,
                interpolation="nearest",
                extent=(t[0], t[-1], base - _PITCH_MV / 2, base + _PITCH_MV / 2))
    ax.plot(t, base + signal[:, c], color="k", linewidth=0.7, zorder=2)
    ax.text(t[0] + 0.04, base + 0.3 * _PITCH_MV, lead_names[c], fontsize=8)
  ax.text(x1, y0 + 0.1, "25 mm/s  10 mm/mV", fontsize=7, ha="right")
  fig.suptitle(title, fontsize=10, y=1 - 0.1 / (height_in + 0.8), va="top")
  fig.savefig(path)
  plt.close(fig)
  return pathlib.Path(path)
