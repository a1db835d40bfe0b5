"""The regression head: scalar, dense and signal targets in one class.

`Regression` covers one value per example (age in years, targets (B,)), dense
targets (activation-time maps (B, 75), Vm traces (B, T, 75)) and signals with
named channels (the 12 leads of lead reconstruction, (B, T, 12)):

- loss: MSE, MAE or Huber (`tasks.losses`), averaged per example and masked;
- standardisation: with `standardize`, `fit(train_targets)` sets
  `target_offset` and `target_scale` to the mean and standard deviation of
  every training target element; the model predicts (target - offset) / scale,
  the loss is computed there, and `predict` returns the target unit, in which
  the metrics are reported;
- weighting: with `weighting='inverse_frequency'` (one value per example),
  `fit` splits the training range into `num_bins` equal-width bins and gives
  each example the weight N / (B n_b) of its bin b (B = non-empty bins), so
  the weights average 1 over the training set and rare values count as much
  as common ones; values outside the training range fall in the outer bins;
- named outputs: `output_names` names the last axis (e.g. the 12 leads) and
  adds per-output metrics '<metric>/<name>'; `given_outputs` are outputs the
  model also receives as inputs (lead reconstruction's input leads): the
  summary metrics average over the other, *missing* outputs only (copying an
  input would inflate them) and `loss_on='missing'` restricts the loss to
  them.

The task names of `cardiojax.tasks.TASKS` 'dense_regression',
'scalar_regression' and 'lead_reconstruction' build this head with the
defaults of their kind of target (`Regression.dense`, `.scalar`,
`.lead_reconstruction`); 'regression' takes every field from the config.
"""

import dataclasses
from typing import Optional, Sequence

import jax.numpy as jnp
import numpy as np

from cardiojax.evaluate import metrics as metrics_lib
from cardiojax.signal import leads as leads_lib
from cardiojax.tasks import losses

_LOSSES = ("mse", "mae", "huber")
_WEIGHTINGS = ("none", "inverse_frequency")
_LOSS_ON = ("all", "missing")
_CORRELATIONS = ("across_examples", "per_record")
_SUMMARY_METRICS = ("mse", "rmse", "mae", "pearson_r", "bias")


def _strings(value) -> tuple[str, ...]:
  return tuple(str(v) for v in value)


def _check_choice(name, value, choices):
  if value not in choices:
    raise ValueError(f"task.{name}: expected one of {choices}, got {value!r}")


