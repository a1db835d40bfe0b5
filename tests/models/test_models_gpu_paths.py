"""The accelerator paths compute what the paths they replace compute, on CPU.

- cuDNN's LSTM (`recurrent.cudnn_lstm`, chosen on GPU): `jax.experimental.rnn.lstm`
  has no CPU lowering, so it is replaced by its documented reference
  (`rnn.lstm_ref` on `rnn.unpack_lstm_weights` of the same flat weights); this
  checks our packing of LSTMLayer's parameters into cuDNN's layout and the
  outputs, final states and gradients against the scan, one- and bidirectional.
- The Transformer's attention through `jax.nn.dot_product_attention` against
  flax's own `nn.dot_product_attention`, same parameters.
- `conv_transpose.ConvTranspose1D` against `nn.ConvTranspose`, same kernel.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import rnn

from cardiojax.models import conv_transpose
from cardiojax.models import recurrent
from cardiojax.models import transformer

B, T, C, H = 3, 9, 4, 5


def _reference_lstm(x, h_0, c_0, weights, seq_lengths, *, input_size, hidden_size,
                    num_layers, dropout, bidirectional):
  """`rnn.lstm`'s contract computed by its reference implementation."""
  w_ih, w_hh, b_ih, b_hh = rnn.unpack_lstm_weights(weights, input_size, hidden_size,
                                                   num_layers, bidirectional)
  return rnn.lstm_ref(x, h_0, c_0, w_ih, w_hh, b_ih, b_hh, seq_lengths, input_size,
                      hidden_size, num_layers, dropout, bidirectional)


@pytest.fixture
def reference_cudnn(monkeypatch):
  """Replaces cuDNN's LSTM by its reference; records the calls."""
  calls = []

  def lstm(*args, **kwargs):
    calls.append(kwargs)
    return _reference_lstm(*args, **kwargs)
  monkeypatch.setattr(rnn, "lstm", lstm)
  return calls


@pytest.mark.parametrize("bidirectional", [False, True])
def test_cudnn_lstm_matches_scan(reference_cudnn, bidirectional):
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(B, T, C)), jnp.float32)
  scan = recurrent.LSTMLayer(H, bidirectional, implementation="scan")
  cudnn = recurrent.LSTMLayer(H, bidirectional, implementation="cudnn")
  params = scan.init(jax.random.key(0), x)["params"]
  jax.tree.map(np.testing.assert_array_equal, cudnn.init(jax.random.key(0), x)["params"],
               params)  # the same parameters
  d = 2 if bidirectional else 1
  params = {**params, "bias": jnp.asarray(rng.normal(size=(d, 4 * H)), jnp.float32)}

  for got, want in zip(cudnn.apply({"params": params}, x), scan.apply({"params": params}, x)):
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-6)
  assert reference_cudnn and reference_cudnn[0]["bidirectional"] == bidirectional

  weights = jnp.asarray(rng.normal(size=(B, T, d * H)), jnp.float32)
  def loss(layer):
    def f(p, x):
      last, outputs = layer.apply({"params": p}, x)
      return jnp.sum(outputs * weights) + jnp.sum(last ** 2)
    return jax.grad(f, (0, 1))
  got, want = loss(cudnn)(params, x), loss(scan)(params, x)
  for name in params:
    np.testing.assert_allclose(got[0][name], want[0][name], atol=2e-5, err_msg=name)
  np.testing.assert_allclose(got[1], want[1], atol=2e-5)


def test_cudnn_weights_follow_the_documented_layout():
  """(W_ih, W_hh) per direction, then (b_ih, b_hh) per direction; b_hh = 0."""
  rng = np.random.default_rng(1)
  params = tuple(jnp.asarray(rng.normal(size=s), jnp.float32)
                 for s in ((2, C, 4 * H), (2, H, 4 * H), (2, 4 * H)))
  flat = recurrent.cudnn_weights(params)
  assert flat.shape == (rnn.get_num_params_in_lstm(C, H, 1, True),)
  w_ih, w_hh, b_ih, b_hh = rnn.unpack_lstm_weights(flat, C, H, 1, True)
  for d in range(2):
    np.testing.assert_array_equal(w_ih[d], params[0][d].T)
    np.testing.assert_array_equal(w_hh[d], params[1][d].T)
    np.testing.assert_array_equal(b_ih[d], params[2][d])
    np.testing.assert_array_equal(b_hh[d], 0)


def test_auto_picks_cudnn_on_gpu_only(reference_cudnn, monkeypatch):
  x = jnp.ones((B, T, C))
  layer = recurrent.LSTMLayer(H, bidirectional=True)
  variables = layer.init(jax.random.key(0), x)
  layer.apply(variables, x)
  assert not reference_cudnn  # CPU: the scan
  monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
  layer.apply(variables, x)
  assert len(reference_cudnn) == 1
  with pytest.raises(ValueError, match=r"^LSTMLayer\.implementation: unknown 'fast'"):
    recurrent.LSTMLayer(H, implementation="fast").init(jax.random.key(0), x)


