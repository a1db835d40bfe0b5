"""inception1d, the InceptionTime-style network from the PTB-XL benchmark."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common


class InceptionBlock(nn.Module):
  """1x1 bottleneck, then parallel convs of several kernels plus a max-pool -> 1x1 conv
  path, concatenated, BN, ReLU: (B, T, C) -> (B, T, (len(kernel_sizes) + 1) * features)."""
  features: int
  kernel_sizes: tuple[int, ...]
  bottleneck: int
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    conv = lambda f, k: nn.Conv(f, (k,), padding="SAME", use_bias=False,  # noqa: E731
                                dtype=self.dtype, param_dtype=jnp.float32)
    bottled = conv(self.bottleneck, 1)(x)
    paths = [conv(self.features, k)(bottled) for k in self.kernel_sizes]
    paths.append(conv(self.features, 1)(common.max_pool(x, 3, 1)))
    y = jnp.concatenate(paths, axis=-1)
    return nn.relu(common.batch_norm(train, self.dtype)(y))


class Inception1D(nn.Module):
  """Inception blocks with a residual shortcut every three blocks, concat pooling, head.

  Source: Fawaz et al. 2020, "InceptionTime: Finding AlexNet for time series
  classification", in the 1D form benchmarked by Strodthoff et al. 2021, "Deep Learning
  for ECG Analysis: Benchmarks and Insights from PTB-XL", IEEE JBHI 25(5):1519
  (helme/ecg_ptbxl_benchmarking, inception1d). Depth 6, 32 filters per path with
  kernels 39, 19, 9 after a 32-channel bottleneck, shortcut 1x1 conv + BN every 3 blocks;
  head: concat pooling -> BN -> dropout 0.25 -> dense 128 -> ReLU -> BN -> dropout 0.5
  -> dense.

  Input: (B, T, leads), any T; reference 1000 samples at 100 Hz. Output:
  (B, num_outputs). Intermediates: `stem` (after block 1, (B, T, 128)), `stage1`,
  `stage2` (after each residual group of three blocks, (B, T, 128)), `pre_logits` (B, 128).

  Attributes:
    num_outputs: number of outputs.
    depth: inception blocks (a multiple of 3).
    features: filters per path.
    kernel_size: the longest kernel; the paths use k, k // 2, k // 4, made odd.
    bottleneck: channels of the 1x1 bottleneck.
    head_hidden: hidden widths of the head.
    dropout_rate: head dropout (half before the hidden layers).
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  depth: int = 6
  features: int = 32
  kernel_size: int = 40
  bottleneck: int = 32
  head_hidden: tuple[int, ...] = (128,)
  dropout_rate: float = 0.5
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    kernels = tuple(k - 1 if k % 2 == 0 else k
                    for k in (self.kernel_size, self.kernel_size // 2, self.kernel_size // 4))
    x = x.astype(self.dtype)
    residual = x
    for d in range(self.depth):
      x = InceptionBlock(self.features, kernels, self.bottleneck, dtype=self.dtype)(
          x, train=train)
      if d == 0:
        inter["stem"] = x
      if d % 3 == 2:
        shortcut = common.ConvBNAct(x.shape[-1], 1, act=False, dtype=self.dtype)(
            residual, train=train)
        x = residual = nn.relu(x + shortcut)
        inter[f"stage{d // 3 + 1}"] = x
    pre_logits, out = common.MLPHead(self.num_outputs, self.head_hidden, self.dropout_rate,
                                     dtype=self.dtype, name="head")(
                                         common.concat_pool(x), train=train)
    inter["pre_logits"] = pre_logits
    return out, inter
