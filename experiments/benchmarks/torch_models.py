"""PyTorch references of the cardiojax models timed by `speed.py` (NCW layout).

Each module mirrors one flax module of `cardiojax.models` layer for layer: the
same widths, kernels, strides, 'SAME' paddings (TensorFlow/XLA rule: the odd
sample of padding goes at the end), pooling, dropout rates and head, so the
parameter counts agree exactly (`speed.py` asserts it). Initialisations and the
flatten order differ; neither changes the cost. Inputs are (B, C, T).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F


def _same_pad(length: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
  """XLA's 'SAME' padding (left, right) of a window over `length` samples."""
  span = (kernel - 1) * dilation + 1
  total = max((math.ceil(length / stride) - 1) * stride + span - length, 0)
  return total // 2, total - total // 2


class SameConv(nn.Conv1d):
  """Conv1d with XLA's 'SAME' padding for any stride and dilation."""

  def forward(self, x):
    left, right = _same_pad(x.shape[-1], self.kernel_size[0], self.stride[0],
                            self.dilation[0])
    return super().forward(F.pad(x, (left, right)) if left or right else x)


def same_max_pool(x, window: int, stride: int):
  """Max pooling with 'SAME' padding by -inf, as `common.max_pool`."""
  left, right = _same_pad(x.shape[-1], window, stride)
  if left or right:
    x = F.pad(x, (left, right), value=-math.inf)
  return F.max_pool1d(x, window, stride)


def batch_norm(features: int) -> nn.BatchNorm1d:
  """`common.batch_norm`: flax momentum 0.9 is torch momentum 0.1."""
  return nn.BatchNorm1d(features, eps=1e-5, momentum=0.1)


class ConvBNAct(nn.Module):
  """`common.ConvBNAct`: conv ('SAME', no bias) -> BN -> optional ReLU."""

  def __init__(self, in_features, features, kernel_size, stride=1, dilation=1, act=True):
    super().__init__()
    self.conv = SameConv(in_features, features, kernel_size, stride, dilation=dilation,
                         bias=False)
    self.bn = batch_norm(features)
    self.act = act

  def forward(self, x):
    x = self.bn(self.conv(x))
    return F.relu(x) if self.act else x


def concat_pool(x):
  """Mean and max over time, concatenated: (B, F, T) -> (B, 2F)."""
  return torch.cat([x.mean(-1), x.amax(-1)], dim=-1)


class BasicBlock(nn.Module):
  """`resnet.BasicBlock`."""

  def __init__(self, in_features, features, kernel_size, stride=1):
    super().__init__()
    self.conv1 = ConvBNAct(in_features, features, kernel_size, stride)
    self.conv2 = ConvBNAct(features, features, kernel_size, act=False)
    self.shortcut = None
    if in_features != features or stride != 1:
      self.shortcut = ConvBNAct(in_features, features, 1, stride, act=False)

  def forward(self, x):
    y = self.conv2(self.conv1(x))
    return F.relu((x if self.shortcut is None else self.shortcut(x)) + y)


class ResNet1D(nn.Module):
  """`resnet.ResNet1D` (ResNet-34 by default)."""

  def __init__(self, num_outputs, in_features=12, stage_sizes=(3, 4, 6, 3),
               features=(64, 128, 256, 512), kernel_size=7, stem_kernel_size=15):
    super().__init__()
    self.stem = ConvBNAct(in_features, features[0], stem_kernel_size, 2)
    blocks, width_in = [], features[0]
    for i, (num_blocks, width) in enumerate(zip(stage_sizes, features)):
      for j in range(num_blocks):
        blocks.append(BasicBlock(width_in, width, kernel_size,
                                 2 if i > 0 and j == 0 else 1))
        width_in = width
    self.blocks = nn.Sequential(*blocks)
    self.head = nn.Linear(2 * features[-1], num_outputs)

  def forward(self, x):
    x = same_max_pool(self.stem(x), 3, 2)
    return self.head(concat_pool(self.blocks(x)))


class ResidualUnit(nn.Module):
  """`ribeiro.ResidualUnit`: takes and returns (x, y)."""

  def __init__(self, in_features, features, kernel_size, stride, dropout_rate):
    super().__init__()
    self.stride = stride
    self.skip_conv = (nn.Conv1d(in_features, features, 1, bias=False)
                      if in_features != features else None)
    self.conv1 = SameConv(in_features, features, kernel_size, bias=False)
    self.bn1 = batch_norm(features)
    self.conv2 = SameConv(features, features, kernel_size, stride, bias=False)
    self.bn2 = batch_norm(features)
    self.dropout = nn.Dropout(dropout_rate)

  def forward(self, x, y):
    if self.stride > 1:
      y = same_max_pool(y, self.stride, self.stride)
    if self.skip_conv is not None:
      y = self.skip_conv(y)
    x = self.dropout(F.relu(self.bn1(self.conv1(x))))
    y = self.conv2(x) + y
    return self.dropout(F.relu(self.bn2(y))), y


