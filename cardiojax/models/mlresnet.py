"""ML-ResNet: a shared per-lead residual branch and a linear combination across leads."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common
from cardiojax.models import resnet


class MLResNet(nn.Module):
  """Per-lead features from one shared residual branch, combined linearly across leads.

  Source: Han and Shi 2020, "ML-ResNet: A novel network to detect and locate
  myocardial infarction using 12 leads ECG", Comput. Methods Programs Biomed.
  185:105138, as used for recursive lead elimination in seed 003 (there with one
  branch shared by all leads). Each lead runs alone through stem Conv(32, k15, s2) +
  BN + ReLU and three residual stages (32, 64, 128; stride 2), is pooled over time,
  and a linear layer on the features of all leads gives the outputs. A lead is
  dropped at run time by `lead_mask`, which zeroes its features, so one trained model
  serves every lead subset.

  Input: (B, T, L), any T >= 8; `lead_mask` (B, L) or (L,) of 0/1, default all ones.
  Output: (B, num_outputs). Intermediates: `stem`, `stage1`..`stage3` (B * L, T', F)
  (leads folded into the batch, lead-major within each example), `lead_features`
  (B, L, 128) and `pre_logits` (B, L * 128), both masked.

  Attributes:
    num_outputs: number of outputs.
    features: channels of the stem and of each stage.
    blocks_per_stage: basic blocks per stage.
    kernel_size: kernel of the block convolutions.
    dropout_rate: dropout before the linear combination.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: tuple[int, ...] = (32, 32, 64, 128)
  blocks_per_stage: int = 1
  kernel_size: int = 7
  dropout_rate: float = 0.2
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool, lead_mask=None):
    inter = {}
    batch, length, leads = x.shape
    x = jnp.transpose(x, (0, 2, 1)).reshape(batch * leads, length, 1).astype(self.dtype)
    x = common.ConvBNAct(self.features[0], 15, 2, dtype=self.dtype, name="stem")(
        x, train=train)
    inter["stem"] = x
    for i, width in enumerate(self.features[1:]):
      for j in range(self.blocks_per_stage):
        x = resnet.BasicBlock(width, self.kernel_size, 2 if j == 0 else 1, dtype=self.dtype,
                              name=f"stage{i + 1}_block{j + 1}")(x, train=train)
      inter[f"stage{i + 1}"] = x
    x = jnp.mean(x, axis=1).reshape(batch, leads, -1)
    if lead_mask is not None:
      x = x * jnp.broadcast_to(jnp.asarray(lead_mask, x.dtype), (batch, leads))[..., None]
    inter["lead_features"] = x
    x = common.flatten(x)
    inter["pre_logits"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return common.logits(self.num_outputs, x, self.dtype), inter
