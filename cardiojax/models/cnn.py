"""Plain and residual 1D CNNs for single beats and short windows."""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from cardiojax.models import common
from cardiojax.models import recurrent


def _conv(features: int, kernel_size: int, dtype, dilation: int = 1, name=None):
  return common.conv(features, kernel_size, dtype, dilation=dilation, use_bias=True, name=name)


class DeepCNN(nn.Module):
  """Conv + ReLU + max-pool blocks, flatten, dense layers.

  Source: the "deep 1D CNN" of seed 001 (MIT-BIH abnormal beat detection):
  several Conv1D + ReLU layers, a flattening layer, then linear layers.

  Input: (B, T, C), mV. The flatten ties the first dense layer to T.
  Output: (B, num_outputs). Intermediates: `stem` (B, T/2, features[0]),
  `stage1`.. for the following blocks, `pre_logits` (B, hidden[-1]).

  Attributes:
    num_outputs: number of outputs.
    features: channels of each conv block (each halves the time axis).
    kernel_size: convolution kernel.
    hidden: widths of the dense layers before the output layer.
    dropout_rate: dropout after each hidden dense layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: tuple[int, ...] = (32, 64, 128)
  kernel_size: int = 5
  hidden: tuple[int, ...] = (128,)
  dropout_rate: float = 0.25
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = x.astype(self.dtype)
    for i, width in enumerate(self.features):
      x = nn.relu(_conv(width, self.kernel_size, self.dtype)(x))
      x = common.max_pool(x, 2, 2)
      inter["stem" if i == 0 else f"stage{i}"] = x
    x = common.flatten(x)
    for width in self.hidden:
      x = nn.relu(common.dense(width, self.dtype)(x))
      x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    inter["pre_logits"] = x
    return common.logits(self.num_outputs, x, self.dtype), inter


class KachueeResNet(nn.Module):
  """Residual CNN for single heartbeats.

  Source: Kachuee, Fazeli and Sarrafzadeh 2018, "ECG Heartbeat Classification: A Deep
  Transferable Representation", IEEE ICHI (the Kaggle heartbeat baseline, seeds 000
  and 004). Conv(32, k=5), five residual blocks (conv k5 32 -> ReLU -> conv k5 32,
  skip, ReLU, max-pool k5 s2 'VALID'), flatten, dense 32 -> ReLU -> dense 32 -> ReLU
  -> dense out.

  Input: (B, 187, 1) beats at 125 Hz (any T >= 125; the flatten ties the dense
  layers to T). Output: (B, num_outputs). Intermediates: `stem` (B, T, 32),
  `stage1`..`stage5` (B, T', 32), `pre_logits` (B, 32).

  Attributes:
    num_outputs: number of outputs.
    features: channels of every convolution.
    num_blocks: residual blocks.
    hidden: widths of the dense layers before the output layer.
    dropout_rate: dropout before the output layer (0 in the paper).
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: int = 32
  num_blocks: int = 5
  hidden: tuple[int, ...] = (32, 32)
  dropout_rate: float = 0.0
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = _conv(self.features, 5, self.dtype, name="stem")(x.astype(self.dtype))
    inter["stem"] = x
    for i in range(self.num_blocks):
      y = nn.relu(_conv(self.features, 5, self.dtype, name=f"block{i + 1}_conv1")(x))
      y = _conv(self.features, 5, self.dtype, name=f"block{i + 1}_conv2")(y)
      x = common.max_pool(nn.relu(x + y), 5, 2, padding="VALID")
      inter[f"stage{i + 1}"] = x
    x = common.flatten(x)
    for width in self.hidden:
      x = nn.relu(common.dense(width, self.dtype)(x))
    inter["pre_logits"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return common.logits(self.num_outputs, x, self.dtype), inter


class DilatedCNNBiLSTM(nn.Module):
  """Four dilated conv blocks (conv -> BN -> ReLU -> max-pool -> dropout), then a BiLSTM.

  Source: the dilated CNN + bidirectional LSTM of seed 004 (Arrhythmia Detectron,
  ETH Zurich ML4H): 1D dilated convolutions widen the receptive field, max pooling
  shortens the sequence in four blocks, dropout regularises, a BiLSTM reads the
  distilled sequence. The widths and rates are ours (the seed gives none).

  Input: (B, T, C), any T >= 16. Output: (B, num_outputs). Intermediates: `stem`
  (B, T/2, features[0]), `stage1`..`stage3`, `bilstm` (B, T/16, 2 * hidden),
  `pre_logits` (B, 4 * hidden) (mean and max over time).

  Attributes:
    num_outputs: number of outputs.
    features: channels of the four blocks.
    dilations: kernel dilation of each block.
    kernel_size: convolution kernel.
    hidden: LSTM units per direction.
    dropout_rate: dropout after each block and before the output layer.
    dtype: computation dtype; parameters are float32.
  """
  num_outputs: int
  features: tuple[int, ...] = (32, 64, 64, 128)
  dilations: tuple[int, ...] = (1, 2, 4, 8)
  kernel_size: int = 5
  hidden: int = 64
  dropout_rate: float = 0.2
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, *, train: bool):
    inter = {}
    x = x.astype(self.dtype)
    for i, (width, dilation) in enumerate(zip(self.features, self.dilations)):
      x = common.ConvBNAct(width, self.kernel_size, dilation=dilation, dtype=self.dtype)(
          x, train=train)
      x = common.max_pool(x, 2, 2)
      x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
      inter["stem" if i == 0 else f"stage{i}"] = x
    _, x = recurrent.LSTMLayer(self.hidden, bidirectional=True, dtype=self.dtype,
                               name="bilstm")(x)
    inter["bilstm"] = x
    x = common.concat_pool(x)
    inter["pre_logits"] = x
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    return common.logits(self.num_outputs, x, self.dtype), inter
