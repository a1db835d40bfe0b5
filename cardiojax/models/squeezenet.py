"""1D SqueezeNet, the reference model of the LLNL cardiac challenge."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common


class Fire(nn.Module):
  """Squeeze 1x1 conv -> ReLU, then 1x1 and 3-tap expand convs -> ReLU, concatenated."""
  squeeze: int
  expand: int
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x):
    conv = lambda f, k: nn.Conv(f, (k,), padding="SAME", dtype=self.dtype,  # noqa: E731
                                param_dtype=jnp.float32)
    x = nn.relu(conv(self.squeeze, 1)(x))
    return jnp.concatenate([nn.relu(conv(self.expand, 1)(x)), nn.relu(conv(self.expand, 3)(x))],
                           axis=-1)


class SqueezeNet1D(nn.Module):
  """SqueezeNet v1.1 in 1D: conv stem, Fire modules between max-pools, global pooling.

  Source: Iandola et al. 2016, "SqueezeNet: AlexNet-level accuracy with 50x fewer
  parameters"; the 1D adaptation is the reference model of the LLNL cardiac ML
  challenge (Landajuela et al. 2022, seed 000). Conv(64, k3, s2) -> max-pool 3/2 ->
  Fire(16, 64) x2 -> max-pool -> Fire(32, 128) x2 -> max-pool -> Fire(48, 192) x2 ->
  Fire(64, 256) x2 -> dropout 0.5 -> global mean -> linear. (The original ends with a
  1x1 conv and then global mean; both are linear, so their order does not matter.
  The final ReLU is dropped so outputs can be any real value.)

  Input: (B, T, C), any T >= 8. Output: (B, num_outputs). Intermediates: `stem`
  (B, T/4, 64), `stage1`..`stage3` (B, T/4..T/16, 128..512), `pre_logits` (B, 512).

  Attributes:
    num_outputs: number of outputs.
    stem_features: channels of the stem convolution.
    fire_squeeze: squeeze widths of the Fire modules of each stage.
    dropout_rate: dropout before the linear layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  stem_features: int = 64
  fire_squeeze: tuple[tuple[int, ...], ...] = ((16, 16), (32, 32), (48, 48, 64, 64))
  dropout_rate: float = 0.5
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = nn.Conv(self.stem_features, (3,), strides=(2,), padding="SAME", dtype=self.dtype,
                param_dtype=jnp.float32, name="stem")(x.astype(self.dtype))
    x = common.max_pool(nn.relu(x), 3, 2)
    inter["stem"] = x
    for i, squeezes in enumerate(self.fire_squeeze):
      if i > 0:
        x = common.max_pool(x, 3, 2)
      for squeeze in squeezes:
        x = Fire(squeeze, 4 * squeeze, dtype=self.dtype)(x)
      inter[f"stage{i + 1}"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    x = jnp.mean(x, axis=1)
    inter["pre_logits"] = x
    return common.logits(self.num_outputs, x, self.dtype), inter
