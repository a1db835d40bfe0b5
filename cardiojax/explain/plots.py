"""ECG plots with attributions drawn as a colour overlay, and lead-importance bars.

ECGs are drawn in mV on standard ECG paper: 25 mm/s and 10 mm/mV, pink minor
grid lines every 1 mm (0.04 s, 0.1 mV) and red major lines every 5 mm (0.2 s,
0.5 mV), with a 1 mV calibration pulse; each trace's line carries its lead's
name as label. Inputs that are not mV waveforms (spectra, unitless beats) go
to `plot_channels`, labelled with their own unit. The attribution magnitude is
a blue band behind the trace whose opacity grows with |attribution|
(normalised by its 99th percentile over the whole figure). matplotlib (Agg) is
imported inside the functions; each writes a PNG and returns its path.
"""

import pathlib
from typing import Sequence

import numpy as np

from cardiojax.signal.leads import STANDARD_12

_MINOR, _MAJOR = "#f6c9c9", "#e07070"
_ROW_MV = 3.0  # Vertical pitch of the rows of the 12-lead layout, mV.
_CAL_S = 0.4  # Width of the calibration-pulse margin, s.
_PAPER_ASPECT = 0.4  # Data aspect of ECG paper: 1 mV spans 10 mm, 1 s spans 25 mm.
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


def _grid_lines(low: float, high: float, step: float) -> tuple[np.ndarray, np.ndarray]:
  """(minor, major) multiples of `step` in [low, high]; every fifth is major."""
  k = np.arange(np.ceil(low / step - 1e-9), np.floor(high / step + 1e-9) + 1)
  major = k % 5 == 0
  return k[~major] * step, k[major] * step


def ecg_paper(ax, x_range, y_range, *, labels: bool = False) -> None:
  """Pink/red ECG grid in (s, mV) axes at 25 mm/s and 10 mm/mV.

  The grid is two line collections per axis (not tick grid lines, whose
  hundreds of tick objects made a 12-lead figure several times slower).
  `labels` keeps tick labels every 0.2 s and 0.5 mV (axes that show times
  and voltages); the clinical print has none (its scale is the paper).
  """
  ax.set_xlim(*x_range)
  ax.set_ylim(*y_range)
  ax.set_aspect(_PAPER_ASPECT)
  for (minor, major), lines, span in (
      (_grid_lines(*x_range, 0.04), ax.vlines, y_range),
      (_grid_lines(*y_range, 0.1), ax.hlines, x_range)):
    lines(minor, *span, color=_MINOR, linewidth=0.4, zorder=0)
    lines(major, *span, color=_MAJOR, linewidth=0.8, zorder=0)
  if labels:
    from matplotlib import ticker  # pylint: disable=g-import-not-at-top
    ax.xaxis.set_major_locator(ticker.MultipleLocator(0.2))
    ax.yaxis.set_major_locator(ticker.MultipleLocator(0.5))
    ax.tick_params(which="both", length=0, labelsize=6)
  else:
    ax.set_xticks([])
    ax.set_yticks([])
  for spine in ax.spines.values():
    spine.set_visible(False)


def calibration_pulse(ax, x0: float, baseline: float) -> None:
  """1 mV x 0.2 s calibration pulse starting at `x0` s on `baseline` mV."""
  ax.plot([x0, x0 + 0.05, x0 + 0.05, x0 + 0.25, x0 + 0.25, x0 + 0.3],
          [baseline, baseline, baseline + 1, baseline + 1, baseline, baseline],
          color="k", linewidth=0.8)


def _segment(ax, t, y, baseline, weight, half_height, cmap, label=None):
  """Trace `y` (mV) at `baseline` over times `t` (s), attribution band `weight` in [0, 1].

  The trace's line is labelled with the lead's name (`Line2D.get_label`).
  """
  if weight is not None:
    ax.imshow(weight[None, :], cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
              interpolation="nearest", zorder=1,
              extent=(t[0], t[-1], baseline - half_height, baseline + half_height))
    ax.set_aspect(_PAPER_ASPECT)  # imshow's aspect='auto' would stretch the paper
  ax.plot(t, baseline + y, color="k", linewidth=0.7, zorder=2, label=label or "_trace")
  if label:
    ax.text(t[0] + 0.04, baseline + 0.55 * half_height, label, fontsize=8, zorder=3,
            bbox=dict(facecolor="white", alpha=0.7, edgecolor="none", pad=0.5))


def _colourbar(fig, ax, cmap, label):
  """A [0, 1] colour bar of the overlay next to `ax` (an axes or a list of them)."""
  import matplotlib.cm  # pylint: disable=g-import-not-at-top
  mappable = matplotlib.cm.ScalarMappable(cmap=cmap)
  mappable.set_clim(0.0, 1.0)
  fig.colorbar(mappable, ax=ax, fraction=0.015, pad=0.01, label=label)


