"""Tests of cardiojax.input.samplers: balanced epochs through grain."""

import grain
import numpy as np
import pytest

from cardiojax.input import samplers

_LABELS = np.array([0] * 20 + [1] * 5 + [2] * 3)


def test_oversampling_balances_and_keeps_every_example():
  indices = samplers.balanced_indices(_LABELS, mode="over", seed=0, epoch=0)
  assert indices.dtype == np.int64 and indices.shape == (60,)
  np.testing.assert_array_equal(np.bincount(_LABELS[indices]), [20, 20, 20])
  np.testing.assert_array_equal(np.unique(indices), np.arange(len(_LABELS)))
  counts = np.bincount(indices, minlength=len(_LABELS))
  np.testing.assert_array_equal(counts[:20], 1)
  np.testing.assert_array_equal(counts[20:25], 4)
  assert set(counts[25:]) == {6, 7} and counts[25:].sum() == 20


def test_undersampling_balances_without_repeats():
  indices = samplers.balanced_indices(_LABELS, mode="under", seed=0, epoch=0)
  np.testing.assert_array_equal(np.bincount(_LABELS[indices]), [3, 3, 3])
  assert len(np.unique(indices)) == 9
  assert set(indices[_LABELS[indices] == 2]) == {25, 26, 27}


def test_indices_are_a_function_of_seed_and_epoch():
  same = [samplers.balanced_indices(_LABELS, mode="under", seed=1, epoch=2) for _ in range(2)]
  np.testing.assert_array_equal(*same)
  other_epoch = samplers.balanced_indices(_LABELS, mode="under", seed=1, epoch=3)
  other_seed = samplers.balanced_indices(_LABELS, mode="under", seed=2, epoch=2)
  assert not np.array_equal(same[0], other_epoch)
  assert not np.array_equal(same[0], other_seed)
  majority = set()
  for epoch in range(5):
    indices = samplers.balanced_indices(_LABELS, mode="under", seed=1, epoch=epoch)
    majority.add(tuple(sorted(indices[_LABELS[indices] == 0])))
  assert len(majority) > 1  # Each epoch draws other majority examples.


def test_balanced_epoch_through_grain():
  source = [{"inputs": np.full((4, 1), i, np.float32), "targets": np.int64(y)}
            for i, y in enumerate(_LABELS)]
  indices = samplers.balanced_indices(_LABELS, mode="over", seed=0, epoch=0)
  ds = grain.MapDataset.source(samplers.IndexedSource(source, indices)).batch(7)
  batches = list(ds)
  targets = np.concatenate([b["targets"] for b in batches])
  ids = np.concatenate([b["inputs"][:, 0, 0] for b in batches]).astype(int)
  np.testing.assert_array_equal(ids, indices)
  np.testing.assert_array_equal(np.bincount(targets), [20, 20, 20])


def test_bad_arguments():
  with pytest.raises(ValueError, match="mode"):
    samplers.balanced_indices(_LABELS, mode="both", seed=0)
  with pytest.raises(ValueError, match="labels"):
    samplers.balanced_indices(np.eye(3, dtype=int), mode="over", seed=0)
  with pytest.raises(ValueError, match="seed"):
    samplers.balanced_indices(_LABELS, mode="over", seed=-1)
  with pytest.raises(ValueError, match="indices"):
    samplers.IndexedSource([1, 2, 3], [0, 3])
