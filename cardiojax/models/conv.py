"""1D convolution whose input gradient is a matmul, for XLA:CPU.

XLA:CPU computes the input gradient of a convolution as another convolution
over the flipped, transposed kernel (with the output gradient dilated by the
stride), which needs a kernel transpose per layer and runs dilated convolutions
slowly. `conv_general_dilated` keeps XLA's forward and kernel-gradient
convolutions and defines the tangent in x as `im2col(x) @ W`, whose transpose,
the input gradient, is one matmul and a sum of K shifted slices (col2im).
Same values and gradients as `lax.conv_general_dilated` up to float rounding;
forward- and reverse-mode autodiff both work. Other backends, grouped, input-
dilated or non-1D convolutions go to `lax.conv_general_dilated` unchanged.
"""

import functools

import jax
import jax.numpy as jnp
from jax import lax

_CHANNELS_LAST = ("NWC", "WIO", "NWC")


def _im2col_conv(x, w, stride: int, dilation: int, pads: tuple[int, int], precision):
  """The convolution as a matmul: (B, T, C) x (K, C, F) -> (B, T', F)."""
  k, c, f = w.shape
  xp = lax.pad(x, jnp.zeros((), x.dtype), ((0, 0, 0), (*pads, 0), (0, 0, 0)))
  out_len = (xp.shape[1] - (k - 1) * dilation - 1) // stride + 1
  patches = jnp.concatenate(
      [lax.slice_in_dim(xp, i * dilation, i * dilation + (out_len - 1) * stride + 1, stride,
                        axis=1) for i in range(k)], axis=-1)
  return lax.dot_general(patches, w.reshape(k * c, f), (((2,), (0,)), ((), ())),
                         precision=precision)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4, 5))
def _conv1d(x, w, stride, dilation, pads, precision):
  return lax.conv_general_dilated(x, w, (stride,), (pads,), rhs_dilation=(dilation,),
                                  dimension_numbers=_CHANNELS_LAST, precision=precision)


@functools.partial(_conv1d.defjvp, symbolic_zeros=True)
def _conv1d_jvp(stride, dilation, pads, precision, primals, tangents):
  x, w = primals
  dx, dw = tangents
  y = _conv1d(x, w, stride, dilation, pads, precision)
  dy = jnp.zeros_like(y)
  if not isinstance(dx, jax.custom_derivatives.SymbolicZero):
    dy = dy + _im2col_conv(dx, w, stride, dilation, pads, precision)
  if not isinstance(dw, jax.custom_derivatives.SymbolicZero):
    dy = dy + _conv1d(x, dw, stride, dilation, pads, precision)
  return y, dy


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                         rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                         precision=None, preferred_element_type=None):
  """Drop-in for `lax.conv_general_dilated`, for `nn.Conv(conv_general_dilated=...)`."""
  plain = functools.partial(
      lax.conv_general_dilated, lhs, rhs, window_strides, padding, lhs_dilation,
      rhs_dilation, dimension_numbers, feature_group_count, precision=precision,
      preferred_element_type=preferred_element_type)
  if (jax.default_backend() != "cpu" or lhs.ndim != 3 or feature_group_count != 1
      or tuple(lhs_dilation or (1,)) != (1,) or preferred_element_type is not None
      or lax.conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
      != lax.conv_dimension_numbers(lhs.shape, rhs.shape, _CHANNELS_LAST)):
    return plain()
  dilation = tuple(rhs_dilation or (1,))[0]
  if isinstance(padding, str):
    padding = lax.padtype_to_pads(lhs.shape[1:2], ((rhs.shape[0] - 1) * dilation + 1,),
                                  window_strides, padding)
  pads = tuple(int(p) for p in padding[0])
  return _conv1d(lhs, rhs, int(window_strides[0]), int(dilation), pads, precision)
