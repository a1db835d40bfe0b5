"""Contract tests for every model in MODELS, on tiny configurations.

Each model is built once (module-level cache): one jitted init, one jitted
train-mode forward + backward, one jitted eval forward in float32 and one in
bfloat16. Shapes at a second length use jax.eval_shape (no compilation).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cardiojax import models

B = 2
STAGES = lambda n: ["stem"] + [f"stage{i}" for i in range(1, n + 1)]  # noqa: E731
_RNN = dict(hidden=8, dropout_rate=0.2)
_XRES = dict(features=(8, 8, 16, 16), stem_features=(8, 8, 8), head_hidden=(16,))
_ALEX = dict(features=(8, 16, 16, 16, 16), hidden=(16, 16))

# name -> (small constructor kwargs, (T1, T2), channels, dense output, intermediates).
SPECS = {
    "rnn": (_RNN, (64, 96), 1, False, ["rnn1", "pre_logits"]),
    "lstm": (dict(_RNN, num_layers=2), (64, 96), 1, False, ["rnn1", "rnn2", "pre_logits"]),
    "gru": (_RNN, (64, 96), 1, False, ["rnn1", "pre_logits"]),
    "bilstm": (_RNN, (64, 96), 1, False, ["rnn1", "pre_logits"]),
    "bilstm_pooled": (dict(_RNN, num_layers=2), (64, 96), 1, False,
                      ["rnn1", "rnn2", "pre_logits"]),
    "deep_cnn": (dict(features=(8, 16), hidden=(16,)), (64, 96), 1, False,
                 STAGES(1) + ["pre_logits"]),
    "kachuee_resnet": (dict(features=8, dropout_rate=0.1), (187, 256), 1, False,
                       STAGES(5) + ["pre_logits"]),
    "dilated_cnn_bilstm": (dict(features=(8, 8, 16, 16), hidden=8), (64, 96), 1, False,
                           STAGES(3) + ["bilstm", "pre_logits"]),
    "fft_alexnet": (_ALEX, (128, 187), 1, False, ["spectrum"] + STAGES(4) + ["pre_logits"]),
    "fft_alexnet_reduced": (dict(features=(8, 16, 16), hidden=(16,)), (128, 187), 1, False,
                            ["spectrum"] + STAGES(2) + ["pre_logits"]),
    "squeezenet1d": (dict(stem_features=16, fire_squeeze=((4,), (8,), (8, 16))), (64, 100), 3,
                     False, STAGES(3) + ["pre_logits"]),
    "resnet18": (dict(features=(8, 8, 16, 16)), (128, 200), 3, False, STAGES(4) + ["pre_logits"]),
    "resnet34": (dict(features=(8, 8, 16, 16)), (128, 200), 3, False, STAGES(4) + ["pre_logits"]),
    "ribeiro_resnet": (dict(features=(8, 8, 16, 16, 16)), (256, 512), 3, False,
                       STAGES(4) + ["pre_logits"]),
    "ml_resnet": (dict(features=(8, 8, 16, 16)), (64, 100), 4, False,
                  STAGES(3) + ["lead_features", "pre_logits"]),
    "xresnet1d18": (_XRES, (128, 200), 3, False, STAGES(4) + ["pre_logits"]),
    "xresnet1d34": (_XRES, (128, 200), 3, False, STAGES(4) + ["pre_logits"]),
    "xresnet1d50": (dict(_XRES, features=(4, 4, 8, 8)), (128, 200), 3, False,
                    STAGES(4) + ["pre_logits"]),
    "xresnet1d101": (dict(_XRES, features=(4, 4, 4, 4)), (128, 200), 3, False,
                     STAGES(4) + ["pre_logits"]),
    "inception1d": (dict(features=8, bottleneck=8, kernel_size=16, head_hidden=(16,)),
                    (64, 100), 3, False, STAGES(2) + ["pre_logits"]),
    "transformer": (dict(patch_size=8, width=16, depth=2, num_heads=2, mlp_dim=32),
                    (64, 100), 3, False, STAGES(2) + ["pre_logits"]),
    "conv_autoencoder": (dict(features=(8, 16)), (64, 100), 3, False,
                         STAGES(1) + ["latent", "reconstruction", "pre_logits"]),
    "unet1d": (dict(features=(8, 16, 16)), (64, 100), 12, True,
               STAGES(3) + ["up1", "up2", "pre_logits"]),
    "uresnet1d": (dict(features=(8, 16, 16)), (64, 100), 12, True,
                  STAGES(3) + ["up1", "up2", "pre_logits"]),
    "ecg_to_vm": (dict(features=(8, 16), hidden=8), (64, 100), 12, True,
                  STAGES(2) + ["up1", "pre_logits", "site_codes"]),
    "ecg_to_activation": (dict(features=(8, 8, 16, 16), hidden=16), (64, 100), 12, False,
                          STAGES(3) + ["pre_logits"]),
}
# Shallower stacks of the same blocks for the compiled tests (the full depth is
# traced by the shape test).
SHALLOW = {
    "xresnet1d34": dict(stage_sizes=(1, 1, 2, 1)),
    "xresnet1d50": dict(stage_sizes=(1, 1, 1, 1)),
    "xresnet1d101": dict(stage_sizes=(1, 1, 2, 1)),
    "resnet34": dict(stage_sizes=(1, 2, 2, 1)),
}
NUM_OUTPUTS = 3
NAMES = sorted(models.MODELS)


def test_every_model_has_a_spec():
  assert sorted(SPECS) == NAMES


def make(name, dtype=jnp.float32, **overrides):
  kwargs = dict(SPECS[name][0], **overrides)
  return models.MODELS[name](num_outputs=NUM_OUTPUTS, dtype=dtype, **kwargs)


def inputs(name, length):
  channels = SPECS[name][2]
  return jax.random.normal(jax.random.key(length), (B, length, channels), jnp.float32)


def expected_shape(name, length):
  return (B, length, NUM_OUTPUTS) if SPECS[name][3] else (B, NUM_OUTPUTS)


@functools.cache
def built(name):
  """Compiles and runs the model once; returns a dict of results shared by the tests."""
  shallow = SHALLOW.get(name, {})
  model, model_bf16 = make(name, **shallow), make(name, jnp.bfloat16, **shallow)
  x = inputs(name, SPECS[name][1][0])

  @jax.jit
  def init(key):
    """Initialises, then evaluates in float32 and in bfloat16 with the same variables."""
    variables = model.init({"params": key, "dropout": key}, x, train=False)
    return (variables, model.apply(variables, x, train=False),
            model_bf16.apply(variables, x, train=False))

  @jax.jit
  def train(variables, key):
    def loss(params):
      (out, inter), updates = model.apply(
          dict(variables, params=params), x, train=True, rngs={"dropout": key},
          mutable=["batch_stats"])
      return jnp.mean(jnp.square(out)), (out, inter, updates)
    return jax.value_and_grad(loss, has_aux=True)(variables["params"])

  variables, eval_f32, eval_bf16 = init(jax.random.key(0))
  (loss, (out, inter, updates)), grads = train(variables, jax.random.key(1))
  return dict(
      variables=variables, variables_again=init(jax.random.key(0))[0], loss=loss, out=out,
      inter=inter, updates=updates, grads=grads,
      out_again=train(variables, jax.random.key(1))[0][1][0],
      out_other_key=train(variables, jax.random.key(2))[0][1][0],
      eval_f32=eval_f32, eval_bf16=eval_bf16)


@pytest.mark.parametrize("name", NAMES)
def test_output_shapes_at_two_lengths(name):
  model = make(name)
  for length in SPECS[name][1]:
    x = jax.ShapeDtypeStruct((B, length, SPECS[name][2]), jnp.float32)

    def forward(x):
      variables = model.init(jax.random.key(0), x, train=False)
      return model.apply(variables, x, train=False)
    out, _ = jax.eval_shape(forward, x)
    assert out.shape == expected_shape(name, length)
    assert out.dtype == jnp.float32


@pytest.mark.parametrize("name", NAMES)
def test_jit_forward_backward_finite(name):
  r = built(name)
  assert r["out"].shape == expected_shape(name, SPECS[name][1][0])
  assert np.isfinite(float(r["loss"]))
  leaves = jax.tree.leaves(r["grads"])
  assert leaves and all(bool(jnp.all(jnp.isfinite(g))) for g in leaves)
  assert any(bool(jnp.any(g != 0)) for g in leaves)
  for leaf in jax.tree.leaves(r["variables"]["params"]):
    assert leaf.dtype == jnp.float32


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_for_fixed_rng(name):
  r = built(name)
  jax.tree.map(np.testing.assert_array_equal, r["variables"], r["variables_again"])
  np.testing.assert_array_equal(r["out"], r["out_again"])


@pytest.mark.parametrize("name", NAMES)
def test_train_and_eval_differ(name):
  r = built(name)
  assert not np.allclose(r["out"], r["eval_f32"][0])
  if "batch_stats" in r["variables"]:
    old, new = r["variables"]["batch_stats"], r["updates"]["batch_stats"]
    assert any(not np.allclose(a, b) for a, b in zip(jax.tree.leaves(old), jax.tree.leaves(new)))
  else:
    assert not np.allclose(r["out"], r["out_other_key"])  # Dropout depends on its key.


@pytest.mark.parametrize("name", NAMES)
def test_bfloat16_close_to_float32(name):
  r = built(name)
  f32, bf16 = np.asarray(r["eval_f32"][0]), np.asarray(r["eval_bf16"][0])
  assert bf16.dtype == np.float32 and bf16.shape == f32.shape
  scale = max(1.0, float(np.max(np.abs(f32))))
  np.testing.assert_allclose(bf16, f32, atol=0.05 * scale)


@pytest.mark.parametrize("name", NAMES)
def test_intermediates_contract(name):
  inter = built(name)["inter"]
  assert sorted(inter) == sorted(SPECS[name][4])
  for key, value in inter.items():
    assert value.ndim in (2, 3), key
    assert value.shape[0] in (B, B * SPECS[name][2]), key  # ML-ResNet folds leads into B.
    assert bool(jnp.all(jnp.isfinite(value))), key
