"""What every task head shares: masked reductions and the task protocol.

A task owns the loss, the output activation and the metrics of one kind of
problem, so any model of the zoo can serve any task. `outputs` are the raw
model outputs, `targets` the batch targets, `mask` a (B,) float array that is 1
for real examples and 0 for padding.
"""

from typing import Protocol

import jax.numpy as jnp
import numpy as np


class Task(Protocol):
  """The interface the trainer, evaluator and explainer rely on."""

  def loss(self, outputs: jnp.ndarray, targets: jnp.ndarray,
           mask: jnp.ndarray) -> jnp.ndarray:
    """Scalar masked mean loss (jit-safe)."""

  def predict(self, outputs: jnp.ndarray) -> jnp.ndarray:
    """Probabilities, classes or values from raw outputs (jit-safe)."""

  def metrics(self, predictions: np.ndarray,
              targets: np.ndarray) -> dict[str, float]:
    """Host metrics over real examples only."""

  def naive_predictions(self, train_targets: np.ndarray,
                        num_examples: int) -> np.ndarray:
    """Predictions of the naive baseline fitted on training targets."""

  # Optional: `fit(train_targets) -> Task` returns the task with statistics of
  # the training targets (standardisation, class weights, ...); the trainer
  # calls it when present, before the first step and before evaluation. A
  # task whose `needs_fit` is false has nothing to fit: the trainer may skip
  # the call, and reading the training targets for it.
  # Classification heads also have `decide(probs)`: decisions at the fitted
  # thresholds (`cardiojax.evaluate.decisions`).


def masked_mean(per_example: jnp.ndarray, mask: jnp.ndarray) -> jnp.ndarray:
  """Mean of `per_example` (B, ...) over examples where `mask` (B,) is 1.

  Trailing axes are averaged first, so each real example weighs the same.
  """
  per_example = per_example.reshape(per_example.shape[0], -1).mean(axis=1)
  mask = mask.astype(per_example.dtype)
  return jnp.sum(per_example * mask) / jnp.maximum(jnp.sum(mask), 1.0)
