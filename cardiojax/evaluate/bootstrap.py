"""Percentile bootstrap confidence intervals over examples or clusters.

Examples are resampled with replacement, the metric is recomputed on each
resample, and the interval is the (alpha/2, 1 - alpha/2) percentiles of the
resampled values, NaNs left out. A resample that loses a class of the
targets is drawn again (as in Strodthoff et al. 2021), so per-class and
macro metrics stay defined on every resample.

When examples are not independent (beats of one MIT-BIH record, records of
one PTB-XL patient), `groups` names the unit that is: whole clusters are
resampled with replacement and every example of a drawn cluster enters the
resample (the cluster bootstrap, Field & Welsh 2007, "Bootstrapping
clustered data", JRSS B 69(3)). Resampling examples instead gives intervals
far too narrow (tests/evaluate/test_evaluate_bootstrap.py measures both).
"""

from typing import Callable, Optional
import warnings

import numpy as np


def _class_signature(targets: np.ndarray) -> np.ndarray:
  """What a resample must keep: the classes present, or per label pos/neg.

  (N,) labels and (N, M) label lists padded with -1 give their classes;
  (N, K) multi-hot targets give, per label, whether positives and negatives
  occur.
  """
  targets = np.asarray(targets)
  if targets.ndim == 1 or not np.all((targets == 0) | (targets == 1)):
    return np.unique(targets[targets >= 0])
  flat = targets.reshape(len(targets), -1).astype(bool)
  return np.stack([flat.any(axis=0), (~flat).any(axis=0)])


def _are_labels(targets: np.ndarray) -> bool:
  """Integer or boolean labels, or floats that are all 0 or 1 (multi-hot)."""
  if not np.issubdtype(targets.dtype, np.floating):
    return True
  return bool(np.all((targets == 0) | (targets == 1)))


def _cluster_members(groups, num_examples: int) -> list[np.ndarray]:
  """The example indices of each cluster (each example alone when None)."""
  if groups is None:
    return None
  groups = np.asarray(groups)
  if len(groups) != num_examples:
    raise ValueError(f"groups: expected one cluster per example "
                     f"({num_examples}), got {len(groups)}")
  _, inverse = np.unique(groups, return_inverse=True)
  order = np.argsort(inverse, kind="stable")
  bounds = np.cumsum(np.bincount(inverse))[:-1]
  return np.split(order, bounds)


def resample_indices(targets: Optional[np.ndarray], num_examples: int,
                     n_boot: int, seed: int, max_tries: int = 100,
                     groups: Optional[np.ndarray] = None):
  """Yields `n_boot` resampled index arrays.

  Without `groups`, (num_examples,) indices drawn with replacement; with
  `groups` ((num_examples,) cluster ids), as many clusters as there are drawn
  with replacement and all their examples taken (the length varies).
  A resample that loses a class of `targets` is drawn again: (N,) labels keep
  every class present, (N, K) multi-hot targets keep each label's positives
  and negatives. None, or continuous targets (regression), check nothing.

  Raises:
    RuntimeError: `max_tries` draws in a row lost a class.
  """
  rng = np.random.default_rng(seed)
  check = targets is not None and _are_labels(np.asarray(targets))
  wanted = _class_signature(targets) if check else None
  members = _cluster_members(groups, num_examples)
  for _ in range(n_boot):
    for _ in range(max_tries):
      if members is None:
        indices = rng.integers(0, num_examples, num_examples)
      else:
        drawn = rng.integers(0, len(members), len(members))
        indices = np.concatenate([members[c] for c in drawn])
      if wanted is None:
        break
      got = _class_signature(np.asarray(targets)[indices])
      if got.shape == wanted.shape and np.array_equal(got, wanted):
        break
    else:
      raise RuntimeError(f"bootstrap: no resample kept every class in "
                         f"{max_tries} draws; too few examples of a class")
    yield indices


def bootstrap_ci(metric_fn: Callable, *arrays: np.ndarray, n_boot: int = 1000,
                 seed: int = 0, confidence: float = 0.95,
                 targets_arg: Optional[int] = -1,
                 groups: Optional[np.ndarray] = None):
  """Point estimate and percentile bootstrap interval of a metric.

  Args:
    metric_fn: called as `metric_fn(*arrays)`; returns a float, an array
      (e.g. per class) or a dict of floats.
    *arrays: arrays with the same leading (example) axis, resampled together.
    n_boot: number of resamples.
    seed: seed of the resampling.
    confidence: coverage of the interval.
    targets_arg: index in `arrays` of the targets whose classes every resample
      must keep (see `resample_indices`); None for no check (regression).
    groups: (N,) cluster of each example (record, patient); clusters are
      resampled whole. None resamples examples. With a single cluster
      there is nothing to resample: the interval is NaN (unknown), not the
      point.

  Returns:
    (point, low, high), each shaped like the metric's value; for a dict
    metric, a dict name -> (point, low, high).
  """
  arrays = tuple(np.asarray(a) for a in arrays)
  targets = None if targets_arg is None else arrays[targets_arg]
  point = metric_fn(*arrays)
  if groups is not None and len(np.unique(groups)) < 2:
    n_boot = 0
  samples = [metric_fn(*(a[indices] for a in arrays))
             for indices in resample_indices(targets, len(arrays[0]), n_boot,
                                             seed, groups=groups)]
  percentiles = [50 * (1 - confidence), 50 * (1 + confidence)]

  def interval(point_value, values):
    if not values:  # one cluster: nothing to resample
      low = high = np.full(np.shape(point_value), np.nan)
    else:
      with warnings.catch_warnings():  # A metric NaN on every resample.
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(np.asarray(values, np.float64),
                                     percentiles, axis=0)
    if np.ndim(point_value) == 0:
      return float(point_value), float(low), float(high)
    return np.asarray(point_value), low, high

  if isinstance(point, dict):
    return {key: interval(value, [sample[key] for sample in samples])
            for key, value in point.items()}
  return interval(point, samples)
