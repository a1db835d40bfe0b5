"""Per-example losses in pure jnp, reduced with `masked_mean`.

Every loss returns unreduced values with a leading batch axis, so that a task
weights, masks and averages them in one place: `masked_mean(values, mask)`
averages the trailing axes of each example, then takes the mean over the real
examples (mask 1). Class weights multiply an example's loss; the mean is over
real examples, not over the sum of weights (unlike torch's weighted mean), so
weights normalised to mean 1 on the training set keep the loss scale.
"""

from typing import Optional, Sequence

import jax
import jax.numpy as jnp

from cardiojax.tasks.base import masked_mean

__all__ = [
    "masked_mean", "softmax_cross_entropy", "softmax_focal_loss",
    "sigmoid_binary_cross_entropy", "sigmoid_focal_loss", "mse", "mae",
    "huber",
]

Weights = Optional[Sequence[float] | jnp.ndarray]


def _smoothed_one_hot(labels, num_classes, label_smoothing):
  """(B,) int labels -> (B, K) targets with `label_smoothing` spread evenly."""
  one_hot = jax.nn.one_hot(labels, num_classes)
  return one_hot * (1.0 - label_smoothing) + label_smoothing / num_classes


def softmax_cross_entropy(logits: jnp.ndarray, labels: jnp.ndarray,
                          class_weights: Weights = None,
                          label_smoothing: float = 0.0) -> jnp.ndarray:
  """Cross-entropy of softmax(logits) against integer labels.

  Args:
    logits: (B, K) raw scores.
    labels: (B,) int class indices in [0, K).
    class_weights: optional (K,) weight of each true class.
    label_smoothing: eps; the target is (1 - eps) one-hot + eps / K.

  Returns:
    (B,) losses in nats.
  """
  logits = logits.astype(jnp.float32)
  targets = _smoothed_one_hot(labels, logits.shape[-1], label_smoothing)
  per_example = -jnp.sum(targets * jax.nn.log_softmax(logits), axis=-1)
  if class_weights is not None:
    per_example = per_example * jnp.asarray(class_weights, jnp.float32)[labels]
  return per_example


def softmax_focal_loss(logits: jnp.ndarray, labels: jnp.ndarray,
                       gamma: float = 2.0, class_weights: Weights = None,
                       label_smoothing: float = 0.0) -> jnp.ndarray:
  """Multi-class focal loss, -w_y sum_k q_k (1 - p_k)^gamma log p_k.

  Lin et al. 2017 (arXiv 1708.02002) with class weights w (their alpha) and
  optional smoothed targets q; gamma = 0 gives `softmax_cross_entropy`.

  Args:
    logits: (B, K) raw scores.
    labels: (B,) int class indices.
    gamma: focusing parameter >= 0.
    class_weights: optional (K,) weight of each true class.
    label_smoothing: eps of the smoothed targets q.

  Returns:
    (B,) losses.
  """
  logits = logits.astype(jnp.float32)
  targets = _smoothed_one_hot(labels, logits.shape[-1], label_smoothing)
  log_p = jax.nn.log_softmax(logits)
  modulator = (1.0 - jnp.exp(log_p))**gamma
  per_example = -jnp.sum(targets * modulator * log_p, axis=-1)
  if class_weights is not None:
    per_example = per_example * jnp.asarray(class_weights, jnp.float32)[labels]
  return per_example


def sigmoid_binary_cross_entropy(logits: jnp.ndarray, targets: jnp.ndarray,
                                 pos_weight: Weights = None,
                                 class_weights: Weights = None) -> jnp.ndarray:
  """Binary cross-entropy of sigmoid(logits), element by element.

  loss = -w_k [pw_k y log s(x) + (1 - y) log(1 - s(x))], computed from
  log-sigmoids for stability.

  Args:
    logits: (B,) or (B, K) raw scores.
    targets: same shape, in [0, 1].
    pos_weight: optional (K,) factor on the positive term (e.g. neg/pos).
    class_weights: optional (K,) factor on the whole loss of each label.

  Returns:
    Losses of the shape of `logits`.
  """
  logits = logits.astype(jnp.float32)
  targets = targets.astype(jnp.float32)
  positive = targets * jax.nn.log_sigmoid(logits)
  if pos_weight is not None:
    positive = positive * jnp.asarray(pos_weight, jnp.float32)
  loss = -(positive + (1.0 - targets) * jax.nn.log_sigmoid(-logits))
  if class_weights is not None:
    loss = loss * jnp.asarray(class_weights, jnp.float32)
  return loss


def sigmoid_focal_loss(logits: jnp.ndarray, targets: jnp.ndarray,
                       gamma: float = 2.0,
                       alpha: Optional[float] = None) -> jnp.ndarray:
  """Binary focal loss, -a_t (1 - p_t)^gamma log p_t, element by element.

  Lin et al. 2017: p_t = p for positives and 1 - p for negatives; a_t = alpha
  for positives and 1 - alpha for negatives (no weighting when alpha is None).
  gamma = 0 and alpha None give `sigmoid_binary_cross_entropy`.

  Args:
    logits: (B,) or (B, K) raw scores.
    targets: same shape, in [0, 1].
    gamma: focusing parameter >= 0.
    alpha: optional weight of the positive class in (0, 1).

  Returns:
    Losses of the shape of `logits`.
  """
  targets = targets.astype(jnp.float32)
  bce = sigmoid_binary_cross_entropy(logits, targets)
  p = jax.nn.sigmoid(logits.astype(jnp.float32))
  p_t = targets * p + (1.0 - targets) * (1.0 - p)
  loss = (1.0 - p_t)**gamma * bce
  if alpha is not None:
    loss = loss * (targets * alpha + (1.0 - targets) * (1.0 - alpha))
  return loss


def mse(predictions: jnp.ndarray, targets: jnp.ndarray) -> jnp.ndarray:
  """Squared error, element by element (target units squared)."""
  return jnp.square(predictions.astype(jnp.float32) - targets)


def mae(predictions: jnp.ndarray, targets: jnp.ndarray) -> jnp.ndarray:
  """Absolute error, element by element (target units)."""
  return jnp.abs(predictions.astype(jnp.float32) - targets)


def huber(predictions: jnp.ndarray, targets: jnp.ndarray,
          delta: float = 1.0) -> jnp.ndarray:
  """Huber loss: 0.5 e^2 for |e| <= delta, delta (|e| - 0.5 delta) beyond."""
  abs_error = mae(predictions, targets)
  quadratic = jnp.minimum(abs_error, delta)
  return 0.5 * quadratic**2 + delta * (abs_error - quadratic)
