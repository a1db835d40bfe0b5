"""Splits of a corpus: the `Splits` of a loaded corpus and split helpers.

Every function is deterministic given its `seed`, so a split is data that can
be recomputed and published. Fold ids are 0-based.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
import dataclasses
from typing import Any, Callable

import numpy as np

from cardiojax.input import contract as contract_lib


def stratified_kfold(labels: np.ndarray, num_folds: int,
                     seed: int) -> np.ndarray:
  """Seeded stratified k-fold for single-label data.

  Within each class, examples are shuffled and dealt to folds round-robin,
  continuing where the previous class stopped, so both class counts and fold
  sizes differ by at most one between folds.

  Args:
    labels: (N,) class labels (any sortable values).
    num_folds: number of folds k >= 2.
    seed: random seed.

  Returns:
    (N,) int32 fold id in [0, num_folds).
  """
  labels = np.asarray(labels)
  _check_num_folds(num_folds)
  rng = np.random.default_rng(seed)
  folds = np.empty(len(labels), np.int32)
  offset = 0
  for value in np.unique(labels):
    members = rng.permutation(np.flatnonzero(labels == value))
    folds[members] = (offset + np.arange(len(members))) % num_folds
    offset += len(members)
  return folds


def stratified_kfold_multilabel(labels: np.ndarray, num_folds: int,
                                seed: int) -> np.ndarray:
  """Seeded iterative stratification for multi-label data.

  Sechidis, Tsoumakas & Vlahavas, "On the stratification of multi-label data"
  (ECML PKDD 2011): repeatedly take the label with the fewest unassigned
  examples and give each of its examples to the fold that most wants that
  label (ties: the fold that wants the most examples, then a seeded random
  choice). Examples without any label fill the folds that want the most.

  Args:
    labels: (N, K) multi-hot labels (bool or 0/1).
    num_folds: number of folds k >= 2.
    seed: random seed.

  Returns:
    (N,) int32 fold id in [0, num_folds).
  """
  labels = np.asarray(labels).astype(bool)
  if labels.ndim != 2:
    raise ValueError(f"labels: expected shape (N, K), got {labels.shape}")
  _check_num_folds(num_folds)
  rng = np.random.default_rng(seed)
  num_examples = len(labels)
  wanted = np.full(num_folds, num_examples / num_folds)
  wanted_per_label = np.tile(labels.sum(0) / num_folds, (num_folds, 1))
  folds = np.full(num_examples, -1, np.int32)
  order = rng.permutation(num_examples)
  remaining = labels.copy()
  while remaining.any():
    counts = remaining.sum(0)
    label = np.argmin(np.where(counts > 0, counts, num_examples + 1))
    for i in order[remaining[order, label]]:
      fold = _pick(rng, wanted_per_label[:, label], wanted)
      folds[i] = fold
      wanted[fold] -= 1
      wanted_per_label[fold] -= labels[i]
      remaining[i] = False
  for i in order[folds[order] < 0]:
    fold = _pick(rng, wanted, wanted)
    folds[i] = fold
    wanted[fold] -= 1
  return folds


def group_split(groups: Sequence[Hashable], fractions: Mapping[str, float],
                seed: int) -> dict[str, np.ndarray]:
  """Seeded split in which no group straddles two splits.

  Groups are visited in a seeded random order; the first visits give one group
  to each split with a positive fraction (when there are enough groups), the
  rest go to the split furthest below its target number of examples.

  Args:
    groups: (N,) group of each example (patient, simulation folder, ...).
    fractions: split name -> fraction of examples, e.g.
      {'train': 0.8, 'validation': 0.1, 'test': 0.1}; must sum to 1.
    seed: random seed.

  Returns:
    split name -> sorted (n,) int64 indices of its examples.
  """
  names = list(fractions)
  targets = np.array([fractions[n] for n in names], float)
  if np.any(targets < 0) or not np.isclose(targets.sum(), 1.0):
    raise ValueError(f"fractions: expected non-negative values summing to 1, "
                     f"got {dict(fractions)}")
  groups = np.asarray(groups)
  unique, inverse, sizes = np.unique(groups, return_inverse=True,
                                     return_counts=True)
  targets = targets * len(groups)
  filled = np.zeros(len(names))
  group_to_split = np.empty(len(unique), np.int64)
  seeds = [j for j in np.argsort(-targets, kind="stable") if targets[j] > 0]
  order = np.random.default_rng(seed).permutation(len(unique))
  for rank, g in enumerate(order):
    j = seeds[rank] if rank < len(seeds) else int(np.argmax(targets - filled))
    group_to_split[g] = j
    filled[j] += sizes[g]
  example_split = group_to_split[inverse.reshape(-1)]
  return {n: np.flatnonzero(example_split == j) for j, n in enumerate(names)}


def split_by_fold(folds: np.ndarray,
                  folds_by_split: Mapping[str, Iterable[int]]
                  ) -> dict[str, np.ndarray]:
  """Indices of each split from per-example folds.

  Args:
    folds: (N,) fold id of each example.
    folds_by_split: split name -> the folds it holds, e.g.
      {'train': range(1, 9), 'validation': [9], 'test': [10]}.

  Returns:
    split name -> sorted (n,) int64 indices.
  """
  folds = np.asarray(folds)
  splits = {n: np.flatnonzero(np.isin(folds, list(f)))
            for n, f in folds_by_split.items()}
  assert_disjoint(splits)
  return splits


def assert_disjoint(groups_by_split: Mapping[str, Iterable[Hashable]]) -> None:
  """Raises ValueError if any group (patient, folder, ...) is in two splits.

  Args:
    groups_by_split: split name -> the groups (or example ids) in that split.
  """
  seen = {}
  for name, members in groups_by_split.items():
    for other, other_members in seen.items():
      shared = _as_set(members) & other_members
      if shared:
        examples = sorted(shared, key=repr)[:5]
        raise ValueError(f"splits {other!r} and {name!r} share {len(shared)} "
                         f"groups, e.g. {examples}; expected none")
    seen[name] = _as_set(members)


def _as_set(members: Iterable[Hashable]) -> set:
  """The set of `members`, with numpy scalars turned into Python values."""
  return {m.item() if isinstance(m, np.generic) else m for m in members}


def _pick(rng: np.random.Generator, primary: np.ndarray,
          secondary: np.ndarray) -> int:
  """Index maximising `primary`, then `secondary`; remaining ties at random."""
  best = np.flatnonzero(primary == primary.max())
  best = best[secondary[best] == secondary[best].max()]
  return int(rng.choice(best))


def _check_num_folds(num_folds: int) -> None:
  if num_folds < 2:
    raise ValueError(f"num_folds: expected >= 2, got {num_folds}")


@dataclasses.dataclass
class Splits:
  """The sources of a corpus and what a model needs to know about them.

  Attributes:
    sources: split name ('train', 'validation', 'test') -> random-access source
      of dicts with 'inputs' (T, C) float32 and 'targets'.
    contract: the data half of the input contract (`InputContract`): rate,
      window, leads, units, the normaliser fitted on the training split and
      how a raw record becomes model inputs.
    info: provenance: 'groups' (split -> patient/record/simulation ids),
      'class_counts', 'prepared_dir', ...
    train_augment: optional `(example, np.random.Generator) -> example` applied
      to training examples only (a random crop, `transforms.Augment`).
    example_clusters: split name -> (N,) the unit that makes examples
      independent (record, patient, simulation) for each example, as the
      corpus declares it; resampled whole by the clustered bootstrap.
    cluster_unit: what a cluster is, e.g. 'patient' ('example' when none).
  """
  sources: dict[str, Any]
  contract: contract_lib.InputContract
  info: dict[str, Any]
  train_augment: Callable | None = None
  example_clusters: dict[str, np.ndarray] = dataclasses.field(
      default_factory=dict)
  cluster_unit: str = "example"

  def clusters(self, split: str) -> np.ndarray:
    """(N,) cluster of each example of `split`; each example its own cluster
    when the corpus declares no unit."""
    if split in self.example_clusters:
      return np.asarray(self.example_clusters[split])
    return np.arange(len(self.sources[split]))
