"""`explain_run` end to end, record selection and the lead-importance table."""

import dataclasses
import json

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

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
