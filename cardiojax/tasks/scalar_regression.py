"""Scalar regression (e.g. age in years), optionally inverse-frequency weighted.

The model predicts the standardised target, (target - offset) / scale, with
offset and scale the mean and standard deviation of the training targets
(set by `fit`); the loss is computed there and `predict` returns values in
the target unit, in which the metrics are reported.

With `weighting='inverse_frequency'`, `fit(train_targets)` splits the training
range into `num_bins` equal-width bins and gives each example the weight
N / (B n_b) of its bin b (B = non-empty bins), so the weights average 1 over
the training set and rare ages count as much as common ones. Values outside
the training range fall in the first or last bin.
"""

import dataclasses
from typing import Optional, Sequence

import jax.numpy as jnp
import numpy as np

from cardiojax.evaluate import metrics as metrics_lib
from cardiojax.tasks import losses

_LOSSES = ("mse", "mae", "huber")
_WEIGHTINGS = ("none", "inverse_frequency")


@dataclasses.dataclass(frozen=True)
class ScalarRegression:
  """One value per example; targets (B,) in `unit`.

  Attributes:
    loss_name: 'mse', 'mae' or 'huber'.
    huber_delta: Huber transition point, in standardised units.
    weighting: 'none' or 'inverse_frequency' (bins from training targets).
    num_bins: number of equal-width bins of the inverse-frequency weights.
    bin_edges: fitted (num_bins + 1,) edges; set by `fit`.
    bin_weights: fitted (num_bins,) weights; set by `fit`.
    unit: unit of targets and predictions, for the report (e.g. 'years').
    target_offset: training mean of the targets in `unit`; set by `fit`.
    target_scale: training standard deviation in `unit`; set by `fit`.
  """
  loss_name: str = "mse"
  huber_delta: float = 1.0
  weighting: str = "none"
  num_bins: int = 10
  bin_edges: Optional[Sequence[float]] = None
  bin_weights: Optional[Sequence[float]] = None
  unit: str = ""
  target_offset: float = 0.0
  target_scale: float = 1.0

  def __post_init__(self):
    if self.loss_name not in _LOSSES:
      raise ValueError(f"task.loss_name: expected one of {_LOSSES}, "
                       f"got {self.loss_name!r}")
    if self.weighting not in _WEIGHTINGS:
      raise ValueError(f"task.weighting: expected one of {_WEIGHTINGS}, "
                       f"got {self.weighting!r}")
    for name in ("bin_edges", "bin_weights"):
      value = getattr(self, name)
      if value is not None:
        object.__setattr__(self, name, tuple(float(v) for v in value))

  def fit(self, train_targets: np.ndarray) -> "ScalarRegression":
    """Fits the standardisation (and inverse-frequency bins) on (N,) targets."""
    targets = np.asarray(train_targets, np.float64).ravel()
    fitted = dataclasses.replace(self, target_offset=float(targets.mean()),
                                 target_scale=float(targets.std()) or 1.0)
    if self.weighting == "none":
      return fitted
    edges = np.linspace(targets.min(), targets.max(), self.num_bins + 1)
    counts = np.bincount(self._bin(targets, edges), minlength=self.num_bins)
    weights = np.divide(len(targets), np.count_nonzero(counts) * counts,
                        out=np.zeros(self.num_bins), where=counts > 0)
    return dataclasses.replace(fitted, bin_edges=tuple(edges),
                               bin_weights=tuple(weights))

  @staticmethod
  def _bin(values, edges):
    """Bin index of each value; numpy or jnp, clipped to the outer bins."""
    xp = jnp if isinstance(values, jnp.ndarray) else np
    index = xp.searchsorted(xp.asarray(edges[1:-1]), values, side="right")
    return xp.clip(index, 0, len(edges) - 2)

  def example_weights(self, targets):
    """(B,) inverse-frequency weight of each target (jit-safe)."""
    if self.bin_weights is None:
      raise ValueError("task.weighting is 'inverse_frequency': call "
                       "task.fit(train_targets) before the loss")
    return jnp.asarray(self.bin_weights)[self._bin(targets, self.bin_edges)]

  def loss(self, outputs, targets, mask):
    """Masked mean loss of (B, 1) standardised outputs for (B,) targets."""
    predictions = outputs.reshape(outputs.shape[0])
    targets = targets.reshape(targets.shape[0]).astype(jnp.float32)
    standardised = (targets - self.target_offset) / self.target_scale
    if self.loss_name == "mse":
      per_example = losses.mse(predictions, standardised)
    elif self.loss_name == "mae":
      per_example = losses.mae(predictions, standardised)
    else:
      per_example = losses.huber(predictions, standardised, self.huber_delta)
    if self.weighting == "inverse_frequency":
      per_example = per_example * self.example_weights(targets)
    return losses.masked_mean(per_example, mask)

  def predict(self, outputs):
    """(B,) values in the target unit from (B, 1) standardised outputs."""
    standardised = outputs.reshape(outputs.shape[0]).astype(jnp.float32)
    return standardised * self.target_scale + self.target_offset

  def metrics(self, predictions, targets):
    """MAE, RMSE (target unit), Pearson r and the mean error 'bias'."""
    predictions = np.asarray(predictions, np.float64).ravel()
    targets = np.asarray(targets, np.float64).ravel()
    results = metrics_lib.regression_metrics(predictions, targets)
    results["bias"] = float(np.mean(predictions - targets))
    return results

  def naive_predictions(self, train_targets, num_examples):
    """The training mean for every example."""
    mean = float(np.mean(np.asarray(train_targets, np.float64)))
    return np.full((num_examples,), mean, np.float32)
