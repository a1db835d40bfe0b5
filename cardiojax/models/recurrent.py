"""Recurrent classifiers: vanilla RNN, LSTM, GRU and bidirectional LSTM.

The LSTM layer (`LSTMLayer`) is a scan with its own backward pass on CPU and
cuDNN's fused LSTM (`jax.experimental.rnn`) on GPU, with the same parameters.
"""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax.experimental import rnn

from cardiojax.models import common

_CELLS = {"rnn": nn.SimpleCell, "gru": nn.GRUCell}


def _rnn(cell: str, hidden: int, dtype, reverse: bool = False, name=None) -> nn.RNN:
  if cell == "rnn":
    dtype = jnp.float32  # The Elman cell would turn its float32 carry into `dtype`.
  return nn.RNN(_CELLS[cell](hidden, dtype=dtype, param_dtype=jnp.float32),
                reverse=reverse, keep_order=True, return_carry=True, name=name)


def _gatewise_orthogonal(key, shape, dtype=jnp.float32):
  """(D, H, 4H) recurrent kernels, each (H, H) gate block orthogonal (flax's LSTM init)."""
  directions, hidden, gates = shape
  keys = jax.random.split(key, directions * gates // hidden)
  blocks = jax.vmap(lambda k: nn.initializers.orthogonal()(k, (hidden, hidden), dtype))(keys)
  return (blocks.reshape(directions, gates // hidden, hidden, hidden)
          .transpose(0, 2, 1, 3).reshape(shape))


def _dot(spec: str, a, b):
  """`einsum` of `a` and `b` in `a`'s dtype (the computation dtype), accumulated
  and returned in float32."""
  return jnp.einsum(spec, a, b.astype(a.dtype), preferred_element_type=jnp.float32)


def _activate(z):
  """Gates i, f, g, o (..., 4H) from their pre-activations in one elementwise pass:
  sigmoid, and for g tanh(z) = 2 sigmoid(2 z) - 1 (one fusion instead of four)."""
  hidden = z.shape[-1] // 4
  scale = jnp.where(jnp.arange(4 * hidden) // hidden == 2, 2.0, 1.0).astype(z.dtype)
  return nn.sigmoid(z * scale) * scale - (scale - 1)


def _lstm_step(params, x, c, h):
  """One step of D LSTMs on x (D, B, C): activated gates (D, B, 4H), new c and h (D, B, H).

  Matmuls take the kernels' dtype; gates, c and h are float32."""
  input_kernel, recurrent_kernel, bias = params
  z = (_dot("dbc,dcg->dbg", x, input_kernel) + bias[:, None, :]
       + _dot("dbh,dhg->dbg", h.astype(recurrent_kernel.dtype), recurrent_kernel))
  gates = _activate(z)
  i, f, g, o = jnp.split(gates, 4, axis=-1)
  c = f * c + i * g
  return gates, c, o * jnp.tanh(c)


def _lstm_forward(params, inputs):
  """Hidden states (T, D, H, B), cell states (T, D, B, H) and activated gates
  (T, D, B, 4H) of every step, float32. The hidden states are stored transposed:
  that is the operand layout of the backward loop's weight-gradient matmul."""
  recurrent_kernel = params[1]
  directions, hidden, _ = recurrent_kernel.shape
  zeros = jnp.zeros((directions, inputs.shape[2], hidden), jnp.float32)

  def step(carry, x):
    gates, c, h = _lstm_step(params, x, *carry)
    return (c, h), (jnp.swapaxes(h, 1, 2), c, gates)

  return jax.lax.scan(step, (zeros, zeros), inputs)[1]


@jax.custom_vjp
def lstm_scan(params, inputs):
  """Runs D independent LSTMs over time in one loop.

  The forward pass keeps h, c and the activated gates of every step. The backward
  loop propagates dh and dc and accumulates the weight gradients in its carry
  (one (H, B) x (B, 4H) matmul per step), so nothing of the size of the gates is
  written back and re-read after the loop (autodiff of the scan would also store
  every intermediate of the step). Matmuls run in the kernels' dtype (the
  computation dtype) with float32 accumulation; gates and the cell state are
  float32, as in flax's cells.

  Args:
    params: input kernels (D, C, 4H), recurrent kernels (D, H, 4H) and biases
      (D, 4H); gates ordered i, f, g, o.
    inputs: (T, D, B, C), every direction in its own reading order.

  Returns:
    The hidden states (T, D, B, H) in the dtype of `inputs`.
  """
  return jnp.swapaxes(_lstm_forward(params, inputs)[0], 2, 3).astype(inputs.dtype)


def _lstm_scan_fwd(params, inputs):
  hs_t, cs, gates = _lstm_forward(params, inputs)
  return jnp.swapaxes(hs_t, 2, 3).astype(inputs.dtype), (params, inputs, hs_t, cs, gates)


def _lstm_scan_bwd(residuals, grad_hs):
  params, inputs, hs_t, cs, gates = residuals
  input_kernel, recurrent_kernel, bias = params
  dtype = recurrent_kernel.dtype

  def step(carry, xs):
    dh_next, dc_next, d_input, d_recurrent, d_bias = carry
    t, step_gates, c, dh_out, x = xs
    first = t == 0  # h and c before the first step are zeros
    h_prev_t, c_prev = (jnp.where(first, 0.0, jax.lax.dynamic_index_in_dim(
        states, jnp.maximum(t - 1, 0), keepdims=False)) for states in (hs_t, cs))
    i, f, g, o = jnp.split(step_gates, 4, axis=-1)
    tanh_c = jnp.tanh(c)
    dh = dh_out.astype(jnp.float32) + dh_next
    dc = dc_next + dh * o * (1 - tanh_c**2)
    dz = jnp.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                          dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)], axis=-1)
    dz_low = dz.astype(dtype)
    carry = (_dot("dbg,dhg->dbh", dz_low, recurrent_kernel), dc * f,
             d_input + _dot("dbc,dbg->dcg", x, dz_low),
             d_recurrent + _dot("dhb,dbg->dhg", h_prev_t.astype(dtype), dz_low),
             d_bias + jnp.sum(dz, axis=1))
    return carry, _dot("dbg,dcg->dbc", dz_low, input_kernel).astype(x.dtype)

  zeros = jnp.zeros_like(cs[0])
  init = (zeros, zeros) + tuple(jnp.zeros(p.shape, jnp.float32) for p in params)
  (_, _, *grads), grad_inputs = jax.lax.scan(
      step, init, (jnp.arange(inputs.shape[0]), gates, cs, grad_hs, inputs), reverse=True)
  return tuple(g.astype(p.dtype) for g, p in zip(grads, params)), grad_inputs


