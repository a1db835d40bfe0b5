"""Building blocks shared by the model families.

Every block works on channels-last sequences `(batch, time, features)`,
computes in `dtype` and keeps its parameters in float32.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from cardiojax.models import conv as conv_lib

Dtype = Any


def batch_norm(train: bool, dtype: Dtype, name: str | None = None,
               scale_init=nn.initializers.ones) -> nn.BatchNorm:
  """The house BatchNorm: batch statistics in training, running averages in eval."""
  return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5,
                      dtype=dtype, param_dtype=jnp.float32, scale_init=scale_init,
                      name=name)


def conv(features: int, kernel_size: int, dtype: Dtype, strides: int = 1, dilation: int = 1,
         use_bias: bool = False, name: str | None = None) -> nn.Conv:
  """The house Conv1D: 'SAME' padding, float32 parameters, `conv_lib`'s fast gradient."""
  return nn.Conv(features, (kernel_size,), strides=(strides,), kernel_dilation=(dilation,),
                 padding="SAME", use_bias=use_bias, dtype=dtype, param_dtype=jnp.float32,
                 conv_general_dilated=conv_lib.conv_general_dilated, name=name)


class ConvBNAct(nn.Module):
  """Conv1D ('SAME' padding, no bias) -> BatchNorm -> optional ReLU.

  Attributes:
    features: output channels.
    kernel_size: kernel length in samples.
    strides: stride in samples.
    dilation: kernel dilation.
    act: apply ReLU after the normalisation.
    zero_init_bn: initialise the BatchNorm scale to zero (last layer of a residual branch).
  """
  features: int
  kernel_size: int
  strides: int = 1
  dilation: int = 1
  act: bool = True
  zero_init_bn: bool = False
  dtype: Dtype = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    x = conv(self.features, self.kernel_size, self.dtype, self.strides, self.dilation)(x)
    scale_init = nn.initializers.zeros if self.zero_init_bn else nn.initializers.ones
    x = batch_norm(train, self.dtype, scale_init=scale_init)(x)
    return nn.relu(x) if self.act else x


def materialize(x):
  """Identity that makes XLA:CPU write `x` to memory once; a no-op on other backends.

  XLA:CPU copies cheap elementwise producers into every consumer fusion. On a
  residual stream each block output is such a producer of the next, so the layout
  copies that the convolutions' weight gradients need recompute the stream of a
  whole stage. A conditional is a fusion boundary: its result is computed once.
  Measured on a ResNet-34 training step: 8 % less time (experiments/benchmarks/RESULTS.md).
  """
  if jax.default_backend() != "cpu":
    return x
  first = x.reshape(-1)[0]
  # Branches that differ in form (both are the identity) keep XLA from merging them.
  return jax.lax.cond(first == first, lambda v: v, lambda v: v + 0, x)


def concat_pool(x):
  """Global average and max pooling over time, concatenated: (B, T, F) -> (B, 2F)."""
  return jnp.concatenate([jnp.mean(x, axis=1), jnp.max(x, axis=1)], axis=-1)


def max_pool(x, window: int, strides: int, padding: str = "SAME"):
  """Max pooling over time of (B, T, F)."""
  return nn.max_pool(x, (window,), strides=(strides,), padding=padding)


def avg_pool(x, window: int, strides: int, padding: str = "SAME"):
  """Average pooling over time of (B, T, F); 'SAME' borders average real samples only."""
  return nn.avg_pool(x, (window,), strides=(strides,), padding=padding,
                     count_include_pad=False)


def flatten(x):
  """(B, ...) -> (B, prod(...))."""
  return x.reshape(x.shape[0], -1)


def dense(features: int, dtype: Dtype, name: str | None = None) -> nn.Dense:
  """A Dense layer computing in `dtype` with float32 parameters."""
  return nn.Dense(features, dtype=dtype, param_dtype=jnp.float32, name=name)


def logits(features: int, x, dtype: Dtype, name: str = "head"):
  """The final linear layer; returns float32 raw outputs (no activation)."""
  return dense(features, dtype, name=name)(x).astype(jnp.float32)


class MLPHead(nn.Module):
  """fastai-style head: [BatchNorm -> Dropout -> Dense -> ReLU]* -> BatchNorm -> Dropout -> Dense.

  Used by xresnet1d and inception1d (Strodthoff et al. 2021, `create_head1d`).
  Takes pooled features (B, F); returns `(pre_logits, outputs)`.

  Attributes:
    num_outputs: size of the final layer.
    hidden: widths of the hidden layers.
    dropout_rate: dropout before the final layer (half of it before hidden layers).
  """
  num_outputs: int
  hidden: tuple[int, ...] = (512,)
  dropout_rate: float = 0.5
  dtype: Dtype = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    for width in self.hidden:
      x = batch_norm(train, self.dtype)(x)
      x = nn.Dropout(self.dropout_rate / 2, deterministic=not train)(x)
      x = nn.relu(dense(width, self.dtype)(x))
    pre_logits = x
    x = batch_norm(train, self.dtype)(x)
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return pre_logits, logits(self.num_outputs, x, self.dtype)
