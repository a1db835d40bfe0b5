"""Attributions of a whole record on its own time axis (`POST /explain`).

A model explains its inputs (windows or beats at the model's rate, normalised,
in the model's lead order); a clinician looks at the record. `Explainer`
explains each model input that overlaps a span of the record, for one class
per input (the model's own choice, `lead_importance.predicted_classes`, or a
class asked for; a one-output binary model's single logit is the evidence
for its positive class, negated for the other), with integrated gradients
(Sundararajan et al. 2017; the baseline is the run's mean training input,
`explain_baseline.npy`, zeros without one) or Grad-CAM-1D (the model's last
(B, T', F) feature map unless `config.explain.gradcam_feature` names one; one
map for every lead). Each
input's attribution goes back onto the record: linear interpolation from the
model's rate over the span of record samples the input covers (padding left
out), the mean where inputs overlap, 0 where none does, and None for a record
lead the model does not read.
"""

import dataclasses
import pathlib

import jax
import numpy as np

from cardiojax import experiment as experiment_lib
from cardiojax import predictor
from cardiojax.explain import attributions
from cardiojax.explain import gradcam
from cardiojax.explain import lead_importance
from cardiojax.input import model_inputs
from cardiojax.signal import leads as leads_lib

METHODS = ("integrated_gradients", "grad_cam")
MAX_INPUTS = 64  # windows or beats explained by one request
CHUNK = 8  # inputs explained at once, padded to a power of two
IG_STEPS_PER_BATCH = 16  # integrated-gradients path points vmapped at once


