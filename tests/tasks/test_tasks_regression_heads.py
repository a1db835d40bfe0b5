"""The one regression head: scalar (age), dense and lead-reconstruction uses."""

import tracemalloc

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from cardiojax import tasks
from cardiojax.evaluate import metrics
from cardiojax.signal import leads
from cardiojax.tasks import regression

Regression = regression.Regression


def test_inverse_frequency_weights_from_training_targets():
  train = np.array([20.0, 21, 22, 23, 24, 25, 26, 27, 80])  # One old patient.
  task = Regression.scalar(weighting="inverse_frequency", num_bins=2).fit(train)
  # Bins [20, 50) with 8 ages and [50, 80] with 1: weights 9/(2*8), 9/(2*1).
  np.testing.assert_allclose(task.bin_edges, [20, 50, 80])
  np.testing.assert_allclose(task.bin_weights, [9 / 16, 9 / 2])
  weights = task.example_weights(jnp.asarray(train))
  assert float(jnp.mean(weights)) == pytest.approx(1.0)
  # Ages outside the training range fall in the outer bins.
  np.testing.assert_allclose(task.example_weights(jnp.array([5.0, 99.0])),
                             [9 / 16, 9 / 2])
  # Predicted ages 22 and 70 for 20 and 80 (errors 2 and 10 years).
  scale = train.std()
  outputs = (jnp.array([[22.0], [70.0], [0.0]]) - train.mean()) / scale
  targets = jnp.array([20.0, 80.0, 50.0])
  mask = jnp.array([1.0, 1.0, 0.0])
  assert task.loss(outputs, targets, mask) == pytest.approx(
      (9 / 16 * 4 + 9 / 2 * 100) / scale**2 / 2, rel=1e-5)
  with pytest.raises(ValueError, match="fit"):
    Regression.scalar(weighting="inverse_frequency").loss(outputs, targets, mask)
  with pytest.raises(ValueError, match="one target value per example"):
    Regression(weighting="inverse_frequency").fit(np.zeros((4, 3)))


def test_targets_standardised_on_training_targets():
  train = np.array([30.0, 50.0, 70.0])
  unfitted = Regression.scalar()
  targets = jnp.array([20.0, 80.0])
  assert unfitted.loss(jnp.array([[22.0], [70.0]]), targets,
                       jnp.ones(2)) == pytest.approx(52.0)
  task = unfitted.fit(train)
  std = np.sqrt(800 / 3)
  assert (task.target_offset, task.target_scale) == pytest.approx((50.0, std))
  # Outputs are standardised ages: 0 is the training mean, 1 one std above.
  np.testing.assert_allclose(task.predict(jnp.array([[0.0], [1.0]])),
                             [50.0, 50.0 + std], rtol=1e-6)
  assert task.loss(jnp.zeros((2, 1)), targets, jnp.ones(2)) == pytest.approx(
      (30**2 + 30**2) / std**2 / 2, rel=1e-6)
  huber = Regression.scalar(loss_name="huber").fit(train)
  assert huber.loss(jnp.zeros((2, 1)), targets, jnp.ones(2)) == pytest.approx(
      30 / std - 0.5, rel=1e-6)  # |error| of 1.84 std: linear part.
  constant = unfitted.fit(np.full(4, 40.0))
  assert (constant.target_offset, constant.target_scale) == (40.0, 1.0)
  # Without standardisation `fit` leaves the raw units.
  raw = Regression(standardize=False).fit(train)
  assert (raw.target_offset, raw.target_scale) == (0.0, 1.0)
  assert not raw.needs_fit and task.needs_fit


