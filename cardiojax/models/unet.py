"""1D U-Net and UResNet for dense (per-sample) outputs such as lead reconstruction."""

import functools
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common
from cardiojax.models import conv_transpose
from cardiojax.models import resnet


class ConvBlock(nn.Module):
  """Two conv + BN + ReLU layers, the first with `strides` (the plain U-Net block)."""
  features: int
  kernel_size: int
  strides: int = 1
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    x = common.ConvBNAct(self.features, self.kernel_size, self.strides, dtype=self.dtype)(
        x, train=train)
    return common.ConvBNAct(self.features, self.kernel_size, dtype=self.dtype)(x, train=train)


class UNet1D(nn.Module):
  """Encoder-decoder with skip connections; per-sample outputs at the input length.

  Sources: Ronneberger et al. 2015 (U-Net); with `block='residual'` the UResNet of
  Gedon et al. 2021, "First Steps Towards Self-Supervised Pretraining of the 12-Lead
  ECG", CinC (seed 003: reconstruct all 12 leads from a lead subset). Each encoder
  level is a block (two conv+BN+ReLU, or a residual basic block) halving the time axis
  from the second level on; each decoder level upsamples by a transposed conv (k2, s2),
  concatenates the skip, and applies a block; a linear 1x1 conv gives the outputs.

  Input: (B, T, L), any T (padded at the end to a multiple of 2**(levels - 1), cropped
  back). With `mask_input`, missing leads are zeros and the model sees
  concat(x * mask, mask) (B, T, 2L); `lead_mask` (B, L) or (L,) of 0/1 defaults to
  "lead not identically zero". Output: (B, T, num_outputs) (12 reconstructed leads by
  default). Intermediates: `stem` (B, T, features[0]), `stage1`.. (encoder levels),
  `up1`.. (decoder levels), `pre_logits` (B, T, features[0]).

  Attributes:
    num_outputs: output channels.
    features: channels per level.
    kernel_size: convolution kernel.
    block: 'conv' (U-Net) or 'residual' (UResNet).
    mask_input: append the lead mask as input channels.
    dropout_rate: dropout at the bottleneck.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int = 12
  features: tuple[int, ...] = (32, 64, 128, 256)
  kernel_size: int = 9
  block: str = "conv"
  mask_input: bool = True
  dropout_rate: float = 0.1
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool, lead_mask=None):
    inter = {}
    blocks = {"conv": ConvBlock, "residual": resnet.BasicBlock}
    make_block = functools.partial(blocks[self.block], kernel_size=self.kernel_size,
                                   dtype=self.dtype)
    length = x.shape[1]
    x = x.astype(self.dtype)
    if self.mask_input:
      if lead_mask is None:
        mask = jnp.any(x != 0, axis=1).astype(self.dtype)
      else:
        mask = jnp.broadcast_to(jnp.asarray(lead_mask, self.dtype), (x.shape[0], x.shape[2]))
      mask = jnp.broadcast_to(mask[:, None, :], x.shape)
      x = jnp.concatenate([x * mask, mask], axis=-1)
    factor = 2 ** (len(self.features) - 1)
    x = jnp.pad(x, ((0, 0), (0, -length % factor), (0, 0)))
    x = common.ConvBNAct(self.features[0], self.kernel_size, dtype=self.dtype, name="stem")(
        x, train=train)
    inter["stem"] = x
    skips = []
    for i, width in enumerate(self.features):
      x = make_block(width, strides=1 if i == 0 else 2, name=f"down{i + 1}")(x, train=train)
      inter[f"stage{i + 1}"] = x
      skips.append(x)
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    for i, (width, skip) in enumerate(zip(self.features[-2::-1], skips[-2::-1])):
      x = conv_transpose.ConvTranspose1D(width, 2, 2, dtype=self.dtype,
                                         name=f"upsample{i + 1}")(x)
      x = make_block(width, name=f"up{i + 1}")(jnp.concatenate([x, skip], axis=-1),
                                               train=train)
      inter[f"up{i + 1}"] = x
    x = x[:, :length]
    inter["pre_logits"] = x
    x = nn.Conv(self.num_outputs, (1,), dtype=self.dtype, param_dtype=jnp.float32,
                name="head")(x)
    return x.astype(jnp.float32), inter


UResNet1D = functools.partial(UNet1D, block="residual")
