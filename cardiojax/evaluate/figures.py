"""The figures of a run's test predictions, one call for every kind of task.

`write_figures(out_dir, task_kind, predictions, targets, ...)` draws what a
reader of the task expects and writes PNGs into `out_dir`:

- classification (binary, multi-class, multi-label): `roc.png`,
  `precision_recall.png`, and `confusion_matrix.png` (single label) or
  `label_confusion_matrices.png` (one 2 x 2 matrix per label), decided at the
  task's thresholds (`cardiojax.evaluate.decisions`);
- one value per example (age, years): `predicted_vs_true.png` (identity line)
  and `bland_altman.png` (mean difference and 95% limits of agreement,
  Bland & Altman 1986, Lancet 327:307);
- one value per site (activation times (N, S), ms): `site_error.png`
  (per-site MAE and the spread of signed errors);
- traces per site (Vm (N, T, S), mV): `site_traces.png` (true and predicted
  traces of the best, median and worst site by MAE) and `site_mae.png`;
- lead reconstruction (N, T, 12), mV: `reconstruction_per_lead.png`
  (per-lead Pearson r and RMSE, `reconstruction_metrics`).

`figures(...)` returns the same figures unsaved, by file stem.
"""

import pathlib
from typing import Sequence

import numpy as np

from cardiojax.evaluate import decisions
from cardiojax.evaluate import metrics
from cardiojax.evaluate import plots
from cardiojax.signal import leads as leads_lib

CLASSIFICATION = ("binary", "multi_class", "multi_label")
PRECORDIAL = leads_lib.STANDARD_12[6:]  # V1-V6; III, aVR, aVL, aVF follow from I and II.
LIMITS_Z = 1.96  # Limits of agreement: mean difference +/- 1.96 SD.


def class_scores(predictions: np.ndarray) -> np.ndarray:
  """(N, K) scores from (N,) binary probabilities or (N, K) probabilities."""
  predictions = np.asarray(predictions)
  if predictions.ndim == 1:
    return np.stack([1.0 - predictions, predictions], axis=1)
  return predictions


def bland_altman(predictions: np.ndarray, targets: np.ndarray) -> dict[str, float]:
  """Agreement of predicted with true values (Bland & Altman 1986).

  Returns:
    {'bias': mean of predicted - true, 'sd': its sample standard deviation
    (ddof 1), 'lower', 'upper': bias -/+ 1.96 sd}, in the values' unit.
  """
  difference = np.asarray(predictions, np.float64) - np.asarray(targets, np.float64)
  bias, sd = float(difference.mean()), float(difference.std(ddof=1))
  return {"bias": bias, "sd": sd, "lower": bias - LIMITS_Z * sd,
          "upper": bias + LIMITS_Z * sd}


def reconstruction_metrics(predictions: np.ndarray, targets: np.ndarray,
                           lead_names: Sequence[str],
                           given_leads: Sequence[str] = ()) -> dict[str, float]:
  """Per-lead Pearson r and RMSE of reconstructed leads, and their means.

  Args:
    predictions, targets: (N, T, C) in mV.
    lead_names: C names of the last axis.
    given_leads: leads the model receives as inputs; left out of the means
      (a copy would inflate them), still reported per lead.

  Returns:
    'pearson_r/<lead>' (r along time of each record, averaged over the
    records; flat records left out, as the task's 'per_record' r),
    'rmse_mv/<lead>' (over every record and sample), and the means over the
    leads not given, 'pearson_r_mean', 'rmse_mv_mean', and over the
    precordial leads V1-V6 not given, 'pearson_r_mean_precordial',
    'rmse_mv_mean_precordial' (NaN when there is none).
  """
  predictions, targets = np.asarray(predictions), np.asarray(targets)
  if predictions.shape != targets.shape or predictions.ndim != 3 or (
      predictions.shape[-1] != len(lead_names)):
    raise ValueError(f"predictions {predictions.shape}, targets {targets.shape}: expected "
                     f"two (N, T, {len(lead_names)}) arrays for leads {list(lead_names)}")
  r = metrics.pearson_r(predictions, targets, axis=1)  # (N, C)
  valid = ~np.isnan(r)
  count = valid.sum(axis=0)
  r = np.divide(np.where(valid, r, 0.0).sum(axis=0), count,
                out=np.full(len(lead_names), np.nan), where=count > 0)
  rmse = np.sqrt(metrics.error_means(predictions, targets, axis=(0, 1))["mse"])
  result = {}
  for name, r_lead, rmse_lead in zip(lead_names, r, rmse):
    result[f"pearson_r/{name}"] = float(r_lead)
    result[f"rmse_mv/{name}"] = float(rmse_lead)
  given = {str(n).lower() for n in given_leads}
  missing = np.array([str(n).lower() not in given for n in lead_names])
  precordial = missing & np.isin([str(n).upper() for n in lead_names],
                                 [n.upper() for n in PRECORDIAL])
  for suffix, keep in (("mean", missing), ("mean_precordial", precordial)):
    result[f"pearson_r_{suffix}"] = _nanmean(r[keep])
    result[f"rmse_mv_{suffix}"] = _nanmean(rmse[keep])
  return result


