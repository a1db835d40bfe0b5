"""Faithfulness and model-randomisation checks on a task with a known answer.

Simulated 4-lead signals of 128 samples: class 1 iff a burst is planted in lead
1 during samples [48, 80); both classes carry two identical distractor bursts at
random leads and times outside that window. A tiny CNN trained for 300 AdamW
steps (strong weight decay prunes the paths the task does not need) separates
the classes, so a faithful attribution puts its mass in the planted window of
lead 1 (1/16 of the input).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import stats

from cardiojax.explain import attributions
from cardiojax.explain import gradcam

LENGTH, LEADS, LEAD, START, WIDTH = 128, 4, 1, 48, 32


class TinyCNN(nn.Module):
  """Two convolutions, global average and max pooling concatenated, a dense layer."""
  num_outputs: int = 2

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    inter = {}
    x = nn.relu(nn.Conv(8, (9,))(x))
    inter["conv1"] = x
    x = nn.relu(nn.Conv(16, (9,))(x))
    inter["conv2"] = x
    x = jnp.concatenate([x.mean(axis=1), x.max(axis=1)], axis=-1)
    inter["pre_logits"] = x
    return nn.Dense(self.num_outputs)(x), inter


def _burst(period: float):
  t = np.arange(WIDTH)
  return np.sin(2 * np.pi * t / period) * np.exp(-0.5 * ((t - WIDTH / 2) / (WIDTH / 6)) ** 2)


def simulate(n: int, seed: int):
  """(n, 128, 4) noisy signals and (n,) labels; label 1 iff the planted burst is there."""
  rng = np.random.default_rng(seed)
  x = 0.1 * rng.standard_normal((n, LENGTH, LEADS))
  labels = rng.integers(0, 2, n)
  for i in range(n):
    if labels[i]:
      x[i, START:START + WIDTH, LEAD] += _burst(8)
    # Distractors outside the planted window and lead: the planted waveform in
    # another lead, and a slower burst anywhere in the planted lead.
    s = rng.integers(0, LENGTH - WIDTH + 1)
    x[i, s:s + WIDTH, rng.choice([c for c in range(LEADS) if c != LEAD])] += _burst(8)
    s = rng.choice([s for s in range(LENGTH - WIDTH + 1)
                    if s + WIDTH <= START or s >= START + WIDTH])
    x[i, s:s + WIDTH, LEAD] += _burst(16)
  return x.astype(np.float32), labels


@pytest.fixture(scope="module")
def trained():
  """(model, trained variables, random variables, positive test inputs)."""
  model = TinyCNN()
  x, y = simulate(512, seed=0)
  variables = model.init(jax.random.key(0), x[:1], train=False)
  tx = optax.adamw(3e-3, weight_decay=3.0)
  opt_state = tx.init(variables)

  @jax.jit
  def step(variables, opt_state, xb, yb):
    def loss_fn(v):
      logits, _ = model.apply(v, xb, train=True)
      return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
    loss, grads = jax.value_and_grad(loss_fn)(variables)
    updates, opt_state = tx.update(grads, opt_state, variables)
    return optax.apply_updates(variables, updates), opt_state, loss

  rng = np.random.default_rng(1)
  for _ in range(300):
    idx = rng.integers(0, len(x), 64)
    variables, opt_state, _ = step(variables, opt_state, x[idx], y[idx])
  x_test, y_test = simulate(128, seed=2)
  logits, _ = model.apply(variables, x_test, train=False)
  accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
  random_variables = model.init(jax.random.key(42), x[:1], train=False)
  return model, variables, random_variables, jnp.asarray(x_test[y_test == 1][:32]), accuracy


def _all_methods(model, variables, x):
  """Every attribution (B, T, C) of class 1; Grad-CAM (B, T) broadcast over leads."""
  cam = gradcam.grad_cam(model, variables, x, 1, feature="conv2")
  return {
      "gradient": attributions.gradient(model, variables, x, 1),
      "gradient_x_input": attributions.gradient_x_input(model, variables, x, 1),
      "smoothgrad": attributions.smoothgrad(model, variables, x, 1, rng=jax.random.key(0),
                                            num_samples=16),
      "integrated_gradients": attributions.integrated_gradients(model, variables, x, 1,
                                                                num_steps=32),
      "occlusion": attributions.occlusion(model, variables, x, 1, window=16, stride=8),
      "grad_cam": jnp.broadcast_to(cam[:, :, None], x.shape),
  }


def test_model_learned_the_task(trained):
  *_, accuracy = trained
  assert accuracy >= 0.95


# Minimum mean share of |attribution| inside the planted window (and lead); chance is
# 1/16 (window and lead) or 1/4 (window only, Grad-CAM has no lead axis).
MIN_MASS = {"gradient": 0.5, "gradient_x_input": 0.6, "smoothgrad": 0.5,
            "integrated_gradients": 0.6, "occlusion": 0.75, "grad_cam": 0.85}


def test_attribution_mass_inside_planted_window(trained):
  model, variables, _, x, _ = trained
  for name, attr in _all_methods(model, variables, x).items():
    attr = np.abs(np.asarray(attr))
    if name == "grad_cam":
      inside = attr[:, START:START + WIDTH, 0].sum(1) / attr[:, :, 0].sum(1)
    else:
      inside = attr[:, START:START + WIDTH, LEAD].sum((1,)) / attr.sum((1, 2))
    print(f"{name}: mass inside {inside.mean():.3f}")
    assert inside.mean() >= MIN_MASS[name], (name, inside.mean())


# Maximum mean Spearman rank correlation of |attribution| between the trained and a
# randomly initialised model (Adebayo et al. 2018). Methods that multiply by the
# input stay partly input-driven whatever the weights (as Adebayo et al. found), so
# their bound is looser.
MAX_RANK_CORRELATION = {"gradient": 0.5, "smoothgrad": 0.5, "grad_cam": 0.5,
                        "gradient_x_input": 0.7, "integrated_gradients": 0.7,
                        "occlusion": 0.7}


def test_model_randomisation_changes_attributions(trained):
  model, variables, random_variables, x, _ = trained
  ours = _all_methods(model, variables, x)
  theirs = _all_methods(model, random_variables, x)
  for name, bound in MAX_RANK_CORRELATION.items():
    a, b = np.abs(np.asarray(ours[name])), np.abs(np.asarray(theirs[name]))
    rho = np.mean([stats.spearmanr(a[i].ravel(), b[i].ravel())[0] for i in range(len(x))])
    print(f"{name}: spearman {rho:.3f}")
    assert rho < bound, (name, rho)
