"""Convolutional autoencoder with a classifier on its latent code."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common
from cardiojax.models import conv_transpose


class ConvAutoencoder(nn.Module):
  """Strided conv encoder, transposed-conv decoder, classifier on the pooled latent code.

  Source: the autoencoder of seed 004 (Arrhythmia Detectron), after the convolutional
  autoencoders of Masci et al. 2011. Encoder: conv(k7, s2) + BN + ReLU per width;
  decoder mirrors it with transposed convs and ends in a linear conv to the input
  channels; the classifier is concat pooling of the latent map -> dropout -> dense.

  Input: (B, T, C), any T (padded at the end to a multiple of 2**len(features) inside,
  the reconstruction cropped back to T).
  Output, by `output`: 'logits' -> (B, num_outputs) classifier logits, and the
  reconstruction (B, T, C) is in intermediates['reconstruction']; 'reconstruction' ->
  the reconstruction (B, T, C) as outputs (train it as regression onto the inputs), and
  the logits are in intermediates['logits'].
  Intermediates: `stem` (B, T/2, features[0]), `stage1`.. (the encoder levels),
  `latent` (B, T / 2**n, features[-1]), `reconstruction`, `pre_logits`
  (B, 2 * features[-1]) and, when output='reconstruction', `logits`.

  Attributes:
    num_outputs: classifier outputs.
    features: encoder widths (the decoder reverses them).
    kernel_size: convolution kernel.
    output: 'logits' or 'reconstruction' (what `outputs` is).
    dropout_rate: dropout before the classifier.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: tuple[int, ...] = (16, 32, 64)
  kernel_size: int = 7
  output: str = "logits"
  dropout_rate: float = 0.2
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    length, channels = x.shape[1], x.shape[2]
    factor = 2 ** len(self.features)
    x = jnp.pad(x.astype(self.dtype), ((0, 0), (0, -length % factor), (0, 0)))
    for i, width in enumerate(self.features):
      x = common.ConvBNAct(width, self.kernel_size, 2, dtype=self.dtype,
                           name=f"encoder{i + 1}")(x, train=train)
      inter["stem" if i == 0 else f"stage{i}"] = x
    inter["latent"] = x
    code = common.concat_pool(x)
    for i, width in enumerate(self.features[-2::-1] + (self.features[0],)):
      x = conv_transpose.ConvTranspose1D(width, self.kernel_size, 2, use_bias=False,
                                         dtype=self.dtype, name=f"decoder{i + 1}")(x)
      x = nn.relu(common.batch_norm(train, self.dtype)(x))
    x = nn.Conv(channels, (self.kernel_size,), padding="SAME", dtype=self.dtype,
                param_dtype=jnp.float32, name="reconstruct")(x)
    reconstruction = x[:, :length].astype(jnp.float32)
    inter["reconstruction"] = reconstruction
    inter["pre_logits"] = code
    code = nn.Dropout(self.dropout_rate, deterministic=not train)(code)
    out = common.logits(self.num_outputs, code, self.dtype)
    if self.output == "logits":
      return out, inter
    if self.output == "reconstruction":
      inter["logits"] = out
      return reconstruction, inter
    raise ValueError(f"unknown output {self.output!r}")
