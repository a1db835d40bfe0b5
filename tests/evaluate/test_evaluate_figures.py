"""The figures of every task kind, on simulated predictions with known numbers."""

import numpy as np
import pytest
from scipy import stats

from cardiojax.evaluate import figures
from cardiojax.evaluate import metrics
from cardiojax.input import contract as contract_lib
from cardiojax.signal import leads

_PNG = b"\x89PNG\r\n\x1a\n"
N = 120


def _panels(fig) -> list:
  """The axes that hold data (colour bars left out)."""
  return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]


def _record_contract(**fields):
  base = dict(corpus="intracardiac", preparation="record", sampling_rate_hz=1000.0,
              window_samples=500, lead_names=leads.STANDARD_12, input_shape=(500, 12),
              units="mV", input_units="standardised mV", normalizer=None,
              window_policy={"kind": "sliding", "align": "start"},
              features={"input_leads": leads.STANDARD_12, "zero_missing": False})
  return contract_lib.InputContract(**{**base, **fields})


def test_classification_figures_keep_legends_off_the_curves(tmp_path):
  rng = np.random.default_rng(0)
  names = ("CD", "HYP", "MI", "NORM", "STTC")
  targets = (rng.random((N, 5)) < 0.3).astype(np.float32)
  scores = np.clip(0.3 * targets + 0.6 * rng.random((N, 5)), 0, 1)
  drawn = figures.figures("multi_label", scores, targets, class_names=names,
                          thresholds=(0.5, 0.4, 0.5, 0.6, 0.5))
  assert list(drawn) == ["roc", "precision_recall", "label_confusion_matrices"]
  for key in ("roc", "precision_recall"):
    fig = drawn[key]
    (ax,) = _panels(fig)
    assert ax.get_legend() is None and len(fig.legends) == 1  # below the axes
    assert len(fig.legends[0].get_texts()) == 5
    assert ax.get_xlabel() and ax.get_ylabel()
  grid = drawn["label_confusion_matrices"]
  panels = _panels(grid)
  assert [ax.get_title() for ax in panels] == list(names)
  # The 2 x 2 counts of HYP at its threshold 0.4, as written in its panel.
  decided = scores[:, 1] >= 0.4
  expected = metrics.confusion_matrix(targets[:, 1].astype(int), decided.astype(int), 2)
  written = sorted(int(t.get_text()) for t in panels[1].texts)
  assert written == sorted(expected.ravel().tolist())

  labels = rng.integers(0, 2, N)
  probs = np.clip(0.4 * labels + 0.5 * rng.random(N), 0, 1)
  paths = figures.write_figures(tmp_path, "binary", probs, labels,
                                class_names=("normal", "abnormal"), thresholds=(0.45,))
  assert [p.name for p in paths] == ["roc.png", "precision_recall.png", "confusion_matrix.png"]
  assert all(p.read_bytes()[:8] == _PNG for p in paths)
  confusion = figures.figures("binary", probs, labels, class_names=("normal", "abnormal"),
                              thresholds=(0.45,))["confusion_matrix"]
  counts = metrics.confusion_matrix(labels, (probs >= 0.45).astype(int), 2)
  assert [int(t.get_text()) for t in _panels(confusion)[0].texts] == counts.ravel().tolist()


def test_age_scatter_and_bland_altman_limits(tmp_path):
  rng = np.random.default_rng(1)
  age = rng.uniform(18, 90, N)
  predicted = age + 3.0 + 7.0 * rng.standard_normal(N)
  difference = predicted - age
  bias, sd = difference.mean(), np.sqrt(np.sum((difference - difference.mean()) ** 2) / (N - 1))
  limits = figures.bland_altman(predicted, age)
  assert limits["bias"] == pytest.approx(bias, abs=1e-12)
  assert limits["lower"] == pytest.approx(bias - 1.96 * sd, abs=1e-12)
  assert limits["upper"] == pytest.approx(bias + 1.96 * sd, abs=1e-12)
  drawn = figures.figures("scalar_regression", predicted, age, target_units="years")
  assert list(drawn) == ["predicted_vs_true", "bland_altman"]
  assert [len(_panels(fig)) for fig in drawn.values()] == [1, 1]
  (scatter,) = _panels(drawn["predicted_vs_true"])
  assert scatter.get_xlabel() == "true (years)" and scatter.get_ylabel() == "predicted (years)"
  identity = scatter.get_lines()[0].get_xydata()
  np.testing.assert_allclose(identity[:, 0], identity[:, 1])
  (ax,) = _panels(drawn["bland_altman"])
  assert ax.get_ylabel() == "predicted - true (years)"
  drawn_levels = sorted(line.get_ydata()[0] for line in ax.get_lines())
  np.testing.assert_allclose(drawn_levels, sorted([bias - 1.96 * sd, 0.0, bias,
                                                   bias + 1.96 * sd]), atol=1e-9)
  paths = figures.write_figures(tmp_path, "scalar_regression", predicted, age,
                                target_units="years")
  assert [p.name for p in paths] == ["predicted_vs_true.png", "bland_altman.png"]


