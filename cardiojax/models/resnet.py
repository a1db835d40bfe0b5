"""1D ResNet-18/34 for 12-lead ECG classification (the CPSC2018 study)."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common


class BasicBlock(nn.Module):
  """Two k-convolutions with BatchNorm, identity or 1x1-conv shortcut, ReLU after the sum."""
  features: int
  kernel_size: int
  strides: int = 1
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    y = common.ConvBNAct(self.features, self.kernel_size, self.strides, dtype=self.dtype)(
        x, train=train)
    y = common.ConvBNAct(self.features, self.kernel_size, act=False, dtype=self.dtype)(
        y, train=train)
    if x.shape[-1] != self.features or self.strides != 1:
      x = common.ConvBNAct(self.features, 1, self.strides, act=False, dtype=self.dtype,
                           name="shortcut")(x, train=train)
    return common.materialize(nn.relu(x + y))


class ResNet1D(nn.Module):
  """1D ResNet with basic blocks for 12-lead ECGs; accepts any length.

  Source: He et al. 2016 (ResNet) as adapted to 1D 12-lead ECGs in the CPSC2018
  study (seed 002): stem Conv1D(64, k=15, s=2) + BN + ReLU + MaxPool(3, s=2), basic
  blocks of kernel 7 with 64-128-256-512 channels, global average and max pooling
  concatenated, one dense layer.

  Input: (B, T, leads), mV, any T >= 16. Output: (B, num_outputs) logits.
  Intermediates: `stem` (B, T/4, 64), `stage1`..`stage4` (B, T/4..T/32, F),
  `pre_logits` (B, 2 * 512).

  Attributes:
    num_outputs: number of logits.
    stage_sizes: basic blocks per stage ([2, 2, 2, 2] ResNet-18, [3, 4, 6, 3] ResNet-34).
    features: channels per stage.
    kernel_size: kernel of the block convolutions.
    stem_kernel_size: kernel of the stem convolution.
    dropout_rate: dropout before the dense layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  stage_sizes: tuple[int, ...] = (3, 4, 6, 3)
  features: tuple[int, ...] = (64, 128, 256, 512)
  kernel_size: int = 7
  stem_kernel_size: int = 15
  dropout_rate: float = 0.0
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = x.astype(self.dtype)
    x = common.ConvBNAct(self.features[0], self.stem_kernel_size, 2, dtype=self.dtype,
                         name="stem")(x, train=train)
    x = common.max_pool(x, 3, 2)
    inter["stem"] = x
    for i, (blocks, width) in enumerate(zip(self.stage_sizes, self.features)):
      for j in range(blocks):
        strides = 2 if i > 0 and j == 0 else 1
        x = BasicBlock(width, self.kernel_size, strides, dtype=self.dtype,
                       name=f"stage{i + 1}_block{j + 1}")(x, train=train)
      inter[f"stage{i + 1}"] = x
    x = common.concat_pool(x)
    inter["pre_logits"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return common.logits(self.num_outputs, x, self.dtype), inter


ResNet18 = functools.partial(ResNet1D, stage_sizes=(2, 2, 2, 2))
ResNet34 = functools.partial(ResNet1D, stage_sizes=(3, 4, 6, 3))