@dataclasses.dataclass(frozen=True)
class Regression:
  """Regression of scalar, dense or signal targets in `unit`.

  Outputs of shape (B, 1) are one value per example and are compared with
  (B,) targets; any other output has the shape of its targets.

  Attributes:
    loss_name: 'mse', 'mae' or 'huber'.
    huber_delta: Huber transition point, in standardised units (target units
      without standardisation).
    unit: unit of targets and predictions, for the report (e.g. 'years').
    standardize: `fit` sets `target_offset` and `target_scale` from the
      training targets; without it they stay as given (0 and 1: raw units).
    target_offset: the mean of the training targets; set by `fit`.
    target_scale: their standard deviation (1 if constant); set by `fit`.
    weighting: 'none' or 'inverse_frequency' (bins from training targets;
      needs one value per example).
    num_bins: number of equal-width bins of the inverse-frequency weights.
    bin_edges: fitted (num_bins + 1,) edges; set by `fit`.
    bin_weights: fitted (num_bins,) weights; set by `fit`.
    output_names: names of the last output axis (e.g. `STANDARD_12`); adds
      per-output metrics, and the summary metrics average them.
    given_outputs: names of outputs the model also gets as inputs; the
      summary metrics (and the loss with `loss_on='missing'`) leave them out.
    loss_on: 'all' outputs or only the 'missing' ones (not given).
    correlation: how Pearson r is computed: 'across_examples' (per output
      element over the examples, e.g. per site or for a scalar) or
      'per_record' (per example along axis 1, time, then averaged over the
      examples; examples with a flat signal are left out).
    summary_metrics: the summary metrics reported, in this order, from 'mse',
      'rmse', 'mae' (target unit), 'pearson_r' and 'bias' (mean error).
  """
  loss_name: str = "mse"
  huber_delta: float = 1.0
  unit: str = ""
  standardize: bool = True
  target_offset: float = 0.0
  target_scale: float = 1.0
  weighting: str = "none"
  num_bins: int = 10
  bin_edges: Optional[Sequence[float]] = None
  bin_weights: Optional[Sequence[float]] = None
  output_names: Sequence[str] = ()
  given_outputs: Sequence[str] = ()
  loss_on: str = "all"
  correlation: str = "across_examples"
  summary_metrics: Sequence[str] = ("mae", "rmse", "pearson_r")

  def __post_init__(self):
    _check_choice("loss_name", self.loss_name, _LOSSES)
    _check_choice("weighting", self.weighting, _WEIGHTINGS)
    _check_choice("loss_on", self.loss_on, _LOSS_ON)
    _check_choice("correlation", self.correlation, _CORRELATIONS)
    for name in ("bin_edges", "bin_weights"):
      value = getattr(self, name)
      if value is not None:
        object.__setattr__(self, name, tuple(float(v) for v in value))
    for name in ("output_names", "given_outputs", "summary_metrics"):
      object.__setattr__(self, name, _strings(getattr(self, name)))
    for name in self.summary_metrics:
      _check_choice("summary_metrics", name, _SUMMARY_METRICS)
    unknown = [n for n in self.given_outputs if n not in self.output_names]
    if unknown:
      raise ValueError(f"task.given_outputs: {unknown} are not in "
                       f"task.output_names {self.output_names}")
    if self.given_outputs and not self.missing_outputs:
      raise ValueError("task.given_outputs: every output is given; nothing "
                       "to predict")
    if self.loss_on == "missing" and not self.given_outputs:
      raise ValueError("task.loss_on='missing' needs task.output_names and "
                       "task.given_outputs")

  # The defaults of the task names in `cardiojax.tasks.TASKS`.

  @classmethod
  def dense(cls, **fields) -> "Regression":
    """Dense targets (maps, traces): MSE, RMSE, MAE and r per element."""
    fields.setdefault("summary_metrics", ("mse", "rmse", "mae", "pearson_r"))
    return cls(**fields)

  @classmethod
  def scalar(cls, **fields) -> "Regression":
    """One value per example (e.g. age): MAE, RMSE, r and the mean error."""
    fields.setdefault("summary_metrics", ("mae", "rmse", "pearson_r", "bias"))
    return cls(**fields)

  @classmethod
  def lead_reconstruction(cls, input_leads: Sequence[str] = ("I", "II", "V2"),
                          **fields) -> "Regression":
    """The 12 leads (B, T, 12) in mV from `input_leads`, in `STANDARD_12` order.

    The loss covers the missing leads (`loss_on='missing'`, or 'all'), in mV
    (no standardisation); MAE, RMSE (mV) and Pearson r are reported per lead,
    r per record along time, and averaged over the missing leads (limb leads
    that are linear in the inputs, e.g. III from I and II, still count as
    missing).
    """
    leads_lib.lead_indices(input_leads)  # Fails on unknown names.
    defaults = dict(output_names=leads_lib.STANDARD_12, loss_on="missing",
                    standardize=False, correlation="per_record", unit="mV",
                    summary_metrics=("mae", "rmse", "pearson_r"))
    return cls(**{**defaults, "given_outputs": tuple(input_leads), **fields})

  @property
  def missing_outputs(self) -> tuple[str, ...]:
    """The named outputs that are not given to the model."""
    return tuple(n for n in self.output_names if n not in self.given_outputs)

  @property
  def needs_fit(self) -> bool:
    """Whether `fit` sets anything (the trainer may skip it otherwise)."""
    return self.standardize or self.weighting != "none"

  def _missing_indices(self) -> list[int]:
    return [self.output_names.index(n) for n in self.missing_outputs]

  def fit(self, train_targets: np.ndarray) -> "Regression":
    """Fits the standardisation and the inverse-frequency bins, as asked."""
    fitted = self
    if self.standardize:
      offset, scale = _mean_std(np.asarray(train_targets))
      fitted = dataclasses.replace(self, target_offset=offset,
                                   target_scale=scale or 1.0)
    if self.weighting == "none":
      return fitted
    targets = np.asarray(train_targets, np.float64)
    if targets.size != len(targets):
      raise ValueError(f"task.weighting={self.weighting!r} needs one target "
                       f"value per example, got targets {targets.shape}")
    values = targets.ravel()
    edges = np.linspace(values.min(), values.max(), self.num_bins + 1)
    counts = np.bincount(self._bin(values, edges), minlength=self.num_bins)
    weights = np.divide(len(values), np.count_nonzero(counts) * counts,
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
    """(B,) inverse-frequency weight of each (B,) target (jit-safe)."""
    if self.bin_weights is None:
      raise ValueError(f"task.weighting is {self.weighting!r}: call "
                       "task.fit(train_targets) before the loss")
    return jnp.asarray(self.bin_weights)[self._bin(targets, self.bin_edges)]

  def _standardised(self, targets):
    if self.target_offset == 0.0 and self.target_scale == 1.0:
      return targets
    return (targets - self.target_offset) / self.target_scale

  def loss(self, outputs, targets, mask):
    """Masked mean loss of standardised outputs against targets in `unit`."""
    targets = targets.astype(jnp.float32)
    outputs = outputs.reshape(targets.shape)
    standardised = self._standardised(targets)
    if self.loss_on == "missing":
      index = jnp.asarray(self._missing_indices())
      outputs, standardised = outputs[..., index], standardised[..., index]
    if self.loss_name == "mse":
      per_element = losses.mse(outputs, standardised)
    elif self.loss_name == "mae":
      per_element = losses.mae(outputs, standardised)
    else:
      per_element = losses.huber(outputs, standardised, self.huber_delta)
    if self.weighting == "inverse_frequency":
      weights = self.example_weights(targets.reshape(targets.shape[0]))
      per_element = per_element * weights.reshape(
          weights.shape + (1,) * (per_element.ndim - 1))
    return losses.masked_mean(per_element, mask)

  def predict(self, outputs):
    """Values in `unit`: (B,) from (B, 1) outputs, else the outputs' shape."""
    if outputs.ndim == 2 and outputs.shape[1] == 1:
      outputs = outputs.reshape(outputs.shape[0])
    values = outputs.astype(jnp.float32)
    if self.target_offset == 0.0 and self.target_scale == 1.0:
      return values
    return values * self.target_scale + self.target_offset

  def metrics(self, predictions, targets):
    """The `summary_metrics` in the target unit, and per output if named.

    Without `output_names` every summary pools all elements (r: the mean over
    output elements of r, see `correlation`). With them, each metric is first
    computed per output (pooled over every other axis) and reported as
    '<metric>/<name>'; the summary is the mean over the missing outputs
    (every output when none is given), NaN left out.
    """
    targets = np.asarray(targets)
    predictions = np.asarray(predictions).reshape(targets.shape)
    per_output = bool(self.output_names)
    errors = metrics_lib.error_means(
        predictions, targets,
        axis=tuple(range(targets.ndim - 1)) if per_output else None)
    values = {key: (self._mean_r(predictions, targets, per_output)
                    if key == "pearson_r" else _error_metric(key, errors))
              for key in self.summary_metrics}
    if not per_output:
      return {key: float(value) for key, value in values.items()}
    missing = self._missing_indices()
    results = {key: float(np.nanmean(per_name[missing]))
               for key, per_name in values.items()}
    for key, per_name in values.items():
      results.update({f"{key}/{name}": float(value)
                      for name, value in zip(self.output_names, per_name)})
    return results

  def _mean_r(self, predictions, targets, per_output):
    """Pearson r averaged as `metrics` says: (C,) per output or one value."""
    r = self._correlations(predictions, targets)
    if per_output:
      return _nanmean(r.reshape(-1, predictions.shape[-1]))
    if self.correlation == "per_record":
      r = _nanmean(r.reshape(len(r), -1))  # Per element, over the records.
    valid = r[~np.isnan(r)]
    return float(np.mean(valid)) if valid.size else float("nan")

  def _correlations(self, predictions, targets) -> np.ndarray:
    """Pearson r, NaN where a side is constant, as `correlation` says.

    'across_examples': shape targets.shape[1:], the r over the examples of
    each element; 'per_record': (N,) + targets.shape[2:], the r of each
    example along axis 1.
    """
    if self.correlation == "across_examples":
      num = len(targets)
      r = metrics_lib.pearson_r(predictions.reshape(num, -1),
                                targets.reshape(num, -1), axis=0)
      return r.reshape(targets.shape[1:])
    if targets.ndim < 2:
      raise ValueError("task.correlation='per_record' needs targets with a "
                       f"time axis, got {targets.shape}")
    return metrics_lib.pearson_r(predictions, targets, axis=1)

  def naive_predictions(self, train_targets, num_examples):
    """The training mean target, repeated for every example."""
    train_targets = np.asarray(train_targets)
    mean = sum(train_targets[rows].sum(axis=0, dtype=np.float64)
               for rows in metrics_lib.row_slices(train_targets.shape))
    mean = mean / len(train_targets)
    return np.broadcast_to(mean, (num_examples,) + mean.shape).astype(np.float32)


def _error_metric(key: str, means: dict) -> np.ndarray:
  """'mse', 'rmse', 'mae' or 'bias' from `metrics.error_means`."""
  return np.sqrt(means["mse"]) if key == "rmse" else means[key]


def _nanmean(values: np.ndarray) -> np.ndarray:
  """Mean over axis 0 ignoring NaN; NaN where a column is all NaN."""
  valid = ~np.isnan(values)
  total = np.where(valid, values, 0.0).sum(axis=0)
  count = valid.sum(axis=0)
  return np.divide(total, count, out=np.full(total.shape, np.nan),
                   where=count > 0)


def _mean_std(values: np.ndarray) -> tuple[float, float]:
  """The mean and standard deviation of all of `values`, in float64, summed
  over chunks of rows (`metrics.row_slices`): never a float64 copy of the
  whole array (the main job's Vm targets: 3,200 x 500 x 75 float32, 480 MB)."""
  chunks = [values[rows] for rows in metrics_lib.row_slices(values.shape)]
  mean = sum(float(chunk.sum(dtype=np.float64)) for chunk in chunks) / values.size
  squares = sum(float(np.square(np.subtract(chunk, mean, dtype=np.float64)).sum())
                for chunk in chunks)
  return mean, float(np.sqrt(squares / values.size))