class RibeiroResNet(nn.Module):
  """`ribeiro.RibeiroResNet`; the flatten ties the head to `length`."""

  def __init__(self, num_outputs, length=4096, in_features=12,
               features=(64, 128, 196, 256, 320), strides=(4, 4, 4, 4), kernel_size=16,
               dropout_rate=0.2):
    super().__init__()
    self.stem_conv = SameConv(in_features, features[0], kernel_size, bias=False)
    self.stem_bn = batch_norm(features[0])
    self.units = nn.ModuleList(
        ResidualUnit(a, b, kernel_size, s, dropout_rate)
        for a, b, s in zip(features[:-1], features[1:], strides))
    for stride in strides:
      length = math.ceil(length / stride)
    self.head = nn.Linear(length * features[-1], num_outputs)

  def forward(self, x):
    x = F.relu(self.stem_bn(self.stem_conv(x)))
    y = x
    for unit in self.units:
      x, y = unit(x, y)
    return self.head(x.flatten(1))


class LSTM(nn.Module):
  """One-directional LSTM layer with flax's parameter count, (B, T, C) -> (B, T, H).

  flax's LSTM cells have one bias per gate; torch's have two. A constant-one input
  channel whose input weights act as the single bias keeps the count equal and
  still runs torch's fused LSTM kernel.
  """

  def __init__(self, in_features, hidden, reverse=False):
    super().__init__()
    self.lstm = nn.LSTM(in_features + 1, hidden, batch_first=True, bias=False)
    self.reverse = reverse

  def forward(self, x):
    x = torch.cat([x, x.new_ones(x.shape[:-1] + (1,))], dim=-1)
    if self.reverse:
      return self.lstm(x.flip(1))[0].flip(1)
    return self.lstm(x)[0]


class BiLSTM(nn.Module):
  """Forward and backward `LSTM`s, outputs concatenated (`recurrent.bidirectional`)."""

  def __init__(self, in_features, hidden):
    super().__init__()
    self.fwd = LSTM(in_features, hidden)
    self.bwd = LSTM(in_features, hidden, reverse=True)

  def forward(self, x):
    return torch.cat([self.fwd(x), self.bwd(x)], dim=-1)


class BiLSTMNet(nn.Module):
  """`recurrent.BiLSTM`: one bidirectional layer, flatten, linear; (B, C, T) in."""

  def __init__(self, num_outputs, length=187, in_features=1, hidden=64):
    super().__init__()
    self.rnn = BiLSTM(in_features, hidden)
    self.head = nn.Linear(length * 2 * hidden, num_outputs)

  def forward(self, x):
    return self.head(self.rnn(x.transpose(1, 2)).flatten(1))


class DilatedCNNBiLSTM(nn.Module):
  """`cnn.DilatedCNNBiLSTM`."""

  def __init__(self, num_outputs, in_features=1, features=(32, 64, 64, 128),
               dilations=(1, 2, 4, 8), kernel_size=5, hidden=64, dropout_rate=0.2):
    super().__init__()
    widths = (in_features,) + tuple(features)
    self.blocks = nn.ModuleList(
        ConvBNAct(a, b, kernel_size, dilation=d)
        for a, b, d in zip(widths[:-1], widths[1:], dilations))
    self.dropout = nn.Dropout(dropout_rate)
    self.rnn = BiLSTM(features[-1], hidden)
    self.head = nn.Linear(4 * hidden, num_outputs)

  def forward(self, x):
    for block in self.blocks:
      x = self.dropout(same_max_pool(block(x), 2, 2))
    x = self.rnn(x.transpose(1, 2))
    return self.head(self.dropout(torch.cat([x.mean(1), x.amax(1)], dim=-1)))