def test_scalar_metrics_and_baseline():
  rng = np.random.default_rng(0)
  targets = rng.uniform(20, 90, 30)
  predictions = targets + rng.normal(0, 5, 30)
  task = tasks.make_task({"name": "scalar_regression", "loss_name": "huber",
                          "unit": "years"})
  results = task.metrics(predictions, targets)
  assert list(results) == ["mae", "rmse", "pearson_r", "bias"]
  assert results["mae"] == pytest.approx(np.mean(np.abs(predictions - targets)))
  assert results["pearson_r"] == pytest.approx(
      stats.pearsonr(predictions, targets)[0])
  assert results["bias"] == pytest.approx(np.mean(predictions - targets))
  baseline = task.naive_predictions(np.array([30.0, 50.0]), 4)
  np.testing.assert_allclose(baseline, [40.0] * 4)
  np.testing.assert_allclose(task.predict(jnp.ones((3, 1))), [1, 1, 1])


def test_dense_metrics_loss_and_standardisation():
  rng = np.random.default_rng(3)
  train = rng.normal(40.0, 10.0, (20, 6))
  task = tasks.make_task({"name": "dense_regression", "loss_name": "mse",
                          "unit": "ms"}).fit(train)
  assert (task.target_offset, task.target_scale) == pytest.approx(
      (train.mean(), train.std()))
  targets = rng.normal(40.0, 10.0, (8, 6))
  predictions = targets + rng.normal(0, 2, (8, 6))
  results = task.metrics(predictions, targets)
  assert list(results) == ["mse", "rmse", "mae", "pearson_r"]
  error = predictions - targets
  assert results["mse"] == pytest.approx(np.mean(error**2))
  assert results["rmse"] == pytest.approx(np.sqrt(np.mean(error**2)))
  assert results["mae"] == pytest.approx(np.mean(np.abs(error)))
  r = [stats.pearsonr(predictions[:, k], targets[:, k])[0] for k in range(6)]
  assert results["pearson_r"] == pytest.approx(np.mean(r))
  # Vm traces (B, T, sites): r per (time, site) element across examples.
  traces = rng.normal(size=(10, 3, 2))
  noisy = traces + rng.normal(0, 0.5, traces.shape)
  r = [stats.pearsonr(noisy[:, t, s], traces[:, t, s])[0]
       for t in range(3) for s in range(2)]
  assert task.metrics(noisy, traces)["pearson_r"] == pytest.approx(np.mean(r))
  # Loss in standardised units, on the outputs' own shape.
  outputs = (jnp.asarray(predictions, jnp.float32) - task.target_offset) / (
      task.target_scale)
  loss = jax.jit(task.loss)(outputs, jnp.asarray(targets, jnp.float32),
                            jnp.ones(8))
  assert loss == pytest.approx(np.mean(error**2) / train.std()**2, rel=1e-4)
  np.testing.assert_allclose(task.predict(outputs), predictions, rtol=1e-5)
  baseline = task.naive_predictions(train, 3)
  np.testing.assert_allclose(baseline, np.tile(train.mean(axis=0), (3, 1)),
                             rtol=1e-6)


def test_lead_reconstruction_loss_on_missing_leads_only():
  inputs = ("I", "II", "V2")
  task = tasks.make_task({"name": "lead_reconstruction", "input_leads": inputs})
  assert isinstance(task, Regression)
  assert task.output_names == leads.STANDARD_12 and not task.standardize
  assert len(task.missing_outputs) == 9 and "V2" not in task.missing_outputs
  targets = jnp.zeros((2, 5, 12))
  outputs = jnp.zeros((2, 5, 12)).at[:, :, leads.lead_indices(inputs)].set(7.0)
  assert task.loss(outputs, targets, jnp.ones(2)) == 0.0
  every = Regression.lead_reconstruction(input_leads=inputs, loss_on="all")
  assert every.loss(outputs, targets, jnp.ones(2)) == pytest.approx(
      49.0 * 3 / 12)
  missing_error = jnp.zeros((2, 5, 12)).at[1, :, 6].set(2.0)  # V1, example 1.
  assert task.loss(missing_error, targets, jnp.array([1.0, 0.0])) == 0.0
  assert task.loss(missing_error, targets, jnp.ones(2)) == pytest.approx(
      4.0 / 9 / 2)
  with pytest.raises(ValueError, match="unknown lead"):
    Regression.lead_reconstruction(input_leads=("V7",))
  with pytest.raises(ValueError, match="nothing"):
    Regression.lead_reconstruction(input_leads=leads.STANDARD_12)
  with pytest.raises(ValueError, match="given_outputs"):
    Regression(output_names=("a", "b"), given_outputs=("c",))
  with pytest.raises(ValueError, match="loss_on"):
    Regression(loss_on="missing")


