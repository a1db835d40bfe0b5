"""xresnet1d, the fastai ResNet variant in 1D from the PTB-XL benchmark."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common


class XResBlock(nn.Module):
  """fastai ResBlock: basic (expansion 1) or bottleneck (expansion 4) branch whose last
  BatchNorm starts at zero; the identity path average-pools when strided and uses a
  1x1 conv + BN when the width changes; ReLU after the sum."""
  features: int
  expansion: int
  kernel_size: int
  strides: int = 1
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    out = self.features * self.expansion
    cba = functools.partial(common.ConvBNAct, dtype=self.dtype)
    if self.expansion == 1:
      y = cba(self.features, self.kernel_size, self.strides)(x, train=train)
    else:
      y = cba(self.features, 1)(x, train=train)
      y = cba(self.features, self.kernel_size, self.strides)(y, train=train)
    y = cba(out, self.kernel_size if self.expansion == 1 else 1, act=False,
            zero_init_bn=True)(y, train=train)
    if self.strides != 1:
      x = common.avg_pool(x, self.strides, self.strides)
    if x.shape[-1] != out:
      x = cba(out, 1, act=False, name="idconv")(x, train=train)
    return nn.relu(x + y)


class XResNet1D(nn.Module):
  """xresnet1d: three-conv stem, residual stages, concat pooling, fastai head.

  Source: He et al. 2019, "Bag of Tricks for Image Classification with CNNs" (ResNet-D,
  fastai xresnet), in 1D as benchmarked by Strodthoff et al. 2021, "Deep Learning for
  ECG Analysis: Benchmarks and Insights from PTB-XL", IEEE JBHI 25(5):1519
  (helme/ecg_ptbxl_benchmarking; xresnet1d101 among the best). Stem: three
  conv(k5)+BN+ReLU (32, 32, 64; the first with stride 2) and max-pool 3/2; stages of
  64-128-256-512 (x expansion) with stride 2 from stage 2; head: concat pooling ->
  BN -> dropout 0.25 -> dense 128 -> ReLU -> BN -> dropout 0.5 -> dense.

  Input: (B, T, leads), any T >= 32; reference 1000 samples at 100 Hz. Output:
  (B, num_outputs). Intermediates: `stem` (B, T/4, 64), `stage1`..`stage4`,
  `pre_logits` (B, 128).

  Attributes:
    num_outputs: number of outputs.
    stage_sizes: blocks per stage.
    expansion: 1 (basic blocks) or 4 (bottleneck blocks).
    kernel_size: kernel of the stem and block convolutions.
    stem_features: channels of the three stem convolutions.
    features: base channels of each stage (times `expansion` at its output).
    head_hidden: hidden widths of the head.
    dropout_rate: head dropout (half before the hidden layers).
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  stage_sizes: tuple[int, ...] = (3, 4, 23, 3)
  expansion: int = 4
  kernel_size: int = 5
  stem_features: tuple[int, ...] = (32, 32, 64)
  features: tuple[int, ...] = (64, 128, 256, 512)
  head_hidden: tuple[int, ...] = (128,)
  dropout_rate: float = 0.5
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = x.astype(self.dtype)
    for i, width in enumerate(self.stem_features):
      x = common.ConvBNAct(width, self.kernel_size, 2 if i == 0 else 1, dtype=self.dtype,
                           name=f"stem{i + 1}")(x, train=train)
    x = common.max_pool(x, 3, 2)
    inter["stem"] = x
    for i, (blocks, width) in enumerate(zip(self.stage_sizes, self.features)):
      for j in range(blocks):
        x = XResBlock(width, self.expansion, self.kernel_size, 2 if i > 0 and j == 0 else 1,
                      dtype=self.dtype, name=f"stage{i + 1}_block{j + 1}")(x, train=train)
      inter[f"stage{i + 1}"] = x
    pre_logits, out = common.MLPHead(self.num_outputs, self.head_hidden, self.dropout_rate,
                                     dtype=self.dtype, name="head")(
                                         common.concat_pool(x), train=train)
    inter["pre_logits"] = pre_logits
    return out, inter


XResNet1D18 = functools.partial(XResNet1D, stage_sizes=(2, 2, 2, 2), expansion=1)
XResNet1D34 = functools.partial(XResNet1D, stage_sizes=(3, 4, 6, 3), expansion=1)
XResNet1D50 = functools.partial(XResNet1D, stage_sizes=(3, 4, 6, 3), expansion=4)
XResNet1D101 = functools.partial(XResNet1D, stage_sizes=(3, 4, 23, 3), expansion=4)
