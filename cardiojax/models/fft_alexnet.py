"""AlexNet-style 1D CNN on the FFT magnitude of a beat."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common


class FFTAlexNet(nn.Module):
  """Conv + ReLU (+ max-pool) layers and dense layers on |rfft(x)|.

  Source: Kumar and Chakrapani 2022, "Classification of ECG signal using FFT based
  improved Alexnet classifier", PLoS One 17(9):e0274225, after Krizhevsky et al. 2012;
  seed 001 task 7. Five convolutions (96 k11 s4, 256 k5, 384 k3, 384 k3, 256 k3; max-pool
  3/2 after the 1st, 2nd and 5th) and three dense layers (the two hidden ones with
  dropout 0.5; 512 wide here instead of 4096, a beat spectrum is short).
  `FFTAlexNetReduced` is the seed's reduced variant: one conv layer for conv3-conv5 and
  one dense layer for FC6-FC8.

  Input: raw signal (B, T, C), mV; the model computes the magnitude spectrum
  |rfft(x, axis=time)| in float32 itself, shape (B, T // 2 + 1, C), so the input
  pipeline stays the same as for time-domain models. The flatten ties the dense
  layers to T. Output: (B, num_outputs). Intermediates: `spectrum` (B, T//2+1, C),
  `stem` (after conv1), `stage1`.. (after each later conv), `pre_logits`.

  Attributes:
    num_outputs: number of outputs.
    features: channels of each convolution.
    kernel_sizes: kernel of each convolution.
    strides: stride of each convolution.
    pool_after: max-pool (3, stride 2) after each convolution or not.
    hidden: widths of the hidden dense layers.
    dropout_rate: dropout before each hidden dense layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: tuple[int, ...] = (96, 256, 384, 384, 256)
  kernel_sizes: tuple[int, ...] = (11, 5, 3, 3, 3)
  strides: tuple[int, ...] = (4, 1, 1, 1, 1)
  pool_after: tuple[bool, ...] = (True, True, False, False, True)
  hidden: tuple[int, ...] = (512, 512)
  dropout_rate: float = 0.5
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = jnp.abs(jnp.fft.rfft(x.astype(jnp.float32), axis=1))
    inter["spectrum"] = x
    x = x.astype(self.dtype)
    layers = zip(self.features, self.kernel_sizes, self.strides, self.pool_after)
    for i, (width, kernel, stride, pool) in enumerate(layers):
      x = nn.Conv(width, (kernel,), strides=(stride,), padding="SAME", dtype=self.dtype,
                  param_dtype=jnp.float32)(x)
      x = nn.relu(x)
      if pool:
        x = common.max_pool(x, 3, 2)
      inter["stem" if i == 0 else f"stage{i}"] = x
    x = common.flatten(x)
    for width in self.hidden:
      x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
      x = nn.relu(common.dense(width, self.dtype)(x))
    inter["pre_logits"] = x
    return common.logits(self.num_outputs, x, self.dtype), inter


FFTAlexNetReduced = functools.partial(
    FFTAlexNet, features=(96, 256, 384), kernel_sizes=(11, 5, 3), strides=(4, 1, 1),
    pool_after=(True, True, True), hidden=())