def test_activation_time_error_per_site():
  rng = np.random.default_rng(2)
  true = rng.uniform(0, 120, (N, 75))
  predicted = true + rng.normal(0, 1 + np.arange(75) / 10, (N, 75))
  (fig,) = figures.figures("dense_regression", predicted, true,
                           contract=_record_contract(target_units="ms")).values()
  top, bottom = _panels(fig)
  assert top.get_ylabel() == "MAE (ms)" and bottom.get_ylabel() == "predicted - true (ms)"
  heights = [bar.get_height() for bar in top.patches]
  np.testing.assert_allclose(heights, np.abs(predicted - true).mean(axis=0))


def test_vm_traces_of_best_median_and_worst_site():
  rng = np.random.default_rng(3)
  time = np.arange(500) / 1000.0
  onset = rng.uniform(0.01, 0.1, (20, 1, 75))
  true = np.where((time[None, :, None] > onset) & (time[None, :, None] < onset + 0.25),
                  25.0, -85.0)
  noise = (0.5 + np.arange(75) / 20.0)[None, None, :]
  predicted = true + noise * rng.standard_normal(true.shape)
  names = [f"LV{k}" for k in range(75)]
  drawn = figures.figures("dense_regression", predicted, true, site_names=names,
                          contract=_record_contract(target_units="mV"))
  assert list(drawn) == ["site_traces", "site_mae"]
  traces = _panels(drawn["site_traces"])
  assert len(traces) == 3 and len(_panels(drawn["site_mae"])) == 1
  site_mae = np.abs(predicted - true).mean(axis=(0, 1))
  order = np.argsort(site_mae, kind="stable")
  for ax, which, site in zip(traces, ("best", "median", "worst"),
                             (order[0], order[37], order[74])):
    assert ax.get_title().startswith(f"{which} site: {names[site]} ")
    true_line, predicted_line = ax.get_lines()
    example = int(ax.get_title().split("test example ")[1].split(",")[0])
    np.testing.assert_allclose(true_line.get_ydata(), true[example, :, site])
    np.testing.assert_allclose(predicted_line.get_ydata(), predicted[example, :, site])
    np.testing.assert_allclose(true_line.get_xdata(), time * 1000)  # ms
  assert traces[-1].get_xlabel() == "time (ms)" and traces[0].get_ylabel() == "value (mV)"


def test_reconstruction_metrics_and_figure(tmp_path):
  rng = np.random.default_rng(4)
  true = np.cumsum(rng.standard_normal((8, 250, 12)), axis=1) * 0.05
  predicted = true + rng.normal(0, 0.02 + 0.01 * np.arange(12), true.shape)
  predicted[3, :, 8] = 0.0  # a flat reconstruction: no r for that record and lead (V3)
  values = figures.reconstruction_metrics(predicted, true, leads.STANDARD_12,
                                          given_leads=("I", "II", "V2"))
  for c, name in enumerate(leads.STANDARD_12):
    rs = [stats.pearsonr(predicted[n, :, c], true[n, :, c])[0] for n in range(8)
          if np.ptp(predicted[n, :, c]) > 0]
    assert values[f"pearson_r/{name}"] == pytest.approx(np.mean(rs), abs=1e-10)
    rmse = np.sqrt(np.mean((predicted[..., c] - true[..., c]) ** 2))
    assert values[f"rmse_mv/{name}"] == pytest.approx(rmse, abs=1e-12)
  missing = [n for n in leads.STANDARD_12 if n not in ("I", "II", "V2")]
  precordial = ["V1", "V3", "V4", "V5", "V6"]
  for key in ("pearson_r", "rmse_mv"):
    assert values[f"{key}_mean"] == pytest.approx(
        np.mean([values[f"{key}/{n}"] for n in missing]))
    assert values[f"{key}_mean_precordial"] == pytest.approx(
        np.mean([values[f"{key}/{n}"] for n in precordial]))
  contract = _record_contract(
      corpus="ptbxl", sampling_rate_hz=100.0, target_units="mV",
      features={"input_leads": ("I", "II", "V2"), "zero_missing": True})
  (fig,) = figures.figures("lead_reconstruction", predicted, true,
                           contract=contract).values()
  r_axis, rmse_axis = _panels(fig)
  assert rmse_axis.get_ylabel() == "RMSE (mV)"
  heights = np.array([bar.get_height() for bar in rmse_axis.patches])
  expected = [np.nan if n in ("I", "II", "V2") else values[f"rmse_mv/{n}"]
              for n in leads.STANDARD_12]
  np.testing.assert_allclose(heights, expected)
  levels = sorted(line.get_ydata()[0] for line in r_axis.get_lines())
  np.testing.assert_allclose(levels, sorted([values["pearson_r_mean"],
                                             values["pearson_r_mean_precordial"]]))
  (path,) = figures.write_figures(tmp_path, "lead_reconstruction", predicted, true,
                                  contract=contract)
  assert path.name == "reconstruction_per_lead.png" and path.read_bytes()[:8] == _PNG
  with pytest.raises(ValueError, match="12"):
    figures.reconstruction_metrics(predicted[..., :3], true[..., :3], leads.STANDARD_12)
