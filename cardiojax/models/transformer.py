"""Transformer encoder over convolutional patches of the ECG."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from cardiojax.models import common


def sinusoidal_positions(length: int, width: int) -> np.ndarray:
  """Fixed sine/cosine position codes (Vaswani et al. 2017): (length, width)."""
  position = np.arange(length)[:, None]
  rate = np.exp(-np.log(10000.0) * np.arange(0, width, 2) / width)
  codes = np.zeros((length, width), np.float32)
  codes[:, 0::2] = np.sin(position * rate)
  codes[:, 1::2] = np.cos(position * rate)[:, :width // 2]
  return codes


def _fused_implementation(query) -> str:
  """'cudnn' (flash attention) on an NVIDIA GPU from Ampere (compute capability 8.0)
  for the half-precision shapes it takes (head dim a multiple of 8, at most 128),
  else 'xla'."""
  if jax.default_backend() != "gpu":
    return "xla"
  try:
    capability = tuple(int(v) for v in jax.devices()[0].compute_capability.split("."))
  except (AttributeError, ValueError):  # not a CUDA device
    return "xla"
  head_dim = query.shape[-1]
  if (capability >= (8, 0) and query.dtype in (jnp.bfloat16, jnp.float16)
      and head_dim % 8 == 0 and head_dim <= 128):
    return "cudnn"
  return "xla"


def attention(query, key, value, mask=None, dropout_rng=None, dropout_rate=0.0,
              broadcast_dropout=True, deterministic=False, dtype=None, precision=None):
  """`attention_fn` of flax's MultiHeadDotProductAttention: `jax.nn.dot_product_attention`.

  q, k, v are (B, T, N, head_dim). Without dropout on the attention weights
  (inference, or `dropout_rate=0`) the attention is `jax.nn.dot_product_attention`
  (cuDNN's fused kernel on GPU in bfloat16/float16, XLA's otherwise); with it,
  which the fused function does not offer, flax's `nn.dot_product_attention`.
  """
  if dropout_rate > 0.0 and not deterministic:
    return nn.dot_product_attention(
        query, key, value, mask=mask, dropout_rng=dropout_rng, dropout_rate=dropout_rate,
        broadcast_dropout=broadcast_dropout, deterministic=deterministic, dtype=dtype,
        precision=precision)
  return jax.nn.dot_product_attention(query, key, value, mask=mask,
                                      implementation=_fused_implementation(query))


class EncoderBlock(nn.Module):
  """Pre-LayerNorm block: x + MHA(LN(x)), then x + MLP(LN(x)) with GELU."""
  num_heads: int
  mlp_dim: int
  dropout_rate: float
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    ln = lambda: nn.LayerNorm(dtype=self.dtype, param_dtype=jnp.float32)  # noqa: E731
    y = ln()(x)
    y = nn.MultiHeadDotProductAttention(
        num_heads=self.num_heads, dtype=self.dtype, param_dtype=jnp.float32,
        dropout_rate=self.dropout_rate, deterministic=not train,
        attention_fn=attention)(y, y)
    x = x + nn.Dropout(self.dropout_rate, deterministic=not train)(y)
    y = ln()(x)
    y = nn.gelu(common.dense(self.mlp_dim, self.dtype)(y))
    y = common.dense(x.shape[-1], self.dtype)(y)
    return x + nn.Dropout(self.dropout_rate, deterministic=not train)(y)


class Transformer1D(nn.Module):
  """Convolutional patch embedding, sinusoidal positions, Transformer encoder, pooling.

  Source: Vaswani et al. 2017 (Transformer) with the patch embedding and class token of
  Dosovitskiy et al. 2021 (ViT), in 1D over ECG time; the Transformer of seed 004.
  The patch embedding is a conv with kernel = stride = `patch_size` ('SAME', so the
  last patch is zero-padded); positions are fixed sinusoids, so any length works.
  Attention is `attention` (`jax.nn.dot_product_attention`, cuDNN's fused kernel on
  GPU in bfloat16), except in training with attention dropout (flax's).

  Input: (B, T, C), any T. Output: (B, num_outputs). Intermediates: `stem`
  (B, ceil(T / patch_size), width) (embedded patches with positions), `stage1`..
  (each block's tokens, with the class token first when `pooling='cls'`),
  `pre_logits` (B, width) (the normalised class token or the token mean).

  Attributes:
    num_outputs: number of outputs.
    patch_size: samples per patch.
    width: token width.
    depth: encoder blocks.
    num_heads: attention heads.
    mlp_dim: hidden width of each block's MLP.
    pooling: 'cls' (class token) or 'mean'.
    dropout_rate: dropout on attention weights, residual branches and embedding.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  patch_size: int = 16
  width: int = 64
  depth: int = 4
  num_heads: int = 4
  mlp_dim: int = 128
  pooling: str = "cls"
  dropout_rate: float = 0.1
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = nn.Conv(self.width, (self.patch_size,), strides=(self.patch_size,), padding="SAME",
                dtype=self.dtype, param_dtype=jnp.float32, name="patch_embed")(
                    x.astype(self.dtype))
    x = x + jnp.asarray(sinusoidal_positions(x.shape[1], self.width), self.dtype)
    inter["stem"] = x
    if self.pooling == "cls":
      cls = self.param("cls", nn.initializers.zeros, (1, 1, self.width), jnp.float32)
      x = jnp.concatenate([jnp.broadcast_to(cls.astype(self.dtype), (x.shape[0], 1, self.width)),
                           x], axis=1)
    elif self.pooling != "mean":
      raise ValueError(f"unknown pooling {self.pooling!r}")
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    for i in range(self.depth):
      x = EncoderBlock(self.num_heads, self.mlp_dim, self.dropout_rate, dtype=self.dtype,
                       name=f"block{i + 1}")(x, train=train)
      inter[f"stage{i + 1}"] = x
    x = nn.LayerNorm(dtype=self.dtype, param_dtype=jnp.float32, name="final_norm")(x)
    x = x[:, 0] if self.pooling == "cls" else jnp.mean(x, axis=1)
    inter["pre_logits"] = x
    return common.logits(self.num_outputs, x, self.dtype), inter