def _paper_rows(ax, rows, t, signal, weight, cmap, lead_names):
  """Rows of (lead, span) segments on one ECG paper, 3 mV apart, with calibration
  pulses; the paper grows to keep the top and bottom rows' peaks. Returns its
  (bottom, top) in mV."""
  first = [c for c, _ in rows[0]]
  last = [c for c, _ in rows[-1]]
  top = max(0.5 * _ROW_MV, float(signal[:, first].max()) + 0.2)
  bottom = min(-(len(rows) - 0.5) * _ROW_MV,
               -(len(rows) - 1) * _ROW_MV + float(signal[:, last].min()) - 0.2)
  ecg_paper(ax, (-_CAL_S, t[-1] + (t[1] - t[0])), (bottom, top))
  for r, row in enumerate(rows):
    baseline = -r * _ROW_MV
    calibration_pulse(ax, -_CAL_S + 0.05, baseline)
    for c, span in row:
      _segment(ax, t[span], signal[span, c], baseline,
               None if weight is None else weight[span, c], _ROW_MV / 2, cmap, lead_names[c])
      if span.start:
        ax.plot([t[span.start]] * 2, [baseline - 0.3, baseline + 0.3], color="k", linewidth=0.8)
  return bottom, top


def plot_ecg_12lead(signal: np.ndarray, sample_rate: float, path, *,
                    attribution: np.ndarray | None = None,
                    lead_names: Sequence[str] = STANDARD_12, title: str | None = None,
                    rhythm_lead: int = 1, layout: str | None = None) -> pathlib.Path:
  """12-lead ECG on ECG paper, in the clinical 3 x 4 print or in 6 x 2.

  Each lead is drawn around its median (the isoelectric offset removed). In
  '3x4', column j of the grid shows its leads (I-III, aVR-aVF, V1-V3, V4-V6)
  during the j-th quarter of the record and the bottom row is `rhythm_lead`
  over the whole record; in '6x2' the limb leads (left) and the chest leads
  (right) each span the whole record, which suits windows too short to
  quarter (a 2.5 s window would leave 0.6 s per lead in 3 x 4).

  Args:
    signal: (T, 12) in mV, leads in `STANDARD_12` order.
    sample_rate: Hz.
    path: PNG file to write.
    attribution: optional (T, 12) or (T,) (e.g. Grad-CAM, shown in every lead).
    lead_names: labels of the 12 columns of `signal`.
    title: figure title.
    rhythm_lead: column of the 3 x 4 print's rhythm strip (default lead II).
    layout: '3x4' or '6x2'; default '3x4' for records of 8 s or more.

  Returns:
    `path`.
  """
  signal = np.asarray(signal, np.float64)
  length, num_leads = signal.shape
  if num_leads != 12:
    raise ValueError(f"expected (T, 12), got {signal.shape}")
  duration = length / sample_rate
  layout = layout or ("3x4" if duration >= 8.0 else "6x2")
  if layout not in ("3x4", "6x2"):
    raise ValueError(f"layout: expected '3x4' or '6x2', got {layout!r}")
  signal = signal - np.median(signal, axis=0)
  weight = None
  if attribution is not None:
    attribution = np.asarray(attribution)
    if attribution.ndim == 1:
      attribution = np.repeat(attribution[:, None], num_leads, axis=1)
    weight = _normalise(attribution)
  plt = _pyplot()
  cmap = _overlay_cmap()
  t = np.arange(length) / sample_rate
  whole = slice(0, length)
  if layout == "3x4":
    quarter = length // 4
    papers = [[[(c, slice(j * quarter, (j + 1) * quarter if j < 3 else length))
                for j, c in enumerate(row)] for row in _LAYOUT]
              + [[(rhythm_lead, whole)]]]
  else:
    papers = [[[(c, whole)] for c in range(6)], [[(c, whole)] for c in range(6, 12)]]
  width_mm = len(papers) * (duration + _CAL_S) * 25
  height_mm = len(papers[0]) * _ROW_MV * 10
  fig, axes = plt.subplots(1, len(papers), dpi=150, squeeze=False,
                           figsize=(width_mm / 25.4 * 1.15, height_mm / 25.4 * 1.1))
  for ax, rows in zip(axes[0], papers):
    bottom, _ = _paper_rows(ax, rows, t, signal, weight, cmap, lead_names)
  ax.text(duration, bottom + 0.1, "25 mm/s  10 mm/mV", fontsize=7, ha="right")
  if weight is not None:
    _colourbar(fig, axes[0].tolist(), cmap, "|attribution| (norm.)")
  if title:  # just above the papers, which their fixed aspect leaves short of the top
    for ax in axes[0]:
      ax.apply_aspect()
    top = max(ax.get_position().y1 for ax in axes[0])
    fig.suptitle(title, fontsize=10, y=top + 0.01, va="bottom")
  fig.savefig(path, bbox_inches="tight")
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
  ecg_paper(ax, (t[0] - _CAL_S, t[-1]), (-(num_leads - 0.5) * pitch, 0.5 * pitch))
  for c in range(num_leads):
    baseline = -c * pitch
    calibration_pulse(ax, t[0] - _CAL_S + 0.05, baseline)
    _segment(ax, t, centred[:, c], baseline, None if weight is None else weight[:, c],
             pitch / 2, cmap, lead_names[c] if lead_names else None)
  ax.set_xlabel("25 mm/s  10 mm/mV", fontsize=7)
  if weight is not None:
    _colourbar(fig, ax, cmap, "|attribution| (norm.)")
  if title:
    ax.set_title(title, fontsize=10)
  fig.tight_layout()
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)
  return pathlib.Path(path)