def sinusoidal_positions(length: int, width: int) -> torch.Tensor:
  """`transformer.sinusoidal_positions`."""
  position = torch.arange(length, dtype=torch.float64)[:, None]
  rate = torch.exp(-math.log(10000.0) * torch.arange(0, width, 2) / width)
  codes = torch.zeros(length, width)
  codes[:, 0::2] = torch.sin(position * rate)
  codes[:, 1::2] = torch.cos(position * rate)[:, :width // 2]
  return codes


class EncoderBlock(nn.Module):
  """`transformer.EncoderBlock`: pre-LayerNorm, tanh-approximated GELU as flax's."""

  def __init__(self, width, num_heads, mlp_dim, dropout_rate):
    super().__init__()
    self.ln1 = nn.LayerNorm(width, eps=1e-6)
    self.attention = nn.MultiheadAttention(width, num_heads, dropout=dropout_rate,
                                           batch_first=True)
    self.ln2 = nn.LayerNorm(width, eps=1e-6)
    self.mlp1 = nn.Linear(width, mlp_dim)
    self.mlp2 = nn.Linear(mlp_dim, width)
    self.dropout = nn.Dropout(dropout_rate)

  def forward(self, x):
    y = self.ln1(x)
    x = x + self.dropout(self.attention(y, y, y, need_weights=False)[0])
    y = self.mlp2(F.gelu(self.mlp1(self.ln2(x)), approximate="tanh"))
    return x + self.dropout(y)


class Transformer1D(nn.Module):
  """`transformer.Transformer1D` with the class token."""

  def __init__(self, num_outputs, in_features=12, patch_size=16, width=64, depth=4,
               num_heads=4, mlp_dim=128, dropout_rate=0.1):
    super().__init__()
    self.patch_embed = SameConv(in_features, width, patch_size, patch_size)
    self.cls = nn.Parameter(torch.zeros(1, 1, width))
    self.dropout = nn.Dropout(dropout_rate)
    self.blocks = nn.Sequential(*[EncoderBlock(width, num_heads, mlp_dim, dropout_rate)
                                  for _ in range(depth)])
    self.final_norm = nn.LayerNorm(width, eps=1e-6)
    self.head = nn.Linear(width, num_outputs)

  def forward(self, x):
    x = self.patch_embed(x).transpose(1, 2)
    x = x + sinusoidal_positions(x.shape[1], x.shape[2]).to(x)
    x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
    x = self.final_norm(self.blocks(self.dropout(x)))
    return self.head(x[:, 0])


class ConvBlock(nn.Module):
  """`unet.ConvBlock`: two ConvBNAct, the first with `stride`."""

  def __init__(self, in_features, features, kernel_size, stride=1):
    super().__init__()
    self.conv1 = ConvBNAct(in_features, features, kernel_size, stride)
    self.conv2 = ConvBNAct(features, features, kernel_size)

  def forward(self, x):
    return self.conv2(self.conv1(x))


class UNet1D(nn.Module):
  """`unet.UNet1D` with plain conv blocks and no lead mask."""

  def __init__(self, num_outputs, in_features, features, kernel_size, dropout_rate):
    super().__init__()
    self.factor = 2 ** (len(features) - 1)
    self.stem = ConvBNAct(in_features, features[0], kernel_size)
    widths = (features[0],) + tuple(features)
    self.down = nn.ModuleList(ConvBlock(a, b, kernel_size, 1 if i == 0 else 2)
                              for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])))
    self.dropout = nn.Dropout(dropout_rate)
    ups = list(zip(features[:0:-1], features[-2::-1]))
    self.upsample = nn.ModuleList(nn.ConvTranspose1d(a, b, 2, 2) for a, b in ups)
    self.up = nn.ModuleList(ConvBlock(2 * b, b, kernel_size) for _, b in ups)
    self.head = nn.Conv1d(features[0], num_outputs, 1)

  def forward(self, x):
    length = x.shape[-1]
    x = self.stem(F.pad(x, (0, -length % self.factor)))
    skips = []
    for block in self.down:
      x = block(x)
      skips.append(x)
    x = self.dropout(x)
    for upsample, block, skip in zip(self.upsample, self.up, skips[-2::-1]):
      x = block(torch.cat([upsample(x), skip], dim=1))
    x = x[..., :length]
    return self.head(x), skips


class ECGToVm(nn.Module):
  """`intracardiac.ECGToVm`: (B, 12, T) -> (B, T, sites)."""

  def __init__(self, num_outputs=75, length=500, in_features=12,
               features=(16, 32, 64, 96, 128, 160), kernel_size=7, hidden=48,
               dropout_rate=0.0):
    super().__init__()
    self.sites, self.hidden = num_outputs, hidden
    self.unet = UNet1D(hidden, in_features, features, kernel_size, dropout_rate)
    padded = length + (-length % 2 ** (len(features) - 1))
    summary = padded // 2 ** (len(features) - 2) * features[-2]
    self.summary = nn.Linear(summary, 256)
    self.codes = nn.Linear(256, num_outputs * hidden)
    self.decoder = nn.Linear(hidden, hidden)
    self.out = nn.Linear(hidden, 1)

  def forward(self, x):
    per_time, skips = self.unet(x)
    summary = F.relu(self.summary(skips[-2].flatten(1)))
    codes = self.codes(summary).reshape(x.shape[0], self.sites, self.hidden)
    h = F.relu(per_time.transpose(1, 2)[:, :, None, :] + codes[:, None, :, :])
    return self.out(F.relu(self.decoder(h)))[..., 0]


