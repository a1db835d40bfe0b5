"""Thresholds: the criteria, and that only validation data choose them."""

import numpy as np
import pytest
from sklearn import metrics as skm

from cardiojax.evaluate import thresholds
from cardiojax.tasks import classification


def _brute_force_f1(targets, probs):
  candidates = np.unique(probs)
  f1 = [skm.f1_score(targets, probs >= t, zero_division=0) for t in candidates]
  return candidates[len(f1) - 1 - int(np.argmax(f1[::-1]))]


def test_fit_thresholds_f1_and_youden():
  rng = np.random.default_rng(0)
  targets = rng.integers(0, 2, (120, 3))
  probs = np.round(np.clip(0.3 * targets + rng.random((120, 3)), 0, 1), 2)
  fitted = thresholds.fit_thresholds(probs, targets, "f1")
  for k in range(3):
    assert fitted[k] == pytest.approx(_brute_force_f1(targets[:, k],
                                                      probs[:, k]))
  youden = thresholds.fit_thresholds(probs, targets, "youden")
  for k in range(3):
    fpr, tpr, cuts = skm.roc_curve(targets[:, k], probs[:, k],
                                   drop_intermediate=False)
    j = tpr - fpr
    assert tpr[np.argmax(j)] - fpr[np.argmax(j)] == pytest.approx(
        j[list(cuts).index(youden[k])])
  decisions = thresholds.apply_thresholds(probs, fitted)
  np.testing.assert_array_equal(decisions, (probs >= fitted).astype(int))


def test_unfittable_class_keeps_default_and_bad_method_fails():
  probs = np.array([[0.2, 0.9], [0.7, 0.1]])
  targets = np.array([[0, 1], [0, 0]])  # Label 0 has no positives.
  fitted = thresholds.fit_thresholds(probs, targets, "f1", default=0.5)
  assert fitted[0] == 0.5 and fitted[1] == pytest.approx(0.9)
  with pytest.raises(ValueError, match="threshold method"):
    thresholds.fit_thresholds(probs, targets, "accuracy")


def test_thresholds_come_from_validation_and_are_applied_to_test():
  # Validation: positives score 0.3-0.4, negatives below 0.2 -> best t = 0.3.
  # Test: positives 0.8-0.9, negatives 0.5-0.6 -> its own best t would be 0.8.
  val_probs = np.array([0.1, 0.15, 0.3, 0.4])
  val_targets = np.array([0, 0, 1, 1])
  test_probs = np.array([0.5, 0.6, 0.8, 0.9])
  test_targets = np.array([0, 0, 1, 1])
  assert thresholds.fit_thresholds(test_probs, test_targets) == 0.8
  task = classification.BinaryClassification(threshold_method="f1")
  fitted = task.with_thresholds(val_probs, val_targets)
  assert fitted.thresholds == (0.3,)
  results = fitted.metrics(test_probs, test_targets)
  # At 0.3 every test example is called positive: precision 1/2, recall 1.
  assert results["recall"] == 1.0
  assert results["precision"] == pytest.approx(0.5)
  assert results["specificity"] == 0.0
  # The unfitted task uses 0.5, the same calls here; a 0.8 threshold would
  # have given precision 1.
  assert task.metrics(test_probs, test_targets)["precision"] == 0.5

  multi = classification.MultiLabelClassification(class_names=("a", "b"))
  val = np.stack([val_probs, 1 - val_probs], axis=1)
  test = np.stack([test_probs, 1 - test_probs], axis=1)
  val_y = np.stack([val_targets, 1 - val_targets], axis=1)
  test_y = np.stack([test_targets, 1 - test_targets], axis=1)
  fitted = multi.with_thresholds(val, val_y)
  np.testing.assert_allclose(fitted.thresholds,
                             thresholds.fit_thresholds(val, val_y))
  assert fitted.thresholds != tuple(thresholds.fit_thresholds(test, test_y))
  assert fitted.metrics(test, test_y)["precision/a"] == pytest.approx(0.5)
