"""results.json, results.md and the PNG figures are written and readable."""

import json

import numpy as np

from cardiojax.evaluate import bootstrap
from cardiojax.evaluate import plots
from cardiojax.evaluate import report
from cardiojax.tasks import classification

_PNG = b"\x89PNG\r\n\x1a\n"


def test_write_results(tmp_path):
  results = {
      "model": {"macro_auroc": (0.91, 0.88, 0.93), "accuracy": 0.85,
                "f1/AF": (0.7, 0.6, 0.8), "f1/Normal": (float("nan"),) * 3},
      "naive baseline": {"macro_auroc": 0.5, "accuracy": 0.6, "f1/AF": 0.0},
  }
  protocol = {"dataset": "toy", "split": "test", "thresholds": "validation"}
  json_path, md_path = report.write_results(
      tmp_path / "eval", results, protocol,
      confusion=np.array([[3, 1], [0, 2]]), class_names=["AF", "Normal"])
  document = json.loads(json_path.read_text())
  assert document["protocol"] == protocol
  assert document["results"]["model"]["macro_auroc"] == {
      "value": 0.91, "low": 0.88, "high": 0.93}
  assert document["results"]["naive baseline"]["accuracy"] == {"value": 0.6}
  assert document["results"]["model"]["f1/Normal"]["value"] is None
  assert document["confusion_matrix"]["counts"] == [[3, 1], [0, 2]]
  text = md_path.read_text()
  assert "- **thresholds**: validation" in text
  assert "| metric | model | naive baseline |" in text
  assert "| macro_auroc | 0.9100 [0.8800, 0.9300] | 0.5000 |" in text
  assert "## f1" in text and "| AF | 0.7000 [0.6000, 0.8000] | 0.0000 |" in text
  assert "| Normal | n/a | – |" in text
  assert "| AF | 3 | 1 |" in text


def test_plots_write_pngs(tmp_path):
  rng = np.random.default_rng(0)
  labels = rng.integers(0, 3, 40)
  scores = rng.dirichlet(np.ones(3), 40)
  names = ["N", "S", "V"]
  paths = [
      plots.plot_roc_curves(tmp_path / "roc.png", labels, scores, names),
      plots.plot_pr_curves(tmp_path / "pr.png", np.eye(3)[labels], scores,
                           names),
      plots.plot_confusion_matrix(tmp_path / "cm.png",
                                  np.array([[5, 1, 0], [2, 3, 1], [0, 0, 0]]),
                                  names),
  ]
  for path in paths:
    assert path.read_bytes()[:8] == _PNG


def test_validation_to_test_report_with_baseline(tmp_path):
  """The evaluation path: fit on train/validation, report test with CIs."""
  rng = np.random.default_rng(1)
  names = ("a", "b", "c")

  def split(n):
    targets = rng.integers(0, 2, (n, 3))
    return np.clip(0.4 * targets + 0.6 * rng.random((n, 3)), 0, 1), targets

  _, train_y = split(50)
  val_p, val_y = split(40)
  test_p, test_y = split(60)
  task = classification.MultiLabelClassification(
      class_names=names, pos_weight="balanced").fit(train_y)
  task = task.with_thresholds(val_p, val_y)
  model = bootstrap.bootstrap_ci(task.metrics, test_p, test_y, n_boot=20)
  naive = task.metrics(task.naive_predictions(train_y, len(test_y)), test_y)
  protocol = {"split": "test", "thresholds": "F1-max on validation",
              "confidence intervals": "bootstrap, 20 resamples, seed 0"}
  _, md_path = report.write_results(tmp_path, {"model": model,
                                               "naive baseline": naive},
                                    protocol)
  text = md_path.read_text()
  assert "| macro_auroc |" in text and "## auroc" in text
  assert "| 0.5000 |" in text  # The constant baseline's AUROC.
