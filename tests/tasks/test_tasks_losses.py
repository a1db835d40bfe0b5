"""Losses against hand-computed values; masked examples never count."""

import jax.numpy as jnp
import numpy as np
import pytest

from cardiojax.tasks import losses

LOG3 = np.log(3.0)


def test_softmax_cross_entropy_by_hand():
  logits = jnp.array([[0.0, LOG3], [0.0, LOG3]])  # p = (1/4, 3/4).
  labels = jnp.array([1, 0])
  np.testing.assert_allclose(losses.softmax_cross_entropy(logits, labels),
                             [-np.log(0.75), -np.log(0.25)], rtol=1e-6)
  weighted = losses.softmax_cross_entropy(logits, labels, class_weights=(2, 3))
  np.testing.assert_allclose(weighted, [-3 * np.log(0.75), -2 * np.log(0.25)],
                             rtol=1e-6)
  # eps = 0.2 over K = 2: targets (0.1, 0.9) for label 1.
  smoothed = losses.softmax_cross_entropy(logits, labels, label_smoothing=0.2)
  assert smoothed[0] == pytest.approx(
      -(0.1 * np.log(0.25) + 0.9 * np.log(0.75)), rel=1e-6)


def test_softmax_focal_loss():
  rng = np.random.default_rng(0)
  logits = jnp.asarray(rng.normal(size=(5, 3)), jnp.float32)
  labels = jnp.array([0, 1, 2, 1, 0])
  for kwargs in ({}, {"class_weights": (1.0, 2.0, 0.5)},
                 {"label_smoothing": 0.1}):
    np.testing.assert_allclose(
        losses.softmax_focal_loss(logits, labels, gamma=0.0, **kwargs),
        losses.softmax_cross_entropy(logits, labels, **kwargs), rtol=1e-6)
  p = np.array([0.25, 0.75])
  focal = losses.softmax_focal_loss(jnp.array([[0.0, LOG3]]), jnp.array([1]),
                                    gamma=2.0)
  assert focal[0] == pytest.approx(-(1 - p[1])**2 * np.log(p[1]), rel=1e-5)


def test_sigmoid_losses_by_hand():
  logits = jnp.array([0.0, LOG3, -LOG3])  # p = 1/2, 3/4, 1/4.
  targets = jnp.array([1.0, 1.0, 1.0])
  expected = -np.log([0.5, 0.75, 0.25])
  np.testing.assert_allclose(
      losses.sigmoid_binary_cross_entropy(logits, targets), expected, rtol=1e-6)
  negatives = losses.sigmoid_binary_cross_entropy(logits, 1 - targets,
                                                  pos_weight=jnp.array(5.0))
  np.testing.assert_allclose(negatives, -np.log([0.5, 0.25, 0.75]), rtol=1e-6)
  np.testing.assert_allclose(
      losses.sigmoid_binary_cross_entropy(logits, targets, pos_weight=2.0,
                                          class_weights=3.0),
      6 * expected, rtol=1e-6)
  np.testing.assert_allclose(
      losses.sigmoid_focal_loss(logits, targets, gamma=0.0), expected,
      rtol=1e-6)
  focal = losses.sigmoid_focal_loss(logits, targets, gamma=2.0, alpha=0.25)
  np.testing.assert_allclose(
      focal, 0.25 * (1 - np.array([0.5, 0.75, 0.25]))**2 * expected, rtol=1e-5)
  negative_focal = losses.sigmoid_focal_loss(logits[1:2], jnp.zeros(1),
                                             gamma=1.0, alpha=0.25)
  assert negative_focal[0] == pytest.approx(0.75 * 0.75 * -np.log(0.25),
                                            rel=1e-5)


def test_regression_losses_by_hand():
  predictions = jnp.array([0.0, 1.0, 4.0])
  targets = jnp.array([0.5, 1.0, 1.0])
  np.testing.assert_allclose(losses.mse(predictions, targets), [0.25, 0, 9])
  np.testing.assert_allclose(losses.mae(predictions, targets), [0.5, 0, 3])
  np.testing.assert_allclose(losses.huber(predictions, targets, delta=1.0),
                             [0.125, 0, 2.5])


def test_masked_mean_ignores_padding():
  values = jnp.array([[1.0, 3.0], [5.0, 7.0], [1e6, 1e6]])
  mask = jnp.array([1.0, 1.0, 0.0])
  assert losses.masked_mean(values, mask) == pytest.approx(4.0)
  assert losses.masked_mean(values, jnp.zeros(3)) == 0.0
