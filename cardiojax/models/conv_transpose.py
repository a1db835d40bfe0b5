"""1D transposed convolution as one ordinary convolution over output phases.

`nn.ConvTranspose` (`lax.conv_transpose`) convolves the input dilated by the
stride (`lhs_dilation`), a form XLA runs slowly on CPU and GPU (jax issue 23783:
orders of magnitude slower than the forward convolution). Here a transposed
convolution of stride s is written as s ordinary stride-1 convolutions of the
undilated input, one per output phase r = n mod s, each with the kernel taps
j = r' (mod s) that land on that phase; stacking the phases as output channels
makes it one convolution with a (K', C, s * F) kernel, and the (B, M, s * F)
result is the (B, M * s, F) output by a free reshape. No multiplications by
inserted zeros (s times fewer than the dilated form), no `lhs_dilation`, and the
convolution goes through `conv.conv_general_dilated` (its matmul input gradient
on CPU). For the U-Net's k2 s2 up-sampling it is a single matmul.

Same values and gradients as `nn.ConvTranspose(..., transpose_kernel=False)`
with the same kernel up to float rounding (tests/models/test_models_gpu_paths.py);
measured against it in experiments/benchmarks/ablation.py --conv_transpose.
"""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp
import numpy as np
from jax import lax

from cardiojax.models import conv as conv_lib


def transpose_padding(kernel: int, stride: int, padding: str) -> tuple[int, int]:
  """Padding (low, high) of the stride-dilated input, as `lax.conv_transpose`'s."""
  if padding == "SAME":
    total = kernel + stride - 2
    low = kernel - 1 if stride > kernel - 1 else -(-total // 2)
  elif padding == "VALID":
    total = kernel + stride - 2 + max(kernel - stride, 0)
    low = kernel - 1
  else:
    raise ValueError(f"ConvTranspose1D.padding: unknown {padding!r}; expected 'SAME' or 'VALID'")
  return low, total - low


def _phase_taps(kernel: int, stride: int, low: int):
  """Per output phase r: the first kernel tap j0, the input offset e and the tap count."""
  taps = []
  for r in range(stride):
    j0 = (low - r) % stride
    taps.append((j0, (r + j0 - low) // stride, len(range(j0, kernel, stride))))
  return taps


def conv_transpose(x, kernel, stride: int, padding: str = "SAME"):
  """`lax.conv_transpose(x, kernel, (stride,), padding)` of (B, T, C) and (K, C, F).

  Returns (B, L, F) with L = T * stride for 'SAME' and
  T * stride + max(K - stride, 0) for 'VALID', in x's dtype.
  """
  k = kernel.shape[0]
  low, high = transpose_padding(k, stride, padding)
  length = (x.shape[1] - 1) * stride + 1 + low + high - (k - 1)
  taps = _phase_taps(k, stride, low)
  first = min(e for _, e, _ in taps)
  span = max(e + n for _, e, n in taps) - first
  # index[u, r]: the kernel tap that input offset first + u feeds into phase r (k: none).
  index = np.full((span, stride), k)
  for r, (j0, e, n) in enumerate(taps):
    for q in range(n):
      index[e - first + q, r] = j0 + stride * q
  padded = jnp.concatenate([kernel, jnp.zeros_like(kernel[:1])])
  phase_kernel = padded[index]  # (span, stride, C, F)
  phase_kernel = phase_kernel.transpose(0, 2, 1, 3).reshape(span, kernel.shape[1], -1)
  rows = -(-length // stride)
  x = lax.pad(x, jnp.zeros((), x.dtype),
              ((0, 0, 0), (-first, rows + span - 1 + first - x.shape[1], 0), (0, 0, 0)))
  y = conv_lib.conv_general_dilated(
      x, phase_kernel.astype(x.dtype), (1,), "VALID",
      dimension_numbers=lax.conv_dimension_numbers(x.shape, phase_kernel.shape,
                                                   ("NWC", "WIO", "NWC")))
  return y.reshape(x.shape[0], rows * stride, -1)[:, :length]


class ConvTranspose1D(nn.Module):
  """Drop-in for 1D `nn.ConvTranspose` (same parameters, names and initialisers).

  Attributes:
    features: output channels F.
    kernel_size: kernel length K.
    strides: up-sampling factor s.
    padding: 'SAME' (output T * s) or 'VALID'.
    use_bias: add a bias.
    dtype: computation dtype; parameters are float32.
  """
  features: int
  kernel_size: int
  strides: int = 1
  padding: str = "SAME"
  use_bias: bool = True
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x):
    """(B, T, C) -> (B, L, F); see `conv_transpose` for L."""
    kernel = self.param("kernel", nn.initializers.lecun_normal(),
                        (self.kernel_size, x.shape[-1], self.features), jnp.float32)
    y = conv_transpose(x.astype(self.dtype), kernel.astype(self.dtype), self.strides,
                       self.padding)
    if self.use_bias:
      bias = self.param("bias", nn.initializers.zeros, (self.features,), jnp.float32)
      y = y + bias.astype(self.dtype)
    return y
