"""The residual network of Ribeiro et al. 2020 for the 12-lead ECG."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common


class ResidualUnit(nn.Module):
  """Pre-activation residual unit of Ribeiro et al.: takes and returns `(x, y)`.

  x: conv -> BN -> ReLU -> dropout -> strided conv, plus the skip y (max pooling
  by `strides`, then a 1x1 convolution when the width changes); the sum is the new
  skip y and, after BN -> ReLU -> dropout, the new x.
  """
  features: int
  kernel_size: int
  strides: int
  dropout_rate: float
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, y, *, train: bool):
    conv = lambda f, k, s, name: common.conv(f, k, self.dtype, s, name=name)  # noqa: E731
    if self.strides > 1:
      y = common.max_pool(y, self.strides, self.strides)
    if y.shape[-1] != self.features:
      y = conv(self.features, 1, 1, "skip_conv")(y)
    x = conv(self.features, self.kernel_size, 1, "conv1")(x)
    x = nn.relu(common.batch_norm(train, self.dtype, name="bn1")(x))
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    x = conv(self.features, self.kernel_size, self.strides, "conv2")(x)
    y = common.materialize(x + y)
    x = nn.relu(common.batch_norm(train, self.dtype, name="bn2")(y))
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return x, y


class RibeiroResNet(nn.Module):
  """Residual network for 12-lead ECG diagnosis.

  Source: Ribeiro et al. 2020, "Automatic diagnosis of the 12-lead ECG using a deep
  neural network", Nat. Commun. 11:1760 (antonior92/automatic-ecg-diagnosis); used
  for PTB-XL age and rhythm in seed 003. Conv(64, k=16) + BN + ReLU, four residual
  units of 128-196-256-320 channels each downsampling by 4, dropout 0.2, flatten,
  dense.

  Input: (B, T, leads), mV; reference T = 4096 at 400 Hz. The flatten ties the dense
  layer to T (the parameters differ per length). Output: (B, num_outputs).
  Intermediates: `stem` (B, T, 64), `stage1`..`stage4` (B, T/4..T/256, F),
  `pre_logits` (B, ceil(T/256) * 320).

  Attributes:
    num_outputs: number of outputs.
    features: channels of the stem and of each residual unit.
    strides: downsampling of each residual unit.
    kernel_size: convolution kernel.
    dropout_rate: dropout inside the units.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: tuple[int, ...] = (64, 128, 196, 256, 320)
  strides: tuple[int, ...] = (4, 4, 4, 4)
  kernel_size: int = 16
  dropout_rate: float = 0.2
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = x.astype(self.dtype)
    x = common.conv(self.features[0], self.kernel_size, self.dtype, name="stem_conv")(x)
    x = nn.relu(common.batch_norm(train, self.dtype, name="stem_bn")(x))
    inter["stem"] = x
    y = x
    for i, (width, stride) in enumerate(zip(self.features[1:], self.strides)):
      x, y = ResidualUnit(width, self.kernel_size, stride, self.dropout_rate,
                          dtype=self.dtype, name=f"unit{i + 1}")(x, y, train=train)
      inter[f"stage{i + 1}"] = x
    x = common.flatten(x)
    inter["pre_logits"] = x
    return common.logits(self.num_outputs, x, self.dtype), inter