lstm_scan.defvjp(_lstm_scan_fwd, _lstm_scan_bwd)


def cudnn_weights(params):
  """LSTMLayer's arrays as cuDNN's flat float32 weight vector (`jax.experimental.rnn`).

  Per direction d (forward, then backward): W_ih (4H, C), W_hh (4H, H), then the
  biases b_ih (4H,) and b_hh (4H,); cuDNN's gate order i, f, g, o is ours, our
  single bias is b_ih and b_hh is zero.
  """
  input_kernel, recurrent_kernel, bias = (p.astype(jnp.float32) for p in params)
  kernels = [w[d].T.reshape(-1) for d in range(bias.shape[0])
             for w in (input_kernel, recurrent_kernel)]
  biases = [b for d in range(bias.shape[0]) for b in (bias[d], jnp.zeros_like(bias[d]))]
  return jnp.concatenate(kernels + biases)


def cudnn_lstm(params, x, bidirectional: bool):
  """The layer through cuDNN's fused LSTM (`jax.experimental.rnn.lstm`, GPU only).

  cuDNN's LSTM takes float32 only (jax 0.10), so it runs in float32 whatever the
  computation dtype. Returns the final hidden state (B, D * H) and the outputs
  (B, T, D * H), float32.
  """
  directions, hidden = params[1].shape[:2]
  batch, length, channels = x.shape
  zeros = jnp.zeros((directions, batch, hidden), jnp.float32)
  outputs, h_n, _ = rnn.lstm(
      x.astype(jnp.float32), zeros, zeros, cudnn_weights(params),
      jnp.full((batch,), length, jnp.int32), input_size=channels, hidden_size=hidden,
      num_layers=1, dropout=0.0, bidirectional=bidirectional)
  return h_n.transpose(1, 0, 2).reshape(batch, directions * hidden), outputs


