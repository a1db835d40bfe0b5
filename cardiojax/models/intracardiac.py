"""Compact models for the LLNL intracardiac task: ECG -> Vm sequences, ECG -> activation times."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from cardiojax.models import common
from cardiojax.models import resnet
from cardiojax.models import unet

# Sites decoded at a time by ECGToVm (memory of the (B, T, sites, H) activations).
_SITES_PER_CHUNK = 5


def _sites(num_outputs: int, output_shape: tuple[int, ...] | None) -> int:
  if output_shape is not None and output_shape[-1] != num_outputs:
    raise ValueError(f"output_shape {output_shape} disagrees with num_outputs {num_outputs}")
  return num_outputs


class ECGToVm(nn.Module):
  """Sequence-to-sequence: 12-lead ECG to transmembrane voltage at every site.

  Source: task 4 of the LLNL cardiac challenge (Landajuela et al. 2022, "Intracardiac
  Electrical Imaging Using the 12-Lead ECG", seed 000). A 1D U-Net gives per-time
  features phi(t) (B, T, H); its second-deepest encoder stage, flattened, gives a
  code a_k (H) for every site k (dense 256 + ReLU, dense sites x H). A small decoder
  shared by all sites reads Vm_k(t) = w . ReLU(W ReLU(phi(t) + a_k)) + b, so each
  site's upstroke and repolarisation can sit at its own time: a plain per-time
  linear read-out of H << sites features cannot place 75 independent steps.
  About 3.4 M parameters at the reference size.

  Input: (B, T, 12), reference T = 500 (1 kHz); the flatten ties the site codes to
  T. Output: (B, T', sites) with (T', sites) = output_shape, default
  (T, num_outputs); a T' != T is reached by linear resampling of the outputs.
  Intermediates: those of `UNet1D` (`stem`, `stage1`.., `up1`.., `pre_logits`
  (B, T, features[0])) and `site_codes` (B, sites, H).

  Attributes:
    num_outputs: sites (75).
    output_shape: (time, sites), e.g. (500, 75); None for (T, num_outputs).
    features: channels per U-Net level (at least 2 levels).
    kernel_size: convolution kernel.
    hidden: H, the width of phi(t), the site codes and the decoder.
    dropout_rate: dropout at the U-Net bottleneck.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int = 75
  output_shape: tuple[int, ...] | None = None
  features: tuple[int, ...] = (16, 32, 64, 96, 128, 160)
  kernel_size: int = 7
  hidden: int = 48
  dropout_rate: float = 0.0
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    sites = _sites(self.num_outputs, self.output_shape)
    per_time, inter = unet.UNet1D(self.hidden, self.features, self.kernel_size,
                                  block="conv", mask_input=False,
                                  dropout_rate=self.dropout_rate, dtype=self.dtype,
                                  name="unet")(x, train=train)
    summary = common.flatten(inter[f"stage{len(self.features) - 1}"])
    summary = nn.relu(common.dense(256, self.dtype)(summary))
    codes = common.dense(sites * self.hidden, self.dtype)(summary).reshape(
        x.shape[0], sites, self.hidden)
    inter["site_codes"] = codes

    def decode(module, per_time, chunk):  # chunk: (B, sites / chunks, H)
      h = nn.relu(per_time[:, :, None, :] + chunk[:, None, :, :])
      h = nn.relu(nn.Dense(module.hidden, dtype=module.dtype, name="Dense_2",
                           parent=module)(h))
      out = nn.Dense(1, dtype=module.dtype, name="head", parent=module)(h)
      return per_time, out.astype(jnp.float32)[..., 0]

    # The (B, T, sites, H) decoder activations, chunks of about
    # _SITES_PER_CHUNK sites at a time, recomputed for the gradient: the main
    # job's step temporaries shrink 5.8x (train) and 12.8x (eval) and the
    # steps run faster (RESULTS.md, issue 16); the same parameters and outputs.
    chunks = max((c for c in range(1, sites // _SITES_PER_CHUNK + 1)
                  if sites % c == 0), default=1)
    decode = nn.scan(nn.remat(decode), variable_broadcast="params",
                     split_rngs={"params": False, "dropout": False},
                     length=chunks)
    _, out = decode(self, per_time.astype(self.dtype), codes.reshape(
        x.shape[0], chunks, sites // chunks, self.hidden).swapaxes(0, 1))
    out = out.transpose(1, 2, 0, 3).reshape(x.shape[0], x.shape[1], sites)
    if self.output_shape is not None and self.output_shape[0] != out.shape[1]:
      out = jax.image.resize(out, (out.shape[0],) + tuple(self.output_shape), "linear")
    return out, inter


class ECGToActivation(nn.Module):
  """Sequence-to-vector: 12-lead ECG to the activation time of every site.

  Source: task 3 of the LLNL cardiac challenge (Landajuela et al. 2022, seed 000),
  here a compact residual encoder (~0.45 M parameters at T = 500): stem conv(k7, 32) +
  BN + ReLU, four residual basic blocks of stride 2 (32, 64, 64, 64), flatten (the
  absolute timing of the ECG matters, so no global pooling), dropout, dense 128 + ReLU,
  dense to the sites.

  Input: (B, T, 12), reference T = 500; the flatten ties the dense layer to T.
  Output: (B, num_outputs) (activation times, in the targets' units).
  Intermediates: `stem` (B, T, 32), `stage1`..`stage4` (B, T/2..T/16, F), `pre_logits`
  (B, 128).

  Attributes:
    num_outputs: sites (75).
    output_shape: (sites,) or None.
    features: channels of the stem and of each block.
    kernel_size: convolution kernel.
    hidden: width of the hidden dense layer.
    dropout_rate: dropout before the hidden dense layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int = 75
  output_shape: tuple[int, ...] | None = None
  features: tuple[int, ...] = (32, 32, 64, 64, 64)
  kernel_size: int = 7
  hidden: int = 128
  dropout_rate: float = 0.1
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    sites = _sites(self.num_outputs, self.output_shape)
    x = common.ConvBNAct(self.features[0], self.kernel_size, dtype=self.dtype, name="stem")(
        x.astype(self.dtype), train=train)
    inter["stem"] = x
    for i, width in enumerate(self.features[1:]):
      x = resnet.BasicBlock(width, self.kernel_size, 2, dtype=self.dtype,
                            name=f"stage{i + 1}")(x, train=train)
      inter[f"stage{i + 1}"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(common.flatten(x))
    x = nn.relu(common.dense(self.hidden, self.dtype)(x))
    inter["pre_logits"] = x
    return common.logits(sites, x, self.dtype), inter
