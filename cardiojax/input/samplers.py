"""Class-balanced over- and undersampling as seeded index lists per epoch.

`balanced_indices(labels, mode=..., seed=..., epoch=...)` lists the indices of
one balanced epoch; `IndexedSource(source, indices)` is a random-access view
that grain reads like any source:

  indices = balanced_indices(labels, mode='over', seed=0, epoch=epoch)
  ds = grain.MapDataset.source(IndexedSource(src, indices)).map(...)

Statistics come from the training split only: pass the training labels.
Single-label (one class per example) only.
"""

from collections.abc import Sequence

import numpy as np


def balanced_indices(labels, *, mode: str, seed: int, epoch: int = 0) -> np.ndarray:
  """Indices of one class-balanced epoch, shuffled; a function of (seed, epoch).

  'over' gives every class as many examples as the largest one: each example
  of a class of n appears floor(n_max / n) times, plus n_max mod n of them
  drawn without replacement once more, so every example appears at least once.
  'under' gives every class as many examples as the smallest one, drawn
  without replacement (a new draw each epoch).

  Args:
    labels: (n,) integer class of each example of the (training) source.
    mode: 'over' or 'under'.
    seed: random seed.
    epoch: epoch number; each epoch gets its own draw and order.

  Returns:
    (num_classes * n_max,) or (num_classes * n_min,) int64 indices into the
    source, over the classes present in `labels`.
  """
  labels = np.asarray(labels)
  if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
    raise ValueError(f"labels: expected a non-empty (n,) integer array, got "
                     f"shape {labels.shape} and dtype {labels.dtype}")
  if mode not in ("over", "under"):
    raise ValueError(f"mode: expected 'over' or 'under', got {mode!r}")
  if not isinstance(seed, (int, np.integer)) or seed < 0:
    raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
  if not isinstance(epoch, (int, np.integer)) or epoch < 0:
    raise ValueError(f"epoch: expected an integer >= 0, got {epoch!r}")
  rng = np.random.default_rng([seed, epoch])
  classes, counts = np.unique(labels, return_counts=True)
  target = counts.max() if mode == "over" else counts.min()
  chosen = []
  for c in classes:
    members = np.flatnonzero(labels == c)
    repeats, extra = divmod(int(target), len(members))
    chosen.append(np.repeat(members, repeats))
    chosen.append(rng.choice(members, size=extra, replace=False))
  return rng.permutation(np.concatenate(chosen)).astype(np.int64)


class IndexedSource:
  """Random-access view `view[i] = source[indices[i]]`, for grain.

  Args:
    source: any random-access source (`len`, `__getitem__`), e.g. an
      ArraySource or a tfds data source.
    indices: (n,) int indices into `source`; repeats allowed.
  """

  def __init__(self, source, indices: Sequence[int]):
    indices = np.asarray(indices)
    if (indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer)
        or (indices.size and (indices.min() < 0 or indices.max() >= len(source)))):
      raise ValueError(f"indices: expected (n,) integers in [0, {len(source)}), "
                       f"got shape {indices.shape} and dtype {indices.dtype}")
    self.source = source
    self.indices = indices

  def __len__(self) -> int:
    return len(self.indices)

  def __getitem__(self, i):
    return self.source[int(self.indices[i])]
