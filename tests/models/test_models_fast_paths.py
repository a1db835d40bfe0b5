"""The XLA-oriented layers compute what their plain counterparts compute.

`conv.conv_general_dilated` (matmul input gradient) against
`lax.conv_general_dilated` in values, reverse- and forward-mode derivatives;
`recurrent.LSTMLayer` (one loop for both directions, its own backward pass)
against flax's `OptimizedLSTMCell` run by `nn.RNN`/`nn.Bidirectional` with the
same weights; `common.materialize` against the identity, values and gradients.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax import lax

from cardiojax.models import common
from cardiojax.models import conv
from cardiojax.models import recurrent

B, T, C, H = 3, 11, 5, 6

_CONV_CASES = {  # kernel, stride, dilation, padding, length
    "k7": (7, 1, 1, "SAME", 20), "k7_stride2": (7, 2, 1, "SAME", 21),
    "k1_stride2": (1, 2, 1, "SAME", 20), "k5_dilated3": (5, 1, 3, "SAME", 30),
    "k4_stride4_valid": (4, 4, 1, "VALID", 17), "k3_explicit_pads": (3, 2, 2, ((2, 1),), 19),
}


@pytest.mark.parametrize("case", sorted(_CONV_CASES))
def test_conv_matches_lax_in_values_and_derivatives(case):
  kernel, stride, dilation, padding, length = _CONV_CASES[case]
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(2, length, 3)), jnp.float32)
  w = jnp.asarray(rng.normal(size=(kernel, 3, 4)), jnp.float32)
  numbers = lax.conv_dimension_numbers(x.shape, w.shape, ("NWC", "WIO", "NWC"))
  def call(fn):
    return lambda x, w: fn(x, w, (stride,), padding, rhs_dilation=(dilation,),
                           dimension_numbers=numbers)
  ref, ours = call(lax.conv_general_dilated), call(conv.conv_general_dilated)

  y = ref(x, w)
  np.testing.assert_array_equal(ours(x, w), y)  # the forward pass is XLA's own
  g = jnp.asarray(rng.normal(size=y.shape), jnp.float32)
  for got, want in zip(jax.jit(lambda x, w: jax.vjp(ours, x, w)[1](g))(x, w),
                       jax.vjp(ref, x, w)[1](g)):
    np.testing.assert_allclose(got, want, atol=2e-5)
  tangents = (jnp.asarray(rng.normal(size=x.shape), jnp.float32),
              jnp.asarray(rng.normal(size=w.shape), jnp.float32))
  np.testing.assert_allclose(jax.jvp(ours, (x, w), tangents)[1],
                             jax.jvp(ref, (x, w), tangents)[1], atol=2e-5)


def _nwc(x, w):
  return lax.conv_dimension_numbers(x.shape, w.shape, ("NWC", "WIO", "NWC"))


def test_conv_weight_gradient_skips_the_matmul_path():
  """With x not differentiated (a first layer), no im2col is built."""
  x, w = jnp.ones((2, 16, 3)), jnp.ones((5, 3, 4))
  def loss(fn):
    return lambda w: jnp.sum(fn(x, w, (1,), "SAME", dimension_numbers=_nwc(x, w)))
  assert "custom_jvp_call" in str(jax.make_jaxpr(loss(conv.conv_general_dilated))(w))
  ours = jax.grad(loss(conv.conv_general_dilated))
  assert "concatenate" not in jax.jit(ours).lower(w).as_text()
  np.testing.assert_allclose(ours(w), jax.grad(loss(lax.conv_general_dilated))(w))


def test_conv_hands_other_convolutions_to_lax():
  x, w = jnp.ones((1, 6, 6, 4)), jnp.ones((3, 3, 4, 8))
  numbers = lax.conv_dimension_numbers(x.shape, w.shape, ("NHWC", "HWIO", "NHWC"))
  jaxpr = jax.make_jaxpr(lambda x, w: conv.conv_general_dilated(
      x, w, (1, 1), "SAME", dimension_numbers=numbers))(x, w)
  assert "custom_jvp_call" not in str(jaxpr)
  x, w = jnp.ones((1, 8, 4)), jnp.ones((3, 2, 6))
  grouped = jax.make_jaxpr(lambda x, w: conv.conv_general_dilated(
      x, w, (1,), "SAME", dimension_numbers=_nwc(x, w), feature_group_count=2))(x, w)
  assert "custom_jvp_call" not in str(grouped)


def _flax_cell_params(params, direction):
  """LSTMLayer's arrays of one direction in OptimizedLSTMCell's per-gate layout."""
  cell = {}
  for k, gate in enumerate("ifgo"):
    cols = slice(k * H, (k + 1) * H)
    cell["i" + gate] = {"kernel": params["input_kernel"][direction][:, cols]}
    cell["h" + gate] = {"kernel": params["recurrent_kernel"][direction][:, cols],
                        "bias": params["bias"][direction][cols]}
  return {"cell": cell}


def _flax_reference(params, x, bidirectional):
  """(last hidden state, outputs) of flax's own LSTM with LSTMLayer's weights."""
  def rnn(reverse=False):
    return nn.RNN(nn.OptimizedLSTMCell(H), reverse=reverse, keep_order=True, return_carry=True)
  if not bidirectional:
    (_, h), y = rnn().apply({"params": _flax_cell_params(params, 0)}, x)
    return h, y
  layer = nn.Bidirectional(rnn(), rnn(reverse=True), return_carry=True)
  ((_, h_f), (_, h_b)), y = layer.apply(
      {"params": {"forward_rnn": _flax_cell_params(params, 0),
                  "backward_rnn": _flax_cell_params(params, 1)}}, x)
  return jnp.concatenate([h_f, h_b], axis=-1), y


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_layer_matches_flax_cell(bidirectional):
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(B, T, C)), jnp.float32)
  layer = recurrent.LSTMLayer(H, bidirectional=bidirectional)
  params = layer.init(jax.random.key(0), x)["params"]
  d = 2 if bidirectional else 1
  assert {k: v.shape for k, v in params.items()} == {
      "input_kernel": (d, C, 4 * H), "recurrent_kernel": (d, H, 4 * H), "bias": (d, 4 * H)}
  # A non-zero bias, so that its gradient path is exercised too.
  params = {**params, "bias": jnp.asarray(rng.normal(size=(d, 4 * H)), jnp.float32)}

  last, y = layer.apply({"params": params}, x)
  last_ref, y_ref = _flax_reference(params, x, bidirectional)
  assert y.shape == (B, T, d * H) and last.shape == (B, d * H)
  np.testing.assert_allclose(y, y_ref, atol=1e-6)
  np.testing.assert_allclose(last, last_ref, atol=1e-6)

  weights = jnp.asarray(rng.normal(size=y.shape), jnp.float32)
  def loss(apply):
    return lambda p, x: jnp.sum(apply(p, x)[1] * weights) + jnp.sum(apply(p, x)[0] ** 2)
  ours = jax.grad(loss(lambda p, x: layer.apply({"params": p}, x)), (0, 1))(params, x)
  ref = jax.grad(loss(lambda p, x: _flax_reference(p, x, bidirectional)), (0, 1))(params, x)
  for name in params:
    np.testing.assert_allclose(ours[0][name], ref[0][name], atol=2e-5, err_msg=name)
  np.testing.assert_allclose(ours[1], ref[1], atol=2e-5)


def test_lstm_layer_initialisation_is_flax_s():
  """Gate-wise orthogonal recurrent kernels, lecun-normal input kernels, zero bias."""
  layer = recurrent.LSTMLayer(16, bidirectional=True)
  params = layer.init(jax.random.key(1), jnp.zeros((1, 4, 64)))["params"]
  for d in range(2):
    for k in range(4):
      block = params["recurrent_kernel"][d][:, 16 * k:16 * (k + 1)]
      np.testing.assert_allclose(block.T @ block, np.eye(16), atol=1e-5)
  assert np.std(params["input_kernel"]) == pytest.approx(1 / np.sqrt(64), rel=0.1)
  assert not np.any(params["bias"])


def test_materialize_is_the_identity_with_gradients():
  x = jnp.asarray(np.random.default_rng(2).normal(size=(2, 5, 3)), jnp.float32)
  f = jax.jit(lambda x: jnp.sum(jnp.sin(common.materialize(2 * x))))
  np.testing.assert_array_equal(jax.jit(common.materialize)(x), x)
  np.testing.assert_allclose(jax.grad(f)(x), 2 * jnp.cos(2 * x), rtol=1e-6)
  # A NaN is passed on, not hidden by the second branch.
  assert np.isnan(common.materialize(x.at[0, 0, 0].set(jnp.nan))[0, 0, 0])
  # It is a real fusion boundary on XLA:CPU: the compiled step keeps the conditional.
  assert "conditional" in jax.jit(f).lower(x).compile().as_text()