def same_avg_pool(x, window: int, stride: int):
  """Average pooling with 'SAME' padding over real samples only, as `common.avg_pool`."""
  left, right = _same_pad(x.shape[-1], window, stride)
  if not (left or right):
    return F.avg_pool1d(x, window, stride)
  counts = F.avg_pool1d(F.pad(torch.ones_like(x[:1, :1]), (left, right)), window, stride)
  return F.avg_pool1d(F.pad(x, (left, right)), window, stride) / counts


class DeepCNN(nn.Module):
  """`cnn.DeepCNN`: [conv (bias, 'SAME') -> ReLU -> max-pool 2/2]*, flatten, dense
  layers; the flatten ties the first dense layer to `length`."""

  def __init__(self, num_outputs, length=1440, in_features=1, features=(32, 64, 128),
               kernel_size=5, hidden=(128,), dropout_rate=0.25):
    super().__init__()
    widths = (in_features,) + tuple(features)
    self.convs = nn.ModuleList(SameConv(a, b, kernel_size)
                               for a, b in zip(widths[:-1], widths[1:]))
    for _ in features:
      length = math.ceil(length / 2)
    dims = (length * widths[-1],) + tuple(hidden)
    self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
    self.dropout = nn.Dropout(dropout_rate)
    self.head = nn.Linear(dims[-1], num_outputs)

  def forward(self, x):
    for conv in self.convs:
      x = same_max_pool(F.relu(conv(x)), 2, 2)
    x = x.flatten(1)
    for layer in self.hidden:
      x = self.dropout(F.relu(layer(x)))
    return self.head(x)


class XResBlock(nn.Module):
  """`xresnet.XResBlock`: basic or bottleneck branch (last BN scale at zero),
  average-pooled identity when strided, 1x1 conv + BN when the width changes."""

  def __init__(self, in_features, features, expansion, kernel_size, stride=1):
    super().__init__()
    out = features * expansion
    if expansion == 1:
      branch = [ConvBNAct(in_features, features, kernel_size, stride)]
    else:
      branch = [ConvBNAct(in_features, features, 1),
                ConvBNAct(features, features, kernel_size, stride)]
    branch.append(ConvBNAct(features, out, kernel_size if expansion == 1 else 1,
                            act=False))
    nn.init.zeros_(branch[-1].bn.weight)
    self.branch = nn.Sequential(*branch)
    self.stride = stride
    self.idconv = ConvBNAct(in_features, out, 1, act=False) if in_features != out else None

  def forward(self, x):
    y = self.branch(x)
    if self.stride != 1:
      x = same_avg_pool(x, self.stride, self.stride)
    if self.idconv is not None:
      x = self.idconv(x)
    return F.relu(x + y)


class XResNet1D(nn.Module):
  """`xresnet.XResNet1D` (xresnet1d101 by default): three-conv stem, max-pool 3/2,
  residual stages, concat pooling, the fastai head (`common.MLPHead`)."""

  def __init__(self, num_outputs, in_features=12, stage_sizes=(3, 4, 23, 3), expansion=4,
               kernel_size=5, stem_features=(32, 32, 64), features=(64, 128, 256, 512),
               head_hidden=(128,), dropout_rate=0.5):
    super().__init__()
    widths = (in_features,) + tuple(stem_features)
    self.stem = nn.Sequential(*[ConvBNAct(a, b, kernel_size, 2 if i == 0 else 1)
                                for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))])
    blocks, width_in = [], widths[-1]
    for i, (num_blocks, width) in enumerate(zip(stage_sizes, features)):
      for j in range(num_blocks):
        blocks.append(XResBlock(width_in, width, expansion, kernel_size,
                                2 if i > 0 and j == 0 else 1))
        width_in = width * expansion
    self.blocks = nn.Sequential(*blocks)
    head, dims = [], (2 * width_in,) + tuple(head_hidden)
    for a, b in zip(dims[:-1], dims[1:]):
      head += [nn.BatchNorm1d(a, eps=1e-5, momentum=0.1), nn.Dropout(dropout_rate / 2),
               nn.Linear(a, b), nn.ReLU()]
    head += [nn.BatchNorm1d(dims[-1], eps=1e-5, momentum=0.1), nn.Dropout(dropout_rate),
             nn.Linear(dims[-1], num_outputs)]
    self.head = nn.Sequential(*head)

  def forward(self, x):
    x = same_max_pool(self.stem(x), 3, 2)
    return self.head(concat_pool(self.blocks(x)))


def num_params(module: nn.Module) -> int:
  """Trainable parameters (BatchNorm running statistics are buffers, not counted)."""
  return sum(p.numel() for p in module.parameters() if p.requires_grad)