def test_lead_reconstruction_metrics_per_lead():
  rng = np.random.default_rng(1)
  targets = rng.normal(size=(4, 50, 12))
  predictions = targets + 0.5 * rng.normal(size=(4, 50, 12))
  task = Regression.lead_reconstruction(input_leads=("I", "II"))
  results = task.metrics(predictions, targets)
  assert list(results)[:3] == ["mae", "rmse", "pearson_r"]
  assert len(results) == 3 + 3 * 12
  v3 = leads.STANDARD_12.index("V3")
  error = predictions[..., v3] - targets[..., v3]
  assert results["mae/V3"] == pytest.approx(np.mean(np.abs(error)))
  assert results["rmse/V3"] == pytest.approx(np.sqrt(np.mean(error**2)))
  r = [stats.pearsonr(predictions[i, :, v3], targets[i, :, v3])[0]
       for i in range(4)]
  assert results["pearson_r/V3"] == pytest.approx(np.mean(r))
  missing = [leads.STANDARD_12.index(n) for n in task.missing_outputs]
  assert results["mae"] == pytest.approx(
      np.mean(np.abs(predictions - targets)[..., missing]))
  baseline = task.naive_predictions(targets, 3)
  assert baseline.shape == (3, 50, 12)
  np.testing.assert_allclose(baseline[0], targets.mean(axis=0), rtol=1e-6)


def test_regression_names_build_one_head_with_their_defaults():
  for name in ("regression", "dense_regression", "scalar_regression",
               "lead_reconstruction"):
    task = tasks.make_task({"name": name, "loss_name": "huber"})
    assert type(task) is Regression and task.loss_name == "huber"
    hash(task)  # Static under jit.
  with pytest.raises(ValueError, match="loss_name"):
    Regression(loss_name="hinge")
  with pytest.raises(ValueError, match="summary_metrics"):
    Regression(summary_metrics=("r2",))
  with pytest.raises(ValueError, match="config.eval.metrics"):
    tasks.make_task({"name": "scalar_regression"}, metric_names=("aami",))


def test_dense_metrics_and_baseline_of_traces_stay_chunk_sized(monkeypatch):
  monkeypatch.setattr(metrics, "CHUNK_ELEMENTS", 1 << 14)
  rng = np.random.default_rng(10)
  targets = rng.normal(-40.0, 30.0, (120, 250, 20)).astype(np.float32)  # 2.4 MB
  predictions = (targets + rng.normal(0, 5, targets.shape)).astype(np.float32)
  task = regression.Regression.dense(unit="mV")
  tracemalloc.start()
  results = task.metrics(predictions, targets)
  naive = task.naive_predictions(targets, 4)
  _, peak = tracemalloc.get_traced_memory()
  tracemalloc.stop()
  # A float64 copy of one input alone would be 2x its bytes.
  assert peak < 0.5 * targets.nbytes, (peak, targets.nbytes)
  error = predictions.astype(np.float64) - targets
  assert results["mse"] == pytest.approx(np.mean(error**2), rel=1e-9)
  assert results["mae"] == pytest.approx(np.mean(np.abs(error)), rel=1e-9)
  assert results["pearson_r"] == pytest.approx(np.mean(
      [stats.pearsonr(predictions[:, t, s], targets[:, t, s])[0]
       for t in (0, 125, 249) for s in range(20)]), abs=0.02)
  np.testing.assert_allclose(naive[3], targets.astype(np.float64).mean(axis=0),
                             rtol=1e-5, atol=1e-4)