class Explainer:
  """Attributions of a predictor's inputs, mapped back onto its records."""

  def __init__(self, model: predictor.Predictor):
    self.model = model
    baseline = pathlib.Path(model.workdir) / experiment_lib.BASELINE_FILE
    self.baseline = (np.load(baseline, allow_pickle=False)
                     if baseline.is_file() else None)
    self.ig_steps = int(model.config.explain.ig_steps)
    self._feature = model.config.explain.gradcam_feature

  def gradcam_feature(self, x: np.ndarray) -> str:
    """The Grad-CAM feature map: the configured one, else the model's last
    (B, T', F) intermediate."""
    if self._feature:
      return self._feature
    order = []  # the model's own order: eval_shape's pytrees sort dict keys

    def intermediates_of(v, x):
      _, intermediates = attributions.apply_model(self.model.experiment.model,
                                                  v, x)
      order.extend(intermediates)
      return intermediates

    shapes = jax.eval_shape(intermediates_of, self.model.state.variables, x[:1])
    names = [n for n in order if len(shapes[n].shape) == 3]
    if not names:
      raise ValueError("method=grad_cam: the model returns no (B, T', F) "
                       "feature map; use method=integrated_gradients")
    self._feature = names[-1]
    return self._feature

  def explain(self, inputs: model_inputs.ModelInputs, *, record_id: str,
              record_leads, record_hz: float, num_samples: int, method: str,
              start: int, stop: int, class_name: str | None = None) -> dict:
    """Attributions of the record samples [start, stop).

    Args:
      inputs: the record's model inputs (`Predictor.prepare`); their spans in
        record samples.
      record_id, record_leads, record_hz, num_samples: the record's name, lead
        names, rate and length.
      method: one of METHODS.
      start, stop: the span of record samples to explain.
      class_name: explain this class in every input; default each input's
        class as the model decides it.

    Returns:
      {'method', 'record_id', 'sampling_rate_hz', 'start_sample',
      'stop_sample', 'lead_names', 'attributions' (per record lead: a list of
      stop - start values, or None), 'feature' (Grad-CAM), 'inputs' (each
      explained input: index, span, class)}.

    Raises:
      ValueError: unknown method or class, an empty span, no input or too
        many inputs in it, or a model whose inputs are not waveforms.
    """
    model = self.model
    if method not in METHODS:
      raise ValueError(f"method: expected one of {', '.join(METHODS)}, got "
                       f"{method!r}")
    if not model.class_names:
      raise ValueError(f"{record_id}: this model outputs values, not classes; "
                       f"the viewer explains classifiers")
    if not 0 <= start < stop <= num_samples:
      raise ValueError(f"start_s, stop_s: the span must lie inside the record "
                       f"(0 to {num_samples / record_hz:g} s) and not be empty")
    index = np.flatnonzero((inputs.starts < stop) & (inputs.stops > start))
    if not len(index):
      raise ValueError(f"{record_id}: no model input covers {start / record_hz:g}"
                       f"-{stop / record_hz:g} s; pick another span")
    if len(index) > MAX_INPUTS:
      raise ValueError(f"{record_id}: {len(index)} {inputs.kind}s cover "
                       f"{start / record_hz:g}-{stop / record_hz:g} s; explain "
                       f"at most {MAX_INPUTS} at once (a shorter start_s-stop_s "
                       f"span)")
    chosen = dataclasses.replace(
        inputs, offsets=inputs.offsets[index], starts=inputs.starts[index],
        stops=inputs.stops[index],
        beat_samples=(None if inputs.beat_samples is None
                      else inputs.beat_samples[index]))
    x = chosen.inputs
    if x.shape[1] != inputs.length:
      raise ValueError(f"{record_id}: this model reads transformed inputs "
                       f"(shape {x.shape[1:]}), not waveforms; attributions "
                       f"over time need a waveform model")
    probs = model.outputs(chosen, record_id)
    classes = self._classes(probs, class_name)
    values = self._attribute(x, classes, method)
    columns = _record_columns(model.contract.lead_names, inputs.report,
                              record_leads)
    mapped = _to_record(values, chosen, inputs.length, record_hz,
                        model.contract.sampling_rate_hz,
                        model.contract.window_policy.get("align", "start"),
                        start, stop)
    per_lead = [None] * len(record_leads)
    for c, column in enumerate(columns):
      if column is not None:
        per_lead[column] = mapped[:, c].astype(np.float32).tolist()
    return {
        "method": method, "record_id": record_id,
        "sampling_rate_hz": record_hz, "start_sample": int(start),
        "stop_sample": int(stop), "lead_names": list(record_leads),
        "attributions": per_lead,
        "feature": self._feature if method == "grad_cam" else None,
        "inputs": [{"index": int(i), "start_sample": int(a),
                    "stop_sample": int(b),
                    "class": model.class_names[int(k)]}
                   for i, a, b, k in zip(index, chosen.starts, chosen.stops,
                                         classes)],
    }

  def _classes(self, probs: np.ndarray, class_name: str | None):
    """(k,) the class explained for each input: `class_name` or the model's
    choice. They are the attribution targets: a single-output binary model's
    logit is explained with the sign of the class (`select_target`)."""
    names = self.model.class_names
    if class_name is None:
      classes = lead_importance.predicted_classes(
          probs, self.model.contract.thresholds)
    elif class_name in names:
      classes = np.full(len(probs), names.index(class_name), np.int64)
    else:
      raise ValueError(f"class_name: {class_name!r} is not a class of this "
                       f"model ({', '.join(names)})")
    return classes

  def _attribute(self, x: np.ndarray, targets: np.ndarray,
                 method: str) -> np.ndarray:
    """(k, T, C) attributions, `CHUNK` inputs at a time."""
    net = self.model.experiment.model
    variables = self.model.state.variables
    feature = self.gradcam_feature(x) if method == "grad_cam" else None
    out = []
    for begin in range(0, len(x), CHUNK):
      xb = x[begin:begin + CHUNK]
      size = predictor.bucket_size(len(xb), 1, CHUNK)
      xb = np.concatenate([xb, np.zeros((size - len(xb),) + xb.shape[1:],
                                        np.float32)])
      tb = np.zeros(size, np.int64)
      tb[:min(CHUNK, len(x) - begin)] = targets[begin:begin + CHUNK]
      if method == "grad_cam":
        cam = gradcam.grad_cam(net, variables, xb, tb, feature=feature)
        values = np.broadcast_to(np.asarray(cam)[:, :, None], xb.shape)
      else:
        values = np.asarray(attributions.integrated_gradients(
            net, variables, xb, tb, baseline=self.baseline,
            num_steps=self.ig_steps, steps_per_batch=IG_STEPS_PER_BATCH))
      out.append(values[:min(CHUNK, len(x) - begin)])
    return np.concatenate(out)


def _record_columns(model_leads, report: dict, record_leads) -> list:
  """The record column of each model lead (None: the record lacks it), from
  the preparation report's lead order; without one (beats of a CSV), the
  record's columns are the model's."""
  if "lead_order" not in report:
    return list(range(len(model_leads)))
  columns = []
  for _, record_lead in report["lead_order"]:
    try:
      columns.append(None if record_lead is None else
                     leads_lib.find_lead(record_leads, (record_lead,)))
    except ValueError:
      columns.append(None)
  return columns


def _to_record(values: np.ndarray, inputs: model_inputs.ModelInputs,
               length: int, record_hz: float, model_hz: float, align: str,
               start: int, stop: int) -> np.ndarray:
  """(stop - start, C) the mean attribution of the inputs at each record
  sample (see the module docstring)."""
  total = np.zeros((stop - start, values.shape[-1]), np.float64)
  count = np.zeros(stop - start, np.int64)
  positions = np.arange(length)
  for a, s, e in zip(values, inputs.starts, inputs.stops):
    real = min(length, int(round((e - s) * model_hz / record_hz)))
    pad = length - real
    first = {"center": pad // 2, "end": pad}.get(align, 0)
    samples = np.arange(max(s, start), min(e, stop))
    at = first + (samples - s + 0.5) * model_hz / record_hz - 0.5
    for c in range(values.shape[-1]):
      total[samples - start, c] += np.interp(at, positions, a[:, c])
    count[samples - start] += 1
  return total / np.maximum(count, 1)[:, None]
