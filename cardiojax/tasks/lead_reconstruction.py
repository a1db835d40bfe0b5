"""Lead reconstruction: the 12 standard leads from a subset of them.

The model sees the `input_leads` and outputs all 12 leads (B, T, 12) in mV,
in `STANDARD_12` order. The loss covers every lead or only the missing ones.
Metrics are reported per lead; the summary averages over the missing leads,
since copying the input leads would inflate it (limb leads that are linear
in the inputs, e.g. III from I and II, still count as missing here).
"""

import dataclasses
from typing import Sequence

import jax.numpy as jnp
import numpy as np

from cardiojax.evaluate import metrics as metrics_lib
from cardiojax.signal import leads as leads_lib
from cardiojax.tasks import losses

_LOSSES = ("mse", "mae", "huber")


@dataclasses.dataclass(frozen=True)
class LeadReconstruction:
  """Outputs and targets (B, T, 12) in mV.

  Attributes:
    input_leads: names of the leads given to the model.
    loss_on: 'all' leads or only the 'missing' ones.
    loss_name: 'mse', 'mae' or 'huber'.
    huber_delta: Huber transition point, in mV.
  """
  input_leads: Sequence[str] = ("I", "II", "V2")
  loss_on: str = "missing"
  loss_name: str = "mse"
  huber_delta: float = 1.0

  def __post_init__(self):
    object.__setattr__(self, "input_leads", tuple(self.input_leads))
    leads_lib.lead_indices(self.input_leads)  # Fails on unknown names.
    if self.loss_on not in ("all", "missing"):
      raise ValueError(f"task.loss_on: expected 'all' or 'missing', "
                       f"got {self.loss_on!r}")
    if self.loss_name not in _LOSSES:
      raise ValueError(f"task.loss_name: expected one of {_LOSSES}, "
                       f"got {self.loss_name!r}")
    if not self.missing_leads:
      raise ValueError("task.input_leads: every lead is an input; nothing "
                       "to reconstruct")

  @property
  def missing_leads(self) -> tuple[str, ...]:
    return tuple(n for n in leads_lib.STANDARD_12 if n not in self.input_leads)

  def loss(self, outputs, targets, mask):
    if self.loss_on == "missing":
      index = jnp.asarray(leads_lib.lead_indices(self.missing_leads))
      outputs, targets = outputs[..., index], targets[..., index]
    if self.loss_name == "mse":
      per_element = losses.mse(outputs, targets)
    elif self.loss_name == "mae":
      per_element = losses.mae(outputs, targets)
    else:
      per_element = losses.huber(outputs, targets, self.huber_delta)
    return losses.masked_mean(per_element, mask)

  def predict(self, outputs):
    """(B, T, 12) signals in mV."""
    return outputs.astype(jnp.float32)

  def metrics(self, predictions, targets):
    """MAE, RMSE (mV) and Pearson r per lead; their means over missing leads.

    r is computed per record along time, then averaged over records (records
    with a flat lead are left out), as in the lead-reconstruction literature.
    """
    predictions = np.asarray(predictions, np.float64)
    targets = np.asarray(targets, np.float64)
    error = predictions - targets
    per_lead = {
        "mae": np.mean(np.abs(error), axis=(0, 1)),
        "rmse": np.sqrt(np.mean(error**2, axis=(0, 1))),
        "pearson_r": _nanmean(metrics_lib.pearson_r(predictions, targets,
                                                    axis=1)),
    }
    missing = list(leads_lib.lead_indices(self.missing_leads))
    results = {key: float(np.nanmean(values[missing]))
               for key, values in per_lead.items()}
    for key, values in per_lead.items():
      results.update({f"{key}/{name}": float(value)
                      for name, value in zip(leads_lib.STANDARD_12, values)})
    return results

  def naive_predictions(self, train_targets, num_examples):
    """The training mean signal (T, 12) for every example."""
    mean = np.mean(np.asarray(train_targets, np.float64), axis=0)
    return np.broadcast_to(mean.astype(np.float32),
                           (num_examples,) + mean.shape)


def _nanmean(values: np.ndarray) -> np.ndarray:
  """Mean over axis 0 ignoring NaN; NaN where a column is all NaN."""
  valid = ~np.isnan(values)
  total = np.where(valid, values, 0.0).sum(axis=0)
  count = valid.sum(axis=0)
  return np.divide(total, count, out=np.full(total.shape, np.nan),
                   where=count > 0)