class LSTMLayer(nn.Module):
  """A (bi)directional LSTM layer: (B, T, C) -> (B, T, D * H), forward then backward.

  The same cell as flax's `OptimizedLSTMCell` (gates i, f, g, o; one bias per gate;
  lecun-normal input and gate-wise orthogonal recurrent kernels, equal outputs and
  gradients), laid out for XLA: both directions share one loop, each gate
  matrix is one array, and `lstm_scan` has its own backward pass. On GPU the
  same parameters run through cuDNN's fused LSTM instead (`cudnn_lstm`).

  Attributes:
    hidden: units per direction (H).
    bidirectional: also read the sequence backwards (D = 2).
    implementation: 'auto' (cuDNN when `jax.default_backend()` is 'gpu', else the
      scan), 'scan' or 'cudnn'.
    dtype: computation dtype; parameters are float32.
  """
  hidden: int
  bidirectional: bool = False
  implementation: str = "auto"
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x):
    """Returns the final hidden state (B, D * H) and the outputs (B, T, D * H)."""
    directions = 2 if self.bidirectional else 1
    gates = 4 * self.hidden
    input_kernel = self.param("input_kernel", nn.initializers.lecun_normal(batch_axis=(0,)),
                              (directions, x.shape[-1], gates), jnp.float32)
    recurrent_kernel = self.param("recurrent_kernel", _gatewise_orthogonal,
                                  (directions, self.hidden, gates), jnp.float32)
    bias = self.param("bias", nn.initializers.zeros, (directions, gates), jnp.float32)
    implementation = self.implementation
    if implementation == "auto":
      implementation = "cudnn" if jax.default_backend() == "gpu" else "scan"
    if implementation == "cudnn":
      last, outputs = cudnn_lstm((input_kernel, recurrent_kernel, bias), x,
                                 self.bidirectional)
      return last.astype(self.dtype), outputs.astype(self.dtype)
    if implementation != "scan":
      raise ValueError(f"LSTMLayer.implementation: unknown {implementation!r}; "
                       "expected 'auto', 'scan' or 'cudnn'")
    x, input_kernel, recurrent_kernel = (
        a.astype(self.dtype) for a in (x, input_kernel, recurrent_kernel))
    readings = jnp.stack([x, x[:, ::-1]] if self.bidirectional else [x], axis=1)
    hs = lstm_scan((input_kernel, recurrent_kernel, bias), readings.transpose(2, 1, 0, 3))
    last = hs[-1].transpose(1, 0, 2).reshape(x.shape[0], directions * self.hidden)
    if self.bidirectional:
      hs = jnp.stack([hs[:, 0], hs[::-1, 1]], axis=1)
    outputs = hs.transpose(2, 0, 1, 3).reshape(*x.shape[:2], directions * self.hidden)
    return last, outputs


class RecurrentNet(nn.Module):
  """Stacked (bi)directional RNN/LSTM/GRU layers, a pooling and a linear layer.

  Sources: Elman RNN; Hochreiter and Schmidhuber 1997 (LSTM); Cho et al. 2014 (GRU),
  as used for beats in seeds 001 and 004. The seed 001 BiLSTM (after Yildirim 2018,
  Comput. Biol. Med. 96:189) is one bidirectional layer, flatten, linear: `bilstm`.

  Input: (B, T, C). Output: (B, num_outputs). Intermediates: `rnn1`.. (B, T, H or 2H)
  per layer and `pre_logits`, whose size depends on `pooling`:
    'last': final hidden state(s), (B, H) or (B, 2H) (any T);
    'concat': mean and max over time, (B, 2H) or (B, 4H) (any T);
    'flatten': all time steps, (B, T * 2H) (ties the linear layer to T).

  On a GPU the LSTM layers run through cuDNN's fused LSTM (`LSTMLayer`); the GRU
  and Elman cells stay `nn.RNN` scans (`jax.experimental.rnn` covers the LSTM only).

  Attributes:
    num_outputs: number of outputs.
    cell: 'rnn', 'lstm' or 'gru'.
    hidden: units per direction.
    num_layers: stacked recurrent layers.
    bidirectional: read the sequence both ways.
    pooling: 'last', 'concat' or 'flatten'.
    dropout_rate: dropout between layers and before the linear layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  cell: str = "lstm"
  hidden: int = 64
  num_layers: int = 1
  bidirectional: bool = False
  pooling: str = "last"
  dropout_rate: float = 0.0
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = x.astype(self.dtype)
    for i in range(self.num_layers):
      if i > 0:
        x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
      if self.cell == "lstm":
        last, x = LSTMLayer(self.hidden, self.bidirectional, dtype=self.dtype,
                            name=f"rnn{i + 1}")(x)
      elif self.bidirectional:
        fwd = _rnn(self.cell, self.hidden, self.dtype, name=f"rnn{i + 1}_fwd")
        bwd = _rnn(self.cell, self.hidden, self.dtype, reverse=True, name=f"rnn{i + 1}_bwd")
        (carry_f, y_f), (carry_b, y_b) = fwd(x), bwd(x)
        x = jnp.concatenate([y_f, y_b], axis=-1)
        last = jnp.concatenate([carry_f, carry_b], axis=-1)
      else:
        last, x = _rnn(self.cell, self.hidden, self.dtype, name=f"rnn{i + 1}")(x)
      inter[f"rnn{i + 1}"] = x
    if self.pooling == "last":
      x = last
    elif self.pooling == "concat":
      x = common.concat_pool(x)
    elif self.pooling == "flatten":
      x = common.flatten(x)
    else:
      raise ValueError(f"unknown pooling {self.pooling!r}")
    inter["pre_logits"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return common.logits(self.num_outputs, x, self.dtype), inter


VanillaRNN = functools.partial(RecurrentNet, cell="rnn")
LSTM = functools.partial(RecurrentNet, cell="lstm")
GRU = functools.partial(RecurrentNet, cell="gru")
BiLSTM = functools.partial(RecurrentNet, cell="lstm", bidirectional=True, pooling="flatten")
BiLSTMPooled = functools.partial(RecurrentNet, cell="lstm", bidirectional=True,
                                 pooling="concat")
