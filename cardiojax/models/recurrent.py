"""Recurrent classifiers: vanilla RNN, LSTM, GRU and bidirectional LSTM."""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

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


def _lstm_step(params, x, c, h):
  """One step of D LSTMs on x (D, B, C): activated gates (D, B, 4H), new c and h (D, B, H)."""
  input_kernel, recurrent_kernel, bias = params
  z = (jnp.einsum("dbc,dcg->dbg", x, input_kernel) + bias[:, None, :]
       + jnp.einsum("dbh,dhg->dbg", h, recurrent_kernel))
  i, f, g, o = jnp.split(z, 4, axis=-1)
  i, f, g, o = nn.sigmoid(i), nn.sigmoid(f), jnp.tanh(g), nn.sigmoid(o)
  c = f * c + i * g
  return jnp.concatenate([i, f, g, o], axis=-1), c, o * jnp.tanh(c)


def _lstm_forward(params, inputs):
  """Hidden and cell states (T, D, B, H) and activated gates (T, D, B, 4H) of every step."""
  recurrent_kernel = params[1]
  directions, hidden, _ = recurrent_kernel.shape
  zeros = jnp.zeros((directions, inputs.shape[2], hidden), inputs.dtype)

  def step(carry, x):
    gates, c, h = _lstm_step(params, x, *carry)
    return (c, h), (h, c, gates)

  return jax.lax.scan(step, (zeros, zeros), inputs)[1]


@jax.custom_vjp
def lstm_scan(params, inputs):
  """Runs D independent LSTMs over time in one loop.

  The forward pass keeps h, c and the activated gates of every step; the backward
  loop only propagates h and c, and the weight and input gradients are single
  matmuls after the loop (autodiff of the scan would store every intermediate and
  accumulate the weight gradients step by step).

  Args:
    params: input kernels (D, C, 4H), recurrent kernels (D, H, 4H) and biases
      (D, 4H); gates ordered i, f, g, o.
    inputs: (T, D, B, C), every direction in its own reading order.

  Returns:
    The hidden states (T, D, B, H).
  """
  return _lstm_forward(params, inputs)[0]


def _previous_step(states):
  """(T, ...) states -> the states one step earlier, zeros before the first."""
  return jnp.concatenate([jnp.zeros_like(states[:1]), states[:-1]])


def _lstm_scan_fwd(params, inputs):
  hs, cs, gates = _lstm_forward(params, inputs)
  return hs, (params, inputs, hs, cs, gates)


def _lstm_scan_bwd(residuals, grad_hs):
  params, inputs, hs, cs, gates = residuals
  input_kernel, recurrent_kernel, _ = params
  hs_prev, cs_prev = _previous_step(hs), _previous_step(cs)

  def step(carry, xs):
    dh_next, dc_next = carry
    step_gates, c, c_prev, dh_out = xs
    i, f, g, o = jnp.split(step_gates, 4, axis=-1)
    tanh_c = jnp.tanh(c)
    dh = dh_out + dh_next
    dc = dc_next + dh * o * (1 - tanh_c**2)
    dz = jnp.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                          dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)], axis=-1)
    dh_prev = jnp.einsum("dbg,dhg->dbh", dz, recurrent_kernel)
    return (dh_prev, dc * f), dz

  zeros = jnp.zeros_like(hs[0])
  _, dz = jax.lax.scan(step, (zeros, zeros), (gates, cs, cs_prev, grad_hs), reverse=True)
  grads = (jnp.einsum("tdbc,tdbg->dcg", inputs, dz), jnp.einsum("tdbh,tdbg->dhg", hs_prev, dz),
           jnp.sum(dz, axis=(0, 2)))
  return grads, jnp.einsum("tdbg,dcg->tdbc", dz, input_kernel)


lstm_scan.defvjp(_lstm_scan_fwd, _lstm_scan_bwd)


class LSTMLayer(nn.Module):
  """A (bi)directional LSTM layer: (B, T, C) -> (B, T, D * H), forward then backward.

  The same cell as flax's `OptimizedLSTMCell` (gates i, f, g, o; one bias per gate;
  lecun-normal input and gate-wise orthogonal recurrent kernels, equal outputs and
  gradients), laid out for XLA: both directions share one loop, each gate
  matrix is one array, and `lstm_scan` has its own backward pass.

  Attributes:
    hidden: units per direction (H).
    bidirectional: also read the sequence backwards (D = 2).
    dtype: computation dtype; parameters are float32.
  """
  hidden: int
  bidirectional: bool = False
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
    x, input_kernel, recurrent_kernel, bias = (
        a.astype(self.dtype) for a in (x, input_kernel, recurrent_kernel, bias))
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
