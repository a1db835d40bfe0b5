"""Split helpers: determinism, stratification and disjointness."""

import numpy as np
import pytest

from cardiojax.input import splits


def test_stratified_kfold_balances_each_class():
  labels = np.repeat([0, 1, 2], [50, 23, 7])
  folds = splits.stratified_kfold(labels, 5, seed=3)
  for value in range(3):
    counts = np.bincount(folds[labels == value], minlength=5)
    assert counts.max() - counts.min() <= 1
  sizes = np.bincount(folds, minlength=5)
  assert sizes.max() - sizes.min() <= 1
  np.testing.assert_array_equal(folds, splits.stratified_kfold(labels, 5, 3))
  assert not np.array_equal(folds, splits.stratified_kfold(labels, 5, 4))


def test_multilabel_stratification_balances_labels():
  rng = np.random.default_rng(0)
  labels = rng.random((600, 6)) < np.array([0.5, 0.2, 0.1, 0.05, 0.02, 0.3])
  labels[:20] = False  # some examples without labels
  folds = splits.stratified_kfold_multilabel(labels, 10, seed=0)
  assert folds.min() == 0 and folds.max() == 9
  sizes = np.bincount(folds, minlength=10)
  assert sizes.max() - sizes.min() <= 2
  for k in range(labels.shape[1]):
    per_fold = np.bincount(folds[labels[:, k]], minlength=10)
    assert per_fold.max() - per_fold.min() <= 2, (k, per_fold)
  np.testing.assert_array_equal(
      folds, splits.stratified_kfold_multilabel(labels, 10, seed=0))
  assert not np.array_equal(
      folds, splits.stratified_kfold_multilabel(labels, 10, seed=1))


def test_multilabel_rare_label_spread_over_folds():
  labels = np.zeros((40, 2), bool)
  labels[:4, 1] = True  # 4 examples of a rare label, 4 folds: one each.
  labels[:, 0] = True
  folds = splits.stratified_kfold_multilabel(labels, 4, seed=0)
  assert sorted(folds[:4]) == [0, 1, 2, 3]


def test_group_split_keeps_groups_whole():
  groups = np.repeat([f"p{i}" for i in range(30)], np.arange(1, 31))
  result = splits.group_split(groups, {"train": 0.8, "validation": 0.1,
                                       "test": 0.1}, seed=0)
  assert sorted(np.concatenate(list(result.values())).tolist()) == list(
      range(len(groups)))
  splits.assert_disjoint({n: groups[i] for n, i in result.items()})
  fractions = {n: len(i) / len(groups) for n, i in result.items()}
  assert abs(fractions["train"] - 0.8) < 0.1
  again = splits.group_split(groups, {"train": 0.8, "validation": 0.1,
                                      "test": 0.1}, seed=0)
  assert all(np.array_equal(result[n], again[n]) for n in result)


def test_group_split_gives_each_split_a_group_when_possible():
  result = splits.group_split(["a", "b", "c"], {"train": 0.8,
                                                "validation": 0.1,
                                                "test": 0.1}, seed=5)
  assert sorted(len(i) for i in result.values()) == [1, 1, 1]
  with pytest.raises(ValueError, match="summing to 1"):
    splits.group_split(["a"], {"train": 0.5}, seed=0)


def test_split_by_fold_and_assert_disjoint():
  folds = np.array([1, 9, 10, 3, 9, 8])
  result = splits.split_by_fold(folds, {"train": range(1, 9),
                                        "validation": [9], "test": [10]})
  assert {n: i.tolist() for n, i in result.items()} == {
      "train": [0, 3, 5], "validation": [1, 4], "test": [2]}
  with pytest.raises(ValueError, match="'train' and 'test' share 1 groups"):
    splits.split_by_fold(folds, {"train": range(1, 11), "test": [10]})
  with pytest.raises(ValueError, match=r"share 1 groups, e\.g\. \[7\]"):
    splits.assert_disjoint({"train": np.array([1, 7]), "validation": [2],
                            "test": [7]})
