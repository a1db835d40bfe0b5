"""Random-access sources of examples (dicts of numpy arrays)."""

import numpy as np


class ArraySource:
  """Examples held in memory as a dict of arrays with a common first axis.

  `src[i]` is the dict of the i-th entries; `src.take(indices)` gathers many at
  once (the fast path of evaluation batches).
  """

  def __init__(self, arrays: dict[str, np.ndarray]):
    lengths = {key: len(value) for key, value in arrays.items()}
    if len(set(lengths.values())) != 1:
      raise ValueError(f"ArraySource: arrays must share their first axis, "
                       f"got lengths {lengths}")
    self.arrays = arrays
    self._length = next(iter(lengths.values()))

  def __len__(self) -> int:
    return self._length

  def __getitem__(self, index: int) -> dict[str, np.ndarray]:
    return {key: value[index] for key, value in self.arrays.items()}

  def take(self, indices) -> dict[str, np.ndarray]:
    return {key: value[indices] for key, value in self.arrays.items()}

  def __repr__(self) -> str:
    shapes = {key: value.shape for key, value in self.arrays.items()}
    return f"ArraySource({shapes})"