@pytest.mark.parametrize("train", [False, True])
def test_transformer_attention_equals_flax_attention(train):
  """Inference takes jax.nn.dot_product_attention; training with attention dropout
  keeps flax's (the fused function has no dropout), so that is compared too."""
  x = jax.random.normal(jax.random.key(0), (2, 64, 3))
  ours = transformer.Transformer1D(num_outputs=3, patch_size=8, width=16, depth=2,
                                   num_heads=2, mlp_dim=32)
  variables = ours.init(jax.random.key(1), x, train=False)
  rngs = {"dropout": jax.random.key(2)}
  out, inter = ours.apply(variables, x, train=train, rngs=rngs)
  flax_attention = nn.dot_product_attention
  with pytest.MonkeyPatch.context() as patch:
    patch.setattr(transformer, "attention", flax_attention)
    ref_model = transformer.Transformer1D(num_outputs=3, patch_size=8, width=16, depth=2,
                                          num_heads=2, mlp_dim=32)
    ref, ref_inter = ref_model.apply(variables, x, train=train, rngs=rngs)
  np.testing.assert_allclose(out, ref, atol=1e-5)
  np.testing.assert_allclose(inter["stage2"], ref_inter["stage2"], atol=1e-5)
  assert not np.allclose(inter["stage1"], inter["stem"][:, :1].mean())  # not degenerate


def test_attention_uses_the_fused_function_without_dropout():
  q = jnp.ones((1, 4, 2, 8))
  jaxpr = str(jax.make_jaxpr(lambda q: transformer.attention(q, q, q, deterministic=True))(q))
  flax_jaxpr = str(jax.make_jaxpr(lambda q: nn.dot_product_attention(q, q, q))(q))
  assert jaxpr != flax_jaxpr
  np.testing.assert_allclose(transformer.attention(q, q, q, deterministic=True),
                             nn.dot_product_attention(q, q, q), atol=1e-6)


_TRANSPOSE_CASES = {  # kernel, stride, padding, length
    "unet_k2_s2": (2, 2, "SAME", 10), "autoencoder_k7_s2": (7, 2, "SAME", 9),
    "k3_s1": (3, 1, "SAME", 8), "k5_s3": (5, 3, "SAME", 7), "k4_s4": (4, 4, "SAME", 6),
    "k7_s2_valid": (7, 2, "VALID", 9), "k2_s3_valid": (2, 3, "VALID", 5),
}


@pytest.mark.parametrize("case", sorted(_TRANSPOSE_CASES))
def test_conv_transpose_matches_flax(case):
  kernel, stride, padding, length = _TRANSPOSE_CASES[case]
  x = jax.random.normal(jax.random.key(0), (2, length, 3))
  ours = conv_transpose.ConvTranspose1D(4, kernel, stride, padding)
  ref = nn.ConvTranspose(4, (kernel,), strides=(stride,), padding=padding)
  variables = ref.init(jax.random.key(1), x)
  jax.tree.map(np.testing.assert_array_equal, ours.init(jax.random.key(1), x), variables)
  variables = jax.tree.map(lambda v: v + 0.1, variables)  # a non-zero bias too
  y = ours.apply(variables, x)
  assert y.shape == ref.apply(variables, x).shape
  np.testing.assert_allclose(y, ref.apply(variables, x), atol=1e-5)
  g = jax.random.normal(jax.random.key(2), y.shape)
  got = jax.grad(lambda v, x: jnp.sum(ours.apply(v, x) * g), (0, 1))(variables, x)
  want = jax.grad(lambda v, x: jnp.sum(ref.apply(v, x) * g), (0, 1))(variables, x)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-4), got, want)


def test_conv_transpose_unknown_padding():
  with pytest.raises(ValueError, match=r"^ConvTranspose1D\.padding: unknown 'CIRCULAR'"):
    conv_transpose.conv_transpose(jnp.ones((1, 4, 2)), jnp.ones((3, 2, 2)), 2, "CIRCULAR")


def test_attention_implementation_choice(monkeypatch):
  q16, q32 = jnp.ones((1, 4, 2, 16), jnp.bfloat16), jnp.ones((1, 4, 2, 16))
  assert transformer._fused_implementation(q16) == "xla"  # CPU

  class Device:
    compute_capability = "9.0"
  monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
  monkeypatch.setattr(jax, "devices", lambda: [Device()])
  assert transformer._fused_implementation(q16) == "cudnn"
  assert transformer._fused_implementation(q32) == "xla"  # cuDNN's kernel is half precision
  assert transformer._fused_implementation(jnp.ones((1, 4, 2, 12), jnp.bfloat16)) == "xla"
  Device.compute_capability = "7.0"
  assert transformer._fused_implementation(q16) == "xla"
