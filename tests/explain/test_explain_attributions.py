"""Attribution methods: exact values on a linear model, completeness, target choice."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cardiojax.explain import attributions

B, T, C, K = 3, 64, 4, 5


def linear_model(variables, x):
  """outputs[b, k] = sum_{t, c} w[t, c, k] x[b, t, c]; no intermediates."""
  return jnp.einsum("btc,tck->bk", x, variables["w"]), {}


class SmallCNN(nn.Module):
  """A nonlinear model: conv, ReLU, pool, dense."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    h = nn.relu(nn.Conv(6, (5,))(x))
    h = nn.tanh(nn.Conv(6, (3,), strides=(2,))(h))
    return nn.Dense(K)(h.reshape(h.shape[0], -1)), {"conv": h}


@pytest.fixture(scope="module")
def linear():
  rng = np.random.default_rng(0)
  w = rng.standard_normal((T, C, K)).astype(np.float32)
  x = rng.standard_normal((B, T, C)).astype(np.float32)
  return {"w": jnp.asarray(w)}, jnp.asarray(x)


@pytest.fixture(scope="module")
def cnn():
  model = SmallCNN()
  x = jax.random.normal(jax.random.key(1), (B, T, C))
  return model, model.init(jax.random.key(0), x, train=False), x


def test_gradient_methods_are_exact_on_a_linear_model(linear):
  variables, x = linear
  w = np.asarray(variables["w"][..., 2])
  np.testing.assert_allclose(attributions.gradient(linear_model, variables, x, 2),
                             np.broadcast_to(w, x.shape), rtol=1e-5)
  np.testing.assert_allclose(attributions.gradient_x_input(linear_model, variables, x, 2),
                             w * x, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(
      attributions.integrated_gradients(linear_model, variables, x, 2, num_steps=4),
      w * x, rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(
      attributions.smoothgrad(linear_model, variables, x, 2, rng=jax.random.key(0),
                              num_samples=4),
      np.broadcast_to(w, x.shape), rtol=1e-5)


def test_occlusion_is_exact_on_a_linear_model(linear):
  variables, x = linear
  contribution = np.asarray(variables["w"][..., 2]) * np.asarray(x)  # (B, T, C)
  attr = np.asarray(attributions.occlusion(linear_model, variables, x, 2, window=16))
  expected = np.repeat(contribution.reshape(B, T // 16, 16, C).sum(2), 16, axis=1)
  np.testing.assert_allclose(attr, expected, rtol=1e-4, atol=1e-4)
  # Overlapping windows: a sample's value is the mean over the windows covering it.
  attr = np.asarray(attributions.occlusion(linear_model, variables, x, 2, window=16, stride=8))
  np.testing.assert_allclose(attr[:, :8], expected[:, :8], rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(
      attr[:, 8:16], (expected[:, :8] + np.repeat(contribution[:, 8:24].sum(1, keepdims=True),
                                                  8, axis=1)) / 2, rtol=1e-4, atol=1e-4)
  all_leads = np.asarray(attributions.occlusion(linear_model, variables, x, 2, window=16,
                                                per_lead=False))
  np.testing.assert_allclose(all_leads, np.broadcast_to(expected.sum(2, keepdims=True), x.shape),
                             rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(attributions.lead_occlusion(linear_model, variables, x, 2),
                             contribution.sum(1), rtol=1e-4, atol=1e-4)


def test_window_not_dividing_the_length_covers_every_sample(linear):
  variables, x = linear
  attr = attributions.occlusion(linear_model, variables, x, 0, window=20, stride=20)
  assert attr.shape == x.shape and np.all(np.isfinite(attr))


def test_target_choices_agree(cnn):
  model, variables, x = cnn
  by_int = attributions.gradient(model, variables, x, 3)
  by_fn = attributions.gradient(model, variables, x, lambda out: out[:, 3])
  by_array = attributions.gradient(model, variables, x, np.array([3, 3, 3]))
  np.testing.assert_allclose(by_fn, by_int, rtol=1e-5, atol=1e-7)
  np.testing.assert_allclose(by_array, by_int, rtol=1e-5, atol=1e-7)
  mixed = attributions.gradient(model, variables, x, np.array([0, 3, 1]))
  np.testing.assert_allclose(mixed[1], by_int[1], rtol=1e-5, atol=1e-7)
  assert not np.allclose(mixed[0], by_int[0])
  with pytest.raises(ValueError, match="target"):
    attributions.gradient(model, variables, x)


def test_sequence_outputs_sum_the_site_over_time():
  def seq_model(variables, x):
    return x * variables["scale"], {}
  x = jnp.ones((2, 8, 3))
  grad = attributions.gradient(seq_model, {"scale": jnp.array([1.0, 2.0, 3.0])}, x, 1)
  np.testing.assert_allclose(grad, np.broadcast_to([0.0, 2.0, 0.0], x.shape))


@pytest.mark.parametrize("baseline", ["zeros", "mean"])
def test_integrated_gradients_completeness(cnn, baseline):
  model, variables, x = cnn
  base = None if baseline == "zeros" else attributions.mean_baseline(
      np.asarray(jax.random.normal(jax.random.key(2), (16, T, C))))
  attr = attributions.integrated_gradients(model, variables, x, 1, baseline=base,
                                           num_steps=128, steps_per_batch=43)
  f_x = attributions.target_values(model, variables, x, 1)
  f_base = attributions.target_values(
      model, variables, jnp.zeros_like(x) if base is None else jnp.broadcast_to(base, x.shape), 1)
  gap = np.abs(np.asarray(attr.sum((1, 2)) - (f_x - f_base)))
  relative = gap / np.abs(np.asarray(f_x - f_base))
  print(f"IG completeness ({baseline}): max relative error {relative.max():.2e}")
  assert relative.max() < 0.01


def test_all_methods_keep_the_input_shape(cnn):
  model, variables, x = cnn
  for attr in [attributions.gradient(model, variables, x, 0),
               attributions.gradient_x_input(model, variables, x, 0),
               attributions.smoothgrad(model, variables, x, 0, rng=jax.random.key(0),
                                       num_samples=3, multiply_by_input=True),
               attributions.integrated_gradients(model, variables, x, 0, num_steps=8),
               attributions.occlusion(model, variables, x, 0, window=8, stride=4)]:
    assert attr.shape == x.shape and attr.dtype == jnp.float32
  assert attributions.lead_occlusion(model, variables, x, 0).shape == (B, C)
