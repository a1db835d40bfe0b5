"""Study figures: ECGs on ECG paper, class distributions, histograms.

ECGs are drawn in mV on standard ECG paper: 25 mm/s and 10 mm/mV (each axes'
aspect fixed so that 1 s spans 2.5 times the length of 1 mV), pink minor grid
lines every 1 mm (0.04 s, 0.1 mV), red major lines every 5 mm (0.2 s, 0.5 mV)
and a 1 mV x 0.2 s calibration pulse (the standard print; AHA
recommendations, Kligfield et al., Circulation 115:1306-1324, 2007). Every
function writes one PNG and returns its path and the axes it drew (one per
panel), so callers and tests can check what a figure holds.
"""

from typing import Mapping, Sequence

import numpy as np

from cardiojax.evaluate import plots
from cardiojax.explain import plots as paper

MM_PER_S, MM_PER_MV = 25.0, 10.0
_CAL_S = 0.4  # The calibration pulse's margin before a trace, s.
_ROW_MV = 3.0  # Height of one lead's row in the 12-lead print, mV.
# The standard 12-lead print: 3 rows x 4 columns of 2.5 s, lead names.
CLINICAL_LAYOUT = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"),
                   ("III", "aVF", "V3", "V6"))


def _plain_figure(size):
  """A figure on an Agg canvas of its own, laid out by its gridspec."""
  # pylint: disable=g-import-not-at-top
  from matplotlib import figure
  from matplotlib.backends import backend_agg
  # pylint: enable=g-import-not-at-top
  fig = figure.Figure(figsize=size)
  backend_agg.FigureCanvasAgg(fig)
  return fig


def _trace(ax, t, y, label: str) -> None:
  """A lead of the print; it may run into the neighbouring rows, as on paper
  (the axes' background is transparent)."""
  ax.patch.set_visible(False)
  ax.plot(t, y, color="k", linewidth=0.6, clip_on=False)
  ax.text(t[0] + 0.04, 0.55 * _ROW_MV / 2, label, fontsize=8)


def plot_clinical_12lead(path, signal_mv: np.ndarray, fs: float,
                         lead_names: Sequence[str], *, title: str,
                         rhythm_lead: str = "II"):
  """The standard 12-lead print: 3 x 4 leads of 2.5 s and a rhythm strip.

  Column j shows its leads (I-III, aVR-aVF, V1-V3, V4-V6) during the j-th
  2.5 s of the first 10 s; the bottom row is `rhythm_lead` over 10 s. Each
  lead is drawn around its median (the isoelectric offset removed); each row
  starts with the calibration pulse.

  Args:
    path: the PNG to write.
    signal_mv: (T, C) in mV, at least 10 s.
    fs: sampling rate in Hz.
    lead_names: (C,) names; the 12 standard leads must be among them.
    title: the figure title (record id and class names).
    rhythm_lead: the lead of the rhythm strip.

  Returns:
    (path, axes): 13 axes, the 12 leads row by row then the rhythm strip.

  Raises:
    ValueError: a lead is missing or the record is shorter than 10 s.
  """
  names = {str(name).lower(): i for i, name in enumerate(lead_names)}
  missing = [lead for row in CLINICAL_LAYOUT for lead in row
             if lead.lower() not in names]
  if missing or rhythm_lead.lower() not in names:
    raise ValueError(f"lead_names: the 12-lead print needs the 12 standard "
                     f"leads; missing {missing or [rhythm_lead]}")
  quarter = int(round(2.5 * fs))
  if len(signal_mv) < 4 * quarter:
    raise ValueError(f"signal_mv: the 12-lead print needs 10 s, got "
                     f"{len(signal_mv) / fs:.1f} s")
  x = np.asarray(signal_mv[:4 * quarter], np.float64)
  x = x - np.median(x, axis=0)
  width_s = 10.0 + _CAL_S
  fig = _plain_figure((width_s * MM_PER_S / 25.4 * 1.05,
                       4 * _ROW_MV * MM_PER_MV / 25.4 * 1.05 + 0.5))
  grid = fig.add_gridspec(4, 4, width_ratios=(2.5 + _CAL_S, 2.5, 2.5, 2.5),
                          wspace=0.0, hspace=0.0, left=0.01, right=0.99,
                          bottom=0.02, top=0.93)
  axes = []
  t = np.arange(quarter) / fs
  for r, row in enumerate(CLINICAL_LAYOUT):
    for j, lead in enumerate(row):
      ax = fig.add_subplot(grid[r, j])
      start = -_CAL_S if j == 0 else 0.0
      paper.ecg_paper(ax, (start, 2.5), (-_ROW_MV / 2, _ROW_MV / 2))
      if j == 0:
        paper.calibration_pulse(ax, -_CAL_S + 0.05, 0.0)
      _trace(ax, t, x[j * quarter:(j + 1) * quarter, names[lead.lower()]],
             lead)
      axes.append(ax)
  ax = fig.add_subplot(grid[3, :])
  paper.ecg_paper(ax, (-_CAL_S, 10.0), (-_ROW_MV / 2, _ROW_MV / 2))
  paper.calibration_pulse(ax, -_CAL_S + 0.05, 0.0)
  _trace(ax, np.arange(4 * quarter) / fs, x[:, names[rhythm_lead.lower()]],
         rhythm_lead)
  ax.text(10.0, -_ROW_MV / 2 + 0.1, "25 mm/s  10 mm/mV", fontsize=7,
          ha="right")
  axes.append(ax)
  fig.suptitle(title, fontsize=10)
  return plots.save(fig, path), axes


