"""`explain_run` end to end, record selection and the lead-importance table."""

import dataclasses
import json

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics

from cardiojax.explain import attributions
from cardiojax.explain import lead_importance
from cardiojax.explain import run

T, C, V5 = 200, 12, 10


class V5Only(nn.Module):
  """Looks at lead V5 alone: conv, ReLU, mean pooling, dense."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    h = nn.relu(nn.Conv(4, (5,))(x[..., V5:V5 + 1]))
    return nn.Dense(2)(h.mean(axis=1)), {"conv": h, "pre_logits": h.mean(axis=1)}


@dataclasses.dataclass(frozen=True)
class SoftmaxTask:
  """The part of a classification task that explain_run uses."""

  def predict(self, outputs):
    return jax.nn.softmax(outputs)


@pytest.fixture(scope="module")
def setup():
  rng = np.random.default_rng(0)
  inputs = rng.standard_normal((12, T, C)).astype(np.float32)
  source = [{"inputs": x, "targets": np.int64(i % 2)} for i, x in enumerate(inputs)]
  model = V5Only()
  variables = model.init(jax.random.key(0), jnp.asarray(inputs[:1]), train=False)
  return model, variables, source


def test_explain_run_writes_arrays_plots_and_table(setup, tmp_path):
  model, variables, source = setup
  summary = run.explain_run(model, variables, SoftmaxTask(), source, tmp_path, sample_rate=100,
                            num_confident=1, num_misclassified=1, ig_steps=8,
                            smoothgrad_samples=4, batch_size=8)
  assert summary["gradcam_feature"] == "conv"
  reasons = [r["reason"] for r in summary["records"]]
  assert reasons == ["most confident", "misclassified"]
  for record in summary["records"]:
    stem = tmp_path / "records" / f"{record['index']:05d}"
    arrays = np.load(stem.with_suffix(".npz"))
    for name in ("gradient", "gradient_x_input", "smoothgrad", "integrated_gradients",
                 "occlusion"):
      assert arrays[name].shape == (T, C), name
      other_leads = arrays[name][:, np.arange(C) != V5]  # Only V5 is read.
      np.testing.assert_allclose(other_leads, 0.0, atol=1e-6, err_msg=name)
      assert (stem.parent / f"{stem.name}_{name}.png").stat().st_size > 10_000
    assert arrays["grad_cam"].shape == (T,)
    assert int(arrays["explained_class"]) == record["explained_class"]
  assert json.loads((tmp_path / "selection.json").read_text()) == summary["records"]
  table = json.loads((tmp_path / "lead_importance.json").read_text())
  assert table["metric"] == "accuracy"
  top = table["leads"][0]
  assert top["lead"] == "V5" and top["mass"] == pytest.approx(1.0) and top["mass_rank"] == 1
  assert all(row["drop"] == 0 for row in table["leads"][1:])
  assert "| V5 | 1.000 | 1 |" in (tmp_path / "lead_importance.md").read_text()
  assert (tmp_path / "lead_importance.png").stat().st_size > 5_000


def test_explain_run_on_requested_records(setup, tmp_path):
  model, variables, source = setup
  summary = run.explain_run(model, variables, SoftmaxTask(), source, tmp_path, sample_rate=100,
                            records=[3], lead_names=[f"L{c}" for c in range(C)], ig_steps=4,
                            smoothgrad_samples=2, importance_indices=[0, 1, 2],
                            gradcam_feature="conv")
  assert summary["records"] == [{"index": 3, "reason": "requested",
                                 "explained_class": summary["records"][0]["explained_class"]}]
  assert summary["lead_importance"][0]["lead"] == "L10"


def test_select_records_and_correctness():
  predictions = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.7, 0.3]])
  targets = np.array([0, 1, 1, 0, 0])
  chosen = run.select_records(predictions, targets, num_confident=2, num_misclassified=5)
  assert chosen == [(0, "most confident"), (1, "most confident"), (3, "misclassified"),
                    (2, "misclassified")]
  multi_hot = np.array([[1, 0], [1, 1]])
  np.testing.assert_array_equal(run.correct(np.array([[0.9, 0.2], [0.9, 0.1]]), multi_hot),
                                [True, False])
  assert run.accuracy(predictions, targets) == pytest.approx(0.6)


def test_attribution_mass_rows_sum_to_one():
  attrs = np.zeros((2, 5, 3))
  attrs[0, :, 1] = -2.0
  attrs[1, 0] = [1.0, 1.0, 2.0]
  np.testing.assert_allclose(lead_importance.attribution_mass(attrs),
                             [[0, 1, 0], [0.25, 0.25, 0.5]])


class V5Logit(nn.Module):
  """A single-output binary model (one logit) that looks at lead V5 alone."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    h = nn.relu(nn.Conv(4, (5,))(x[..., V5:V5 + 1]))
    return nn.Dense(1)(h.mean(axis=1)), {"conv": h}


@dataclasses.dataclass(frozen=True)
class SigmoidTask:
  """A single-output binary task: (B,) probabilities of the positive class."""
  thresholds: tuple = (0.5,)
  class_names: tuple = ("normal", "abnormal")

  def predict(self, outputs):
    return jax.nn.sigmoid(outputs[:, 0])