def plot_channels(signal: np.ndarray, path, *, units: str,
                  attribution: np.ndarray | None = None,
                  channel_names: Sequence[str] | None = None, title: str | None = None,
                  sample_rate: float | None = None, max_rows: int = 12) -> pathlib.Path:
  """A model input that is not an mV waveform, labelled with its unit.

  Up to `max_rows` channels are drawn one row each on plain axes with the
  attribution band behind; more (e.g. STFT inputs, frequencies x leads) as an
  image of the input beside one of |attribution|.

  Args:
    signal: (T,) or (T, C) model input, in `units`.
    path: PNG file to write.
    units: the unit of `signal` (the contract's `input_units`).
    attribution: optional, shaped like `signal`, or (T,) shown in every channel.
    channel_names: C row labels.
    title: figure title.
    sample_rate: Hz of the first axis, when it is time (s on the x axis);
      None: the axis is drawn in input steps.

  Returns:
    `path`.
  """
  signal = np.asarray(signal, np.float64)
  signal = signal[:, None] if signal.ndim == 1 else signal
  length, num = signal.shape
  weight = None
  if attribution is not None:
    attribution = np.asarray(attribution)
    attribution = attribution[:, None] if attribution.ndim == 1 else attribution
    weight = _normalise(np.broadcast_to(attribution, signal.shape))
  steps = np.arange(length) / sample_rate if sample_rate else np.arange(length)
  x_label = "time (s)" if sample_rate else "input step"
  plt = _pyplot()
  cmap = _overlay_cmap()
  if num > max_rows:
    panels = 1 if weight is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.5), dpi=150, squeeze=False)
    extent = (steps[0], steps[-1], num - 0.5, -0.5)
    image = axes[0, 0].imshow(signal.T, aspect="auto", cmap="viridis", extent=extent)
    fig.colorbar(image, ax=axes[0, 0], label=units)
    axes[0, 0].set(xlabel=x_label, ylabel="input column", title="model input")
    if weight is not None:
      image = axes[0, 1].imshow(weight.T, aspect="auto", cmap="Blues", vmin=0, vmax=1,
                                extent=extent)
      fig.colorbar(image, ax=axes[0, 1], label="|attribution| (norm.)")
      axes[0, 1].set(xlabel=x_label, ylabel="input column", title="attribution")
  else:
    fig, axes = plt.subplots(num, 1, figsize=(8, 1.2 + 1.6 * num), dpi=150, sharex=True,
                             squeeze=False)
    for c, ax in enumerate(axes[:, 0]):
      low, high = signal[:, c].min(), signal[:, c].max()
      pad = 0.05 * (high - low or 1.0)
      if weight is not None:
        ax.imshow(weight[None, :, c], cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto",
                  interpolation="nearest", extent=(steps[0], steps[-1], low - pad, high + pad))
      ax.plot(steps, signal[:, c], color="k", linewidth=0.8)
      ax.set(ylim=(low - pad, high + pad), xlim=(steps[0], steps[-1]),
             ylabel=channel_names[c] if channel_names else f"channel {c}")
    axes[-1, 0].set_xlabel(x_label)
    fig.supylabel(units, fontsize=9)
    if weight is not None:
      _colourbar(fig, axes[:, 0].tolist(), cmap, "|attribution| (norm.)")
  if title:
    fig.suptitle(title, fontsize=10)
  fig.savefig(path, bbox_inches="tight")
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
  axes[1].set_xlabel(f"drop in {metric_name}\nwhen the lead is flattened")
  axes[0].invert_yaxis()
  if title:
    fig.suptitle(title)
  fig.tight_layout()
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)
  return pathlib.Path(path)