def plot_ecg_strip(path, signal_mv: np.ndarray, fs: float,
                   lead_names: Sequence[str], *, title: str,
                   annotation_samples: Sequence[int] = (),
                   annotation_symbols: Sequence[str] = ()):
  """A stretch of a record on ECG paper, one panel per lead, with the
  reference annotation symbols written above their beats.

  Times are from the stretch's first sample (s; labelled every second, or
  every 0.2 s for stretches under 3 s); the figure is at least 6 inches wide
  (short stretches magnified, the paper's proportions kept).

  Args:
    path: the PNG to write.
    signal_mv: (T, C) the stretch in mV.
    fs: sampling rate in Hz.
    lead_names: (C,) panel names.
    title: the figure title (record id, where the stretch starts).
    annotation_samples: sample of each annotation, relative to the stretch.
    annotation_symbols: its symbol (e.g. MIT-BIH 'N', 'A', 'V').

  Returns:
    (path, axes): one axes per lead.
  """
  from matplotlib import ticker  # pylint: disable=g-import-not-at-top
  x = np.asarray(signal_mv, np.float64)
  x = x - np.median(x, axis=0)
  t = np.arange(len(x)) / fs
  low = min(-1.0, np.floor(2 * x.min()) / 2 - 0.5)
  high = max(1.0, np.ceil(2 * x.max()) / 2 + 0.5)
  duration = len(x) / fs
  width = (duration + _CAL_S) * MM_PER_S / 25.4
  height = x.shape[1] * (high - low) * MM_PER_MV / 25.4
  scale = max(1.0, 6.0 / width)
  fig, grid = plots.new_figure(x.shape[1], 1, size=(scale * width + 1.0,
                                                    scale * height + 1.2))
  axes = list(grid[:, 0])
  every = 1.0 if duration >= 3.0 else 0.2
  for c, ax in enumerate(axes):
    paper.ecg_paper(ax, (-_CAL_S, t[-1]), (low, high), labels=True)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(
        lambda value, _: f"{value:g}" if value >= -1e-9 and abs(
            value / every - round(value / every)) < 1e-6 else ""))
    paper.calibration_pulse(ax, -_CAL_S + 0.05, 0.0)
    ax.plot(t, x[:, c], color="k", linewidth=0.7)
    for sample, symbol in zip(annotation_samples, annotation_symbols):
      ax.text(t[sample], high - 0.3, symbol, ha="center", fontsize=8,
              color="tab:blue" if symbol == "N" else "tab:red")
    ax.set_ylabel(f"{lead_names[c]} (mV)")
  axes[-1].set_xlabel("time (s); 25 mm/s, 10 mm/mV")
  fig.suptitle(title, fontsize=10)
  return plots.save(fig, path), axes


def plot_class_distribution(path, counts: Mapping[str, Sequence[int]],
                            class_names: Sequence[str], *, title: str):
  """Examples per class, one panel per split (horizontal bars, counted).

  Args:
    path: the PNG to write.
    counts: split -> (K,) number of records with each class.
    class_names: (K,) names.
    title: the figure title.

  Returns:
    (path, axes): one axes per split.
  """
  fig, grid = plots.new_figure(1, len(counts),
                               size=(3.2 * len(counts),
                                     1.2 + 0.3 * len(class_names)))
  axes = list(grid[0])
  rows = np.arange(len(class_names))[::-1]
  for ax, (split, values) in zip(axes, counts.items()):
    values = np.asarray(values)
    ax.barh(rows, values, color="tab:blue")
    for row, value in zip(rows, values):
      ax.text(value, row, f" {int(value)}", va="center", fontsize=7)
    ax.set(yticks=rows, xlabel="records", title=f"{split} ({int(values.sum())}"
           " labels)", xlim=(0, 1.25 * max(1, values.max())))
    ax.set_yticklabels(class_names)
    ax.grid(alpha=0.3, axis="x")
  fig.suptitle(title)
  return plots.save(fig, path), axes


def plot_histograms(path, panels: Mapping[str, Mapping[str, np.ndarray]], *,
                    title: str, bins: int = 20):
  """One histogram panel per quantity, the splits overlaid as step lines.

  Args:
    path: the PNG to write.
    panels: x-axis label (quantity and unit) -> split -> values; NaN values
      are left out.
    title: the figure title.
    bins: bins per panel, shared by the splits.

  Returns:
    (path, axes): one axes per quantity.
  """
  fig, grid = plots.new_figure(1, len(panels), size=(4.0 * len(panels), 3.4))
  axes = list(grid[0])
  for ax, (label, by_split) in zip(axes, panels.items()):
    finite = {split: np.asarray(v, np.float64)[np.isfinite(v)]
              for split, v in by_split.items()}
    values = np.concatenate(list(finite.values()))
    edges = np.histogram_bin_edges(values if len(values) else [0.0, 1.0],
                                   bins)
    for split, v in finite.items():
      ax.hist(v, bins=edges, histtype="step", linewidth=1.2,
              label=f"{split} (n={len(v)})")
    ax.set(xlabel=label, ylabel="records")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
  fig.suptitle(title)
  return plots.save(fig, path), axes
