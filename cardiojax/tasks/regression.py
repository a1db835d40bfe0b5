"""Dense regression: activation-time maps (B, 75) and Vm traces (B, T, 75)."""

import dataclasses

import jax.numpy as jnp
import numpy as np

from cardiojax.tasks import base


@dataclasses.dataclass(frozen=True)
class DenseRegression:
  """Regression of a dense target with MSE, MAE or Huber loss.

  The model predicts standardised targets, (target - offset) / scale, and the
  loss is computed there; `predict` returns values in the target unit (e.g. ms
  or mV), in which the metrics are reported. `fit` sets offset and scale from
  the training targets.

  Attributes:
    loss_name: 'mse', 'mae' or 'huber'.
    huber_delta: the Huber transition point, in standardised units.
    unit: the unit of targets and predictions, for the report (e.g. 'ms').
    target_offset, target_scale: the standardisation of the targets.
  """
  loss_name: str = "mse"
  huber_delta: float = 1.0
  unit: str = ""
  target_offset: float = 0.0
  target_scale: float = 1.0

  def __post_init__(self):
    if self.loss_name not in ("mse", "mae", "huber"):
      raise ValueError(f"task.loss: expected 'mse', 'mae' or 'huber', "
                       f"got {self.loss_name!r}")

  def fit(self, train_targets: np.ndarray) -> "DenseRegression":
    """This task with the offset and scale of `train_targets` (all elements)."""
    train_targets = np.asarray(train_targets, np.float64)
    return dataclasses.replace(self, target_offset=float(train_targets.mean()),
                               target_scale=float(train_targets.std()) or 1.0)

  def loss(self, outputs, targets, mask):
    standardised = (targets - self.target_offset) / self.target_scale
    error = outputs.astype(jnp.float32) - standardised
    if self.loss_name == "mse":
      per_element = jnp.square(error)
    elif self.loss_name == "mae":
      per_element = jnp.abs(error)
    else:
      abs_error = jnp.abs(error)
      quadratic = jnp.minimum(abs_error, self.huber_delta)
      per_element = 0.5 * quadratic**2 + self.huber_delta * (abs_error - quadratic)
    return base.masked_mean(per_element, mask)

  def predict(self, outputs):
    return outputs.astype(jnp.float32) * self.target_scale + self.target_offset

  def metrics(self, predictions, targets):
    """MSE, RMSE, MAE over all elements and the mean per-output Pearson r."""
    predictions = np.asarray(predictions, np.float64)
    targets = np.asarray(targets, np.float64)
    error = predictions - targets
    mse = float(np.mean(error**2))
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(np.mean(np.abs(error))),
        "pearson_r": _mean_pearson(predictions, targets),
    }

  def naive_predictions(self, train_targets, num_examples):
    """The training-set mean target, repeated for every example."""
    mean = np.mean(np.asarray(train_targets, np.float64), axis=0)
    return np.broadcast_to(mean, (num_examples,) + mean.shape).astype(np.float32)


def _mean_pearson(predictions: np.ndarray, targets: np.ndarray) -> float:
  """Pearson r per output element across examples, averaged over outputs.

  Outputs whose predictions or targets are constant are left out.
  """
  p = predictions.reshape(len(predictions), -1)
  t = targets.reshape(len(targets), -1)
  p = p - p.mean(axis=0)
  t = t - t.mean(axis=0)
  denominator = np.sqrt((p**2).sum(axis=0) * (t**2).sum(axis=0))
  valid = denominator > 0
  if not valid.any():
    return float("nan")
  return float(np.mean((p * t).sum(axis=0)[valid] / denominator[valid]))
