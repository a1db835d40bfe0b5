"""Random-access sources of examples (dicts of numpy arrays).

The source interface every split of every corpus provides (the training
loop, evaluation and explain rely on nothing else):
- `len(source)`: the number of examples;
- `source[i]`: a dict with 'inputs' (T, C) float32 and 'targets';
- optionally `source.take(indices)`: a batch dict at once (the fast path of
  evaluation), and `source.targets`: all targets as one array, readable
  without reading any signal.
`ArraySource` holds examples in memory; `WindowSource` reads windows of a
tfds data source on access; `cardiojax.input.records.RecordSource` maps whole
records lazily.
"""

import collections.abc
from typing import Callable

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

  @property
  def targets(self) -> np.ndarray:
    """All targets, the held array itself (no copy, no signal read)."""
    return self.arrays["targets"]

  def __repr__(self) -> str:
    shapes = {key: value.shape for key, value in self.arrays.items()}
    return f"ArraySource({shapes})"


class _LazyBatch(collections.abc.Mapping):
  """A batch dict whose 'inputs' are read only when looked up."""

  def __init__(self, read_inputs: Callable[[], np.ndarray], targets: np.ndarray):
    self._read_inputs = read_inputs
    self._targets = targets

  def __getitem__(self, key):
    if key == "inputs":
      return self._read_inputs()
    if key == "targets":
      return self._targets
    raise KeyError(key)

  def __iter__(self):
    return iter(("inputs", "targets"))

  def __len__(self) -> int:
    return 2


class WindowSource:
  """Random-access beat windows read from a tfds data source on access.

  `src[i]` = {'inputs': featurize(window), 'targets': int32 label}, where the
  window is example `indices[i]` of `data_source` with its leads reordered by
  `lead_order`. `take(indices)` returns a batch whose 'inputs' are read only
  when looked up, so gathering the targets of a whole split (as the training
  loop does to fit class weights) reads no signal.

  Args:
    data_source: tfds data source of mitdb 'beats' examples.
    indices: (n,) example indices into `data_source` (repeats allowed).
    targets: (n,) int32 labels of those examples.
    lead_order: (n, leads) channel indices of the kept leads per example.
    featurize: window (T, leads) mV -> inputs.
  """

  def __init__(self, data_source, indices, targets, lead_order, featurize):
    self.data_source = data_source
    self.indices = np.asarray(indices, np.int64)
    self.targets = np.asarray(targets, np.int32)
    self.lead_order = np.asarray(lead_order, np.int64)
    self.featurize = featurize

  def __len__(self) -> int:
    return len(self.indices)

  def window(self, i: int) -> np.ndarray:
    """The raw (T, leads) window of example i in mV."""
    return self.data_source[int(self.indices[i])]["ecg"][:, self.lead_order[i]]

  def __getitem__(self, i: int) -> dict[str, np.ndarray]:
    return {"inputs": self.featurize(self.window(i)),
            "targets": self.targets[i]}

  def take(self, indices) -> collections.abc.Mapping:
    indices = np.asarray(indices, np.int64)

    def read_inputs():
      examples = self.data_source.__getitems__(
          [int(j) for j in self.indices[indices]])
      return np.stack([self.featurize(ex["ecg"][:, order]) for ex, order
                       in zip(examples, self.lead_order[indices])])

    return _LazyBatch(read_inputs, self.targets[indices])

  def subset(self, indices) -> "WindowSource":
    """The view `view[i] = self[indices[i]]` (e.g. balanced_indices)."""
    indices = np.asarray(indices, np.int64)
    return WindowSource(self.data_source, self.indices[indices],
                        self.targets[indices], self.lead_order[indices],
                        self.featurize)