def _nanmean(values: np.ndarray) -> float:
  values = values[~np.isnan(values)]
  return float(values.mean()) if values.size else float("nan")


def _unit(units: str) -> str:
  """' (units)' for an axis label."""
  return f" ({units})" if units else ""


def _value(x: float, units: str, fmt: str = ".2f") -> str:
  """A value with its unit, e.g. '3.92 mV'."""
  return f"{x:{fmt}} {units}".rstrip()


def _site_names(site_names, num_sites: int) -> list[str]:
  if site_names is None:
    return [str(s) for s in range(num_sites)]
  if len(site_names) != num_sites:
    raise ValueError(f"site_names: {len(site_names)} names for {num_sites} sites")
  return [str(s) for s in site_names]


def _site_axis(site_names) -> str:
  return "site" if site_names is not None else "site (index)"


def agreement_figures(predictions: np.ndarray, targets: np.ndarray, units: str) -> dict:
  """'predicted_vs_true' and 'bland_altman' figures of (N,) values."""
  predictions = np.asarray(predictions, np.float64).reshape(-1)
  targets = np.asarray(targets, np.float64).reshape(-1)
  u = _unit(units)
  error = predictions - targets
  r = float(metrics.pearson_r(predictions, targets))
  fig, axes = plots.new_figure(size=(5.0, 5.0))
  ax = axes[0, 0]
  ax.scatter(targets, predictions, s=8, alpha=0.4, linewidths=0)
  low = float(min(targets.min(), predictions.min()))
  high = float(max(targets.max(), predictions.max()))
  pad = 0.03 * (high - low or 1.0)
  ax.plot([low - pad, high + pad], [low - pad, high + pad], color="k", linewidth=0.8,
          label="identity (predicted = true)")
  ax.set(xlim=(low - pad, high + pad), ylim=(low - pad, high + pad), aspect="equal",
         xlabel=f"true{u}", ylabel=f"predicted{u}",
         title=f"n = {len(targets)}, MAE {_value(np.abs(error).mean(), units)}, r = {r:.3f}")
  plots.legend_below(fig, ax, 1)
  out = {"predicted_vs_true": fig}

  limits = bland_altman(predictions, targets)
  fig, axes = plots.new_figure(size=(6.0, 4.5))
  ax = axes[0, 0]
  ax.scatter((predictions + targets) / 2, error, s=8, alpha=0.4, linewidths=0)
  ax.axhline(limits["bias"], color="k", linewidth=1.0,
             label=f"mean difference {_value(limits['bias'], units, '+.2f')}")
  for key in ("upper", "lower"):
    ax.axhline(limits[key], color="k", linestyle="--", linewidth=0.8,
               label=f"mean {'+' if key == 'upper' else '-'} 1.96 SD: "
               f"{_value(limits[key], units, '+.2f')}")
  ax.axhline(0.0, color="grey", linewidth=0.5)
  ax.set(xlabel=f"mean of predicted and true{u}", ylabel=f"predicted - true{u}",
         title="Bland-Altman: limits of agreement")
  plots.legend_below(fig, ax, 3)
  out["bland_altman"] = fig
  return out


