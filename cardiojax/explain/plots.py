"""ECG plots with attributions drawn as a colour overlay, and lead-importance bars.

ECGs are drawn on standard ECG paper: 25 mm/s and 10 mm/mV, pink minor grid
lines every 1 mm (0.04 s, 0.1 mV) and red major lines every 5 mm (0.2 s,
0.5 mV), with a 1 mV calibration pulse. The attribution magnitude is a blue
band behind the trace whose opacity grows with |attribution| (normalised by its
99th percentile over the whole figure). matplotlib (Agg) is imported inside the
functions; each writes a PNG and returns its path.
"""

import pathlib
from typing import Sequence

import numpy as np

from cardiojax.signal.leads import STANDARD_12

_MINOR, _MAJOR = "#f6c9c9", "#e07070"
_ROW_MV = 3.0  # Vertical pitch of the rows of the 12-lead layout, mV.
_CAL_S = 0.4  # Width of the calibration-pulse margin, s.
# Standard print (indices in STANDARD_12 order): 3 rows x 4 columns of 2.5 s
# (I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6), then a rhythm strip.
_LAYOUT = ((0, 3, 6, 9), (1, 4, 7, 10), (2, 5, 8, 11))


def _pyplot():
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  return plt


def _overlay_cmap():
  """Blues with opacity rising from 0 (no attribution) to 0.85."""
  import matplotlib.colors  # pylint: disable=g-import-not-at-top
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  colours = plt.get_cmap("Blues")(np.linspace(0.35, 1.0, 256))
  colours[:, 3] = np.linspace(0.0, 0.85, 256)
  return matplotlib.colors.ListedColormap(colours)


