"""Mixed precision (`config.train.compute_dtype = 'bfloat16'`) trains like float32.

The same small ResNet (BatchNorm included), the same initial parameters and the
same 50 batches of a learnable task go through the real train step (Adam) once
computing in float32 and once in bfloat16.

Tolerance: every step's loss (cross-entropy, nats) of the bfloat16 run within
0.02 of the float32 run's loss at that step, 1.8 % of the initial loss ln 3.
Why: bfloat16 keeps 8 significant bits (unit roundoff 2^-8 = 0.39 %); each layer
rounds its inputs and outputs (its matmuls accumulate in float32), so after ~10
layers the logits carry a relative error of a few roundoffs, ~1-2 %, which moves
a cross-entropy of logits of size ~1 by ~0.01-0.02; the two runs' parameters then
drift apart slowly over 50 Adam steps. Measured: at most 0.012 (a relative
deviation that looks large only where the loss itself is near 0.03). The check
is not vacuous: both losses must fall below a quarter of their initial value.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import Mesh

from cardiojax import experiment
from cardiojax import models
from cardiojax.tasks import make_task
from cardiojax.train import state as state_lib
from cardiojax.train import steps

STEPS, BATCH, LENGTH, LEADS, CLASSES = 50, 16, 128, 3, 3
LOSS_TOLERANCE = 0.02  # nats; see the module docstring


def _batches():
  """Sine waves whose frequency band is the class, plus noise: learnable in 50 steps."""
  rng = np.random.default_rng(0)
  t = np.arange(LENGTH) / LENGTH
  for _ in range(STEPS):
    targets = rng.integers(0, CLASSES, BATCH)
    freq = 2 + 4 * targets[:, None, None] + rng.uniform(0, 2, (BATCH, 1, LEADS))
    inputs = np.sin(2 * np.pi * freq * t[None, :, None]) + 0.3 * rng.normal(
        size=(BATCH, LENGTH, LEADS))
    yield {"inputs": inputs.astype(np.float32), "targets": targets.astype(np.int32),
           "mask": np.ones(BATCH, np.float32)}


def _train(dtype):
  model = models.ResNet1D(num_outputs=CLASSES, stage_sizes=(1, 1), features=(8, 16),
                          kernel_size=5, stem_kernel_size=7, dtype=dtype)
  task = make_task({"name": "multi_class",
                    "class_names": tuple(str(i) for i in range(CLASSES))})
  mesh = Mesh(np.asarray(jax.devices()[:1]), ("data",))
  state = state_lib.create_train_state(model, optax.adam(3e-3),
                                       jnp.zeros((1, LENGTH, LEADS)), seed=0)
  initial = jax.device_get(state.params)  # the state is donated to the step
  train, _ = steps.compile_steps(task, mesh)
  losses = []
  for batch in _batches():
    state, metrics = train(state, batch)
    losses.append(float(metrics["loss"]))
  return initial, state, np.asarray(losses)


@functools.cache
def _runs():
  return {dtype: _train(dtype) for dtype in (jnp.float32, jnp.bfloat16)}


def test_bfloat16_training_follows_float32():
  (init32, _, loss32), (init16, state16, loss16) = _runs().values()
  jax.tree.map(np.testing.assert_array_equal, init16, init32)  # same start
  deviation = np.abs(loss16 - loss32)
  assert np.all(deviation <= LOSS_TOLERANCE), (
      f"largest loss deviation {deviation.max():.4f} at step {int(deviation.argmax())}")
  assert loss16[-5:].mean() < 0.25 * loss16[0] and loss32[-5:].mean() < 0.25 * loss32[0]
  assert deviation.max() > 0  # bfloat16 really computed something differently


def test_bfloat16_keeps_parameters_and_optimizer_state_float32():
  _, state16, _ = _runs()[jnp.bfloat16]
  for tree in (state16.params, state16.opt_state, state16.batch_stats):
    for leaf in jax.tree.leaves(tree):
      if jnp.issubdtype(leaf.dtype, jnp.floating):
        assert leaf.dtype == jnp.float32


def test_compute_dtype_from_config():
  assert state_lib.compute_dtype("bfloat16") == jnp.bfloat16
  assert state_lib.compute_dtype("float32") == jnp.float32
  model = experiment.build_model({"name": "bilstm", "num_outputs": 2, "hidden": 4},
                                 state_lib.compute_dtype("bfloat16"))
  assert model.dtype == jnp.bfloat16
  with pytest.raises(ValueError, match=r"^config\.train\.compute_dtype: unknown 'fp16'"):
    state_lib.compute_dtype("fp16")