def site_error_figure(predictions: np.ndarray, targets: np.ndarray, units: str,
                      site_names=None):
  """Per-site MAE (top) and signed errors (bottom) of (N, S) values."""
  error = np.asarray(predictions, np.float64) - np.asarray(targets, np.float64)
  names = _site_names(site_names, error.shape[1])
  u = _unit(units)
  fig, axes = plots.new_figure(2, 1, size=(max(6.0, 0.16 * len(names) + 2), 6.5))
  positions = np.arange(len(names))
  axes[0, 0].bar(positions, np.abs(error).mean(axis=0), color="#3b6ea5")
  axes[0, 0].set(ylabel=f"MAE{u}", title=f"Error per site ({len(error)} examples)",
                 xlim=(-1, len(names)))
  axes[0, 0].set_xticks(positions, [])
  axes[1, 0].boxplot(error, positions=positions, widths=0.6, showfliers=False)
  axes[1, 0].axhline(0.0, color="grey", linewidth=0.6)
  axes[1, 0].set(ylabel=f"predicted - true{u}", xlabel=_site_axis(site_names),
                 xlim=(-1, len(names)),
                 title="signed error: quartiles, whiskers to 1.5 IQR, median in orange")
  axes[1, 0].set_xticks(positions, names, rotation=90, fontsize=6)
  return fig


