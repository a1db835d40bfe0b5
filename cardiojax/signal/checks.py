"""Shared argument checks of the signal functions."""

import numpy as np


def as_signal(x, name: str = "x") -> np.ndarray:
  """Returns `x` as a float32 (time, leads) array or raises naming `name`."""
  x = np.asarray(x, dtype=np.float32)
  if x.ndim != 2:
    raise ValueError(f"{name}: expected a (time, leads) array, got shape {x.shape}")
  return x


def check_positive(value, name: str):
  if not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
    raise ValueError(f"{name}: expected a positive number, got {value!r}")


def check_int(value, name: str, minimum: int):
  if not isinstance(value, (int, np.integer)) or value < minimum:
    raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