def _normalise(attribution: np.ndarray) -> np.ndarray:
  """|attribution| / its 99th percentile, clipped to [0, 1]."""
  magnitude = np.abs(np.asarray(attribution, np.float64))
  scale = np.percentile(magnitude, 99)
  return np.clip(magnitude / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(magnitude)


def _ecg_paper(ax, x_range, y_range):
  """Pink/red ECG grid in (s, mV) axes at 25 mm/s and 10 mm/mV."""
  import matplotlib.ticker as ticker  # pylint: disable=g-import-not-at-top
  ax.set_xlim(*x_range)
  ax.set_ylim(*y_range)
  ax.set_aspect(0.4)  # 1 mV spans 10 mm, 1 s spans 25 mm.
  ax.xaxis.set_major_locator(ticker.MultipleLocator(0.2))
  ax.xaxis.set_minor_locator(ticker.MultipleLocator(0.04))
  ax.yaxis.set_major_locator(ticker.MultipleLocator(0.5))
  ax.yaxis.set_minor_locator(ticker.MultipleLocator(0.1))
  ax.grid(which="minor", color=_MINOR, linewidth=0.4)
  ax.grid(which="major", color=_MAJOR, linewidth=0.8)
  ax.set_axisbelow(True)
  ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
  for spine in ax.spines.values():
    spine.set_visible(False)


def _calibration(ax, x0, baseline):
  """1 mV x 0.2 s calibration pulse starting at `x0` s on `baseline` mV."""
  ax.plot([x0, x0 + 0.05, x0 + 0.05, x0 + 0.25, x0 + 0.25, x0 + 0.3],
          [baseline, baseline, baseline + 1, baseline + 1, baseline, baseline],
          color="k", linewidth=0.8)


def _segment(ax, t, y, baseline, weight, half_height, cmap, label=None):
  """Trace `y` (mV) at `baseline` over times `t` (s), attribution band `weight` in [0, 1]."""
  if weight is not None:
    ax.imshow(weight[None, :], cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
              interpolation="nearest", zorder=1,
              extent=(t[0], t[-1], baseline - half_height, baseline + half_height))
  ax.plot(t, baseline + y, color="k", linewidth=0.7, zorder=2)
  if label:
    ax.text(t[0] + 0.04, baseline + 0.55 * half_height, label, fontsize=8, zorder=3)


def _colourbar(fig, ax, cmap, label):
  """A [0, 1] colour bar of the overlay next to `ax`."""
  import matplotlib.cm  # pylint: disable=g-import-not-at-top
  mappable = matplotlib.cm.ScalarMappable(cmap=cmap)
  mappable.set_clim(0.0, 1.0)
  fig.colorbar(mappable, ax=ax, fraction=0.015, pad=0.01, label=label)


def plot_ecg_12lead(signal: np.ndarray, sample_rate: float, path, *,
                    attribution: np.ndarray | None = None,
                    lead_names: Sequence[str] = STANDARD_12, title: str | None = None,
                    rhythm_lead: int = 1) -> pathlib.Path:
  """12-lead ECG in the clinical 3 x 4 layout plus a rhythm strip, on ECG paper.

  Each lead is drawn around its median (the isoelectric offset removed). Column j of the 3 x 4 grid shows its leads (I-III, aVR-aVF, V1-V3, V4-V6) during
  the j-th quarter of the record; the bottom row is `rhythm_lead` over the whole record.

  Args:
    signal: (T, 12) in mV, leads in `STANDARD_12` order.
    sample_rate: Hz.
    path: PNG file to write.
    attribution: optional (T, 12) or (T,) (e.g. Grad-CAM, shown in every lead).
    lead_names: labels of the 12 columns of `signal`.
    title: figure title.
    rhythm_lead: column of the rhythm strip (default lead II).

  Returns:
    `path`.
  """
  signal = np.asarray(signal, np.float64)
  length, num_leads = signal.shape
  if num_leads != 12:
    raise ValueError(f"expected (T, 12), got {signal.shape}")
  signal = signal - np.median(signal, axis=0)
  weight = None
  if attribution is not None:
    attribution = np.asarray(attribution)
    if attribution.ndim == 1:
      attribution = np.repeat(attribution[:, None], num_leads, axis=1)
    weight = _normalise(attribution)
  plt = _pyplot()
  cmap = _overlay_cmap()
  duration = length / sample_rate
  t = np.arange(length) / sample_rate
  quarter = length // 4
  width_mm, height_mm = (duration + _CAL_S) * 25, 4 * _ROW_MV * 10
  fig, ax = plt.subplots(figsize=(width_mm / 25.4 * 1.15, height_mm / 25.4 * 1.25), dpi=150)
  _ecg_paper(ax, (-_CAL_S, duration), (-(3.5 * _ROW_MV), 0.5 * _ROW_MV))
  rows = [[(c, slice(j * quarter, (j + 1) * quarter if j < 3 else length))
           for j, c in enumerate(row)] for row in _LAYOUT]
  rows.append([(rhythm_lead, slice(0, length))])
  for r, row in enumerate(rows):
    baseline = -r * _ROW_MV
    _calibration(ax, -_CAL_S + 0.05, baseline)
    for c, span in row:
      _segment(ax, t[span], signal[span, c], baseline,
               None if weight is None else weight[span, c], _ROW_MV / 2, cmap, lead_names[c])
      if span.start > 0:
        ax.plot([t[span.start]] * 2, [baseline - 0.3, baseline + 0.3], color="k", linewidth=0.8)
  ax.text(duration, -3.5 * _ROW_MV + 0.1, "25 mm/s  10 mm/mV", fontsize=7, ha="right")
  if weight is not None:
    _colourbar(fig, ax, cmap, "|attribution| (norm.)")
  if title:
    ax.set_title(title, fontsize=10)
  fig.tight_layout()
  fig.savefig(path)
  plt.close(fig)
  return pathlib.Path(path)


def plot_beat(signal: np.ndarray, sample_rate: float, path, *,
              attribution: np.ndarray | None = None, lead_names: Sequence[str] | None = None,
              title: str | None = None, onset_s: float = 0.0) -> pathlib.Path:
  """A beat (or any short segment) on ECG paper, one row per lead, with attribution overlay.

  Each lead is drawn around its median (the isoelectric offset removed).

  Args:
    signal: (T,) or (T, C) in mV.
    sample_rate: Hz.
    path: PNG file to write.
    attribution: optional, shaped like `signal`, or (T,) shown in every lead.
    lead_names: C row labels.
    title: figure title.
    onset_s: time of the first sample (e.g. relative to the R peak), s.

  Returns:
    `path`.
  """
  signal = np.asarray(signal, np.float64)
  signal = signal[:, None] if signal.ndim == 1 else signal
  length, num_leads = signal.shape
  weight = None
  if attribution is not None:
    attribution = np.asarray(attribution)
    attribution = attribution[:, None] if attribution.ndim == 1 else attribution
    weight = _normalise(np.broadcast_to(attribution, signal.shape))
  plt = _pyplot()
  cmap = _overlay_cmap()
  t = onset_s + np.arange(length) / sample_rate
  centred = signal - np.median(signal, axis=0)
  pitch = max(2.0, float(np.ceil(2 * np.abs(centred).max() + 0.5)))
  fig, ax = plt.subplots(figsize=(7, 1.5 + 2.2 * num_leads * pitch / 3), dpi=150)
  _ecg_paper(ax, (t[0] - _CAL_S, t[-1]), (-(num_leads - 0.5) * pitch, 0.5 * pitch))
  for c in range(num_leads):
    baseline = -c * pitch
    _calibration(ax, t[0] - _CAL_S + 0.05, baseline)
    _segment(ax, t, centred[:, c], baseline, None if weight is None else weight[:, c],
             pitch / 2, cmap, lead_names[c] if lead_names else None)
  ax.set_xlabel("25 mm/s  10 mm/mV", fontsize=7)
  if weight is not None:
    _colourbar(fig, ax, cmap, "|attribution| (norm.)")
  if title:
    ax.set_title(title, fontsize=10)
  fig.tight_layout()
  fig.savefig(path)
  plt.close(fig)
  return pathlib.Path(path)


def plot_lead_importance(rows: list[dict], path, *, metric_name: str = "metric",
                         title: str | None = None) -> pathlib.Path:
  """Bars of attribution share and metric drop per lead (rows of `ranked_table`)."""
  plt = _pyplot()
  names = [r["lead"] for r in rows]
  fig, axes = plt.subplots(1, 2, figsize=(9, 0.3 * len(rows) + 1.5), dpi=150, sharey=True)
  axes[0].barh(names, [r["mass"] for r in rows], color="#3b6ea5")
  axes[0].set_xlabel("share of |attribution|")
  axes[1].barh(names, [r["drop"] for r in rows], color="#c0504d")
  axes[1].axvline(0.0, color="k", linewidth=0.6)
  axes[1].set_xlabel(f"{metric_name} drop when the lead is zeroed")
  axes[0].invert_yaxis()
  if title:
    fig.suptitle(title)
  fig.tight_layout()
  fig.savefig(path)
  plt.close(fig)
  return pathlib.Path(path)