def site_trace_figures(predictions: np.ndarray, targets: np.ndarray, units: str,
                       sample_rate_hz: float | None = None, site_names=None) -> dict:
  """'site_traces' and 'site_mae' figures of (N, T, S) traces.

  The traces drawn are those of the best, median and worst site by MAE over
  every example and sample; at each, the example whose MAE there is the
  median over the examples (ties to the lower index).
  """
  predictions, targets = np.asarray(predictions), np.asarray(targets)
  names = _site_names(site_names, targets.shape[2])
  u = _unit(units)
  per_example = metrics.error_means(predictions, targets, axis=1)["mae"]  # (N, S)
  site_mae = per_example.mean(axis=0)
  order = np.argsort(site_mae, kind="stable")
  chosen = (("best", order[0]), ("median", order[(len(order) - 1) // 2]),
            ("worst", order[-1]))
  if sample_rate_hz:
    time, time_label = np.arange(targets.shape[1]) / sample_rate_hz * 1000, "time (ms)"
  else:
    time, time_label = np.arange(targets.shape[1]), "time (samples)"
  fig, axes = plots.new_figure(len(chosen), 1, size=(7.0, 2.4 * len(chosen) + 0.6))
  for ax, (which, site) in zip(axes[:, 0], chosen):
    example = int(np.argsort(per_example[:, site], kind="stable")[(len(targets) - 1) // 2])
    ax.plot(time, targets[example, :, site], color="k", linewidth=1.0, label="true")
    ax.plot(time, predictions[example, :, site], color="#c0504d", linewidth=1.0,
            label="predicted")
    ax.set(ylabel=f"value{u}", title=f"{which} site: {names[site]} (site MAE "
           f"{_value(site_mae[site], units)}); test example {example}, median error there")
  axes[-1, 0].set_xlabel(time_label)
  plots.legend_below(fig, axes[-1, 0], 2)
  out = {"site_traces": fig}
  fig, axes = plots.new_figure(size=(max(6.0, 0.16 * len(names) + 2), 3.8))
  positions = np.arange(len(names))
  axes[0, 0].bar(positions, site_mae, color="#3b6ea5")
  axes[0, 0].set(ylabel=f"MAE{u}", xlabel=_site_axis(site_names), xlim=(-1, len(names)),
                 title=f"MAE per site over {len(targets)} examples and all samples")
  axes[0, 0].set_xticks(positions, names, rotation=90, fontsize=6)
  out["site_mae"] = fig
  return out


def reconstruction_figure(predictions: np.ndarray, targets: np.ndarray,
                          lead_names: Sequence[str], given_leads: Sequence[str] = ()):
  """Per-lead Pearson r and RMSE bars of reconstructed leads, with their means;
  the leads given to the model are marked, not drawn."""
  values = reconstruction_metrics(predictions, targets, lead_names, given_leads)
  given = {str(n).lower() for n in given_leads}
  fig, axes = plots.new_figure(1, 2, size=(10.0, 4.2))
  positions = np.arange(len(lead_names))
  for ax, key, label in ((axes[0, 0], "pearson_r", "Pearson r (per record, averaged)"),
                         (axes[0, 1], "rmse_mv", "RMSE (mV)")):
    heights = [np.nan if str(n).lower() in given else values[f"{key}/{n}"]
               for n in lead_names]
    ax.bar(positions, heights, color="#3b6ea5")
    for p, name in zip(positions, lead_names):
      if str(name).lower() in given:
        ax.text(p, 0.0, "input", rotation=90, ha="center", va="bottom", fontsize=7,
                color="grey")
    ax.axhline(values[f"{key}_mean"], color="k", linewidth=1.0,
               label="mean of the predicted leads")
    ax.axhline(values[f"{key}_mean_precordial"], color="k", linestyle="--",
               linewidth=1.0, label="mean of the predicted leads among V1-V6")
    ax.set_xticks(positions, lead_names)
    ax.set(ylabel=label, xlabel="lead",
           title=f"mean {values[f'{key}_mean']:.3f}, "
           f"V1-V6 {values[f'{key}_mean_precordial']:.3f}")
  plots.legend_below(fig, axes[0, 0], 2)
  axes[0, 0].set_ylim(min(0.0, np.nanmin([values[f"pearson_r/{n}"] for n in lead_names])),
                      1.0)
  fig.suptitle(f"Lead reconstruction, {len(targets)} test records")
  return fig


def figures(task_kind: str, predictions: np.ndarray, targets: np.ndarray, *,
            class_names: Sequence[str] = (), thresholds=None, target_units: str | None = None,
            contract=None, site_names: Sequence[str] | None = None) -> dict:
  """The figures of `write_figures`, by file stem (matplotlib `Figure`s)."""
  predictions, targets = np.asarray(predictions), np.asarray(targets)
  units = target_units if target_units is not None else (
      contract.target_units if contract is not None else "")
  if task_kind in CLASSIFICATION:
    scores = class_scores(predictions)
    out = {"roc": plots.roc_figure(targets, scores, class_names),
           "precision_recall": plots.pr_figure(targets, scores, class_names)}
    if task_kind == "multi_label":
      decided = decisions.multi_label_decisions(predictions, thresholds)
      out["label_confusion_matrices"] = plots.label_confusions_figure(
          plots.label_confusions(targets, decided), class_names)
    else:
      decided = decisions.decide(predictions, thresholds)
      out["confusion_matrix"] = plots.confusion_figure(
          metrics.confusion_matrix(targets.astype(np.int64), decided, len(class_names)),
          class_names)
    return out
  if task_kind == "lead_reconstruction":
    lead_names = contract.lead_names if contract is not None else leads_lib.STANDARD_12
    given = ()
    if contract is not None and contract.features.get("zero_missing"):
      given = tuple(contract.features.get("input_leads", ()))
    return {"reconstruction_per_lead": reconstruction_figure(predictions, targets,
                                                             lead_names, given)}
  if predictions.ndim == 1 or predictions.size == len(predictions):
    return agreement_figures(predictions, targets, units)
  if predictions.ndim == 2:
    return {"site_error": site_error_figure(predictions, targets, units, site_names)}
  if predictions.ndim == 3:
    rate = contract.sampling_rate_hz if contract is not None else None
    return site_trace_figures(predictions, targets, units, rate, site_names)
  raise ValueError(f"task {task_kind!r}: no figures for predictions of shape "
                   f"{predictions.shape}")


def write_figures(out_dir, task_kind: str, predictions: np.ndarray, targets: np.ndarray, *,
                  class_names: Sequence[str] = (), thresholds=None,
                  target_units: str | None = None, contract=None,
                  site_names: Sequence[str] | None = None) -> list[pathlib.Path]:
  """Draws the task's figures of test predictions into `out_dir` as PNGs.

  Args:
    out_dir: the folder to write into (created).
    task_kind: `config.task.name` ('binary', 'multi_class', 'multi_label',
      'scalar_regression', 'dense_regression', 'lead_reconstruction',
      'regression'); regression figures follow the predictions' shape:
      (N,) values, (N, S) per site, (N, T, S) traces per site.
    predictions: the task's outputs: probabilities (N,) or (N, K), or
      values in `target_units`.
    targets: (N,) int classes or (N, K) multi-hot (multi-label), or values
      shaped like `predictions`.
    class_names: K class names of a classifier.
    thresholds: the task's fitted decision thresholds (None: 0.5, argmax).
    target_units: unit of regression values, for the axes; default the
      contract's `target_units`.
    contract: the run's `InputContract`: sampling rate (trace time axes),
      lead names and the leads given to a reconstruction model.
    site_names: S names of the sites of per-site targets (default 'site s').

  Returns:
    The paths written, in drawing order.
  """
  out_dir = pathlib.Path(out_dir)
  drawn = figures(task_kind, predictions, targets, class_names=class_names,
                  thresholds=thresholds, target_units=target_units, contract=contract,
                  site_names=site_names)
  return [plots.save(fig, out_dir / f"{name}.png") for name, fig in drawn.items()]
