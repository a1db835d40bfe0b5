"""Recurrent classifiers: vanilla RNN, LSTM, GRU and bidirectional LSTM."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common

_CELLS = {"rnn": nn.SimpleCell, "lstm": nn.OptimizedLSTMCell, "gru": nn.GRUCell}


def _rnn(cell: str, hidden: int, dtype, reverse: bool = False, name=None) -> nn.RNN:
  if cell == "rnn":
    dtype = jnp.float32  # The Elman cell would turn its float32 carry into `dtype`.
  return nn.RNN(_CELLS[cell](hidden, dtype=dtype, param_dtype=jnp.float32),
                reverse=reverse, keep_order=True, return_carry=True, name=name)


def bidirectional(cell: str, hidden: int, dtype, name=None) -> nn.Bidirectional:
  """A bidirectional layer whose output is (B, T, 2 * hidden), forward then backward."""
  return nn.Bidirectional(_rnn(cell, hidden, dtype), _rnn(cell, hidden, dtype), name=name)


def _hidden_state(carry):
  """The hidden state h of a final carry: (c, h) for an LSTM, h otherwise."""
  return carry[1] if isinstance(carry, tuple) else carry


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
      if self.bidirectional:
        fwd = _rnn(self.cell, self.hidden, self.dtype, name=f"rnn{i + 1}_fwd")
        bwd = _rnn(self.cell, self.hidden, self.dtype, reverse=True, name=f"rnn{i + 1}_bwd")
        (carry_f, y_f), (carry_b, y_b) = fwd(x), bwd(x)
        x = jnp.concatenate([y_f, y_b], axis=-1)
        last = jnp.concatenate([_hidden_state(carry_f), _hidden_state(carry_b)], axis=-1)
      else:
        carry, x = _rnn(self.cell, self.hidden, self.dtype, name=f"rnn{i + 1}")(x)
        last = _hidden_state(carry)
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