def test_single_output_binary_explains_the_decided_class_with_its_sign(setup, tmp_path):
  _, _, source = setup
  model = V5Logit()
  x = np.stack([e["inputs"] for e in source])
  variables = model.init(jax.random.key(3), jnp.asarray(x[:1]), train=False)
  logits = np.asarray(model.apply(variables, x, train=False)[0][:, 0])
  task = SigmoidTask(thresholds=(float(np.median(jax.nn.sigmoid(logits))),))
  decided = (np.asarray(jax.nn.sigmoid(logits)) >= task.thresholds[0]).astype(int)
  records = [np.flatnonzero(decided)[0], np.flatnonzero(decided == 0)[0]]
  summary = run.explain_run(model, variables, task, source, tmp_path, sample_rate=100,
                            records=records, ig_steps=4, smoothgrad_samples=2)
  assert [r["explained_class"] for r in summary["records"]] == [1, 0]
  logit_gradient = np.asarray(attributions.gradient(model, variables, jnp.asarray(x)))
  for i, record in zip(records, summary["records"]):
    arrays = np.load(tmp_path / "records" / f"{i:05d}.npz")
    for name in run.METHOD_TITLES:
      assert np.all(np.isfinite(arrays[name])), name
    sign = 1.0 if record["explained_class"] else -1.0  # evidence for the class
    np.testing.assert_allclose(arrays["gradient"], sign * logit_gradient[i], rtol=1e-5,
                               atol=1e-7)
  assert summary["metric"] == "accuracy"
  assert summary["lead_importance"][0]["lead"] == "V5"


class PooledLeads(nn.Module):
  """Three label logits from every lead: conv, ReLU, mean pooling, dense."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    h = nn.relu(nn.Conv(6, (3,))(x))
    return nn.Dense(3)(jnp.concatenate([h.mean(axis=1), x.mean(axis=1)], -1)), {"conv": h}


@dataclasses.dataclass(frozen=True)
class MultiLabelTask:
  class_names: tuple = ("A", "B", "C")

  def predict(self, outputs):
    return jax.nn.sigmoid(outputs)


def test_multi_label_lead_importance_is_the_macro_auroc_drop(tmp_path):
  rng = np.random.default_rng(5)
  x = rng.standard_normal((40, 50, 4)).astype(np.float32)
  x[:, :, :3] += rng.standard_normal((40, 1, 3)).astype(np.float32)
  labels = (x[:, :, :3].mean(axis=1) + 0.5 * rng.standard_normal((40, 3)) > 0).astype(
      np.float32)
  source = [{"inputs": xi, "targets": yi} for xi, yi in zip(x, labels)]
  model = PooledLeads()
  variables = model.init(jax.random.key(0), jnp.asarray(x[:1]), train=False)
  summary = run.explain_run(model, variables, MultiLabelTask(), source, tmp_path,
                            sample_rate=50, records=[0], lead_names=("I", "II", "III", "V1"),
                            ig_steps=2, smoothgrad_samples=2)
  assert summary["metric"] == "macro AUROC"

  def macro_auroc(inputs):
    probs = np.asarray(jax.nn.sigmoid(model.apply(variables, inputs, train=False)[0]))
    return metrics.roc_auc_score(labels, probs, average="macro")

  base = macro_auroc(x)
  by_hand = {}
  for c, name in enumerate(("I", "II", "III", "V1")):
    flat = x.copy()
    flat[:, :, c] = 0.0
    by_hand[name] = base - macro_auroc(flat)
  drops = {row["lead"]: row["drop"] for row in summary["lead_importance"]}
  assert drops == pytest.approx(by_hand, abs=1e-6)
  assert len({round(d, 6) for d in drops.values()}) == 4  # no ties
  table = json.loads((tmp_path / "lead_importance.json").read_text())
  assert table["metric"] == "macro AUROC"
  assert "macro AUROC drop when flattened" in (tmp_path / "lead_importance.md").read_text()
  assert lead_importance.decision_agreement(
      np.array([[0.9, 0.2], [0.3, 0.6]]), np.array([[1, 0], [1, 1]])) == 0.75


class StemThenStages(nn.Module):
  """Intermediates named so that alphabetical order differs from model order
  ('stem' sorts after 'stage2'), as in XResNet."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    inter = {"stem": nn.Conv(3, (3,))(x)}
    inter["stage1"] = nn.Conv(3, (3,), strides=2)(inter["stem"])
    inter["stage2"] = nn.Conv(3, (3,), strides=2)(inter["stage1"])
    inter["pre_logits"] = inter["stage2"].mean(axis=1)
    return nn.Dense(2)(inter["pre_logits"]), inter


def test_default_gradcam_layer_is_the_models_last_feature_map():
  """Grad-CAM's default layer is the last (B, T', F) intermediate in the
  model's order, not in the sorted order of jax pytrees."""
  model = StemThenStages()
  x = jnp.zeros((1, 32, 2))
  variables = model.init(jax.random.key(0), x, train=False)
  assert run._last_sequence_feature(model, variables, x) == "stage2"
