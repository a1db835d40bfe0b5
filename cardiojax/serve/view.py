"""What the page draws: the record, one row per class, the beat timeline.

The page only draws; every number and decision comes from here and from the
`Prediction` (decisions as `cardiojax.evaluate.decisions` makes them).
"""

import base64

import numpy as np

from cardiojax import predictor
from cardiojax.datasets import files
from cardiojax.signal import leads

BEAT_CSV_UNITS = "min-max normalised beat (Kaggle CSV), not mV"


def display_signal(record: files.RawRecord) -> np.ndarray:
  """(T, C) the record as drawn: beats of a CSV one after the other."""
  if record.is_beats:
    return record.signal[:, :, 0].reshape(-1, 1)
  return record.signal


def display_lead_names(lead_names) -> list[str]:
  """Lead names as the field writes them (AVR -> aVR), others unchanged."""
  standard = {name.lower(): name for name in leads.STANDARD_12}
  return [standard.get(str(n).strip().lower(), str(n)) for n in lead_names]


def record_view(record: files.RawRecord) -> dict:
  """The record for the page: (T, C) float32 little-endian samples in
  base64 (row-major, NaN where invalid), rate, lead names, units, and for 12
  standard leads the column of each lead of `leads.STANDARD_12`."""
  signal = np.ascontiguousarray(display_signal(record), "<f4")
  names = [str(n).strip().lower() for n in record.lead_names]
  standard = [names.index(n.lower()) if n.lower() in names else None
              for n in leads.STANDARD_12]
  return {
      "record_id": record.record_id,
      "sampling_rate_hz": record.sampling_rate_hz,
      "lead_names": display_lead_names(record.lead_names),
      "samples": int(signal.shape[0]),
      "units": BEAT_CSV_UNITS if record.is_beats else "mV",
      "is_beats": record.is_beats,
      "beat_length": int(record.signal.shape[1]) if record.is_beats else None,
      "standard_12": standard if None not in standard else None,
      "notes": list(record.notes),
      "signal": base64.b64encode(signal.tobytes()).decode("ascii"),
  }


def class_rows(prediction: predictor.Prediction) -> list[dict]:
  """One row per class of the record-level aggregate: name, probability,
  threshold (None where the decision is the most probable class, or for the
  negative class of a one-output binary model), decision (a multi-label
  class present, or the class decided), fitted (the threshold was fitted on
  validation) and, for beat models, the beats decided as that class."""
  names = prediction.class_names
  aggregate = prediction.aggregate
  if not names or "decisions" not in aggregate:
    return []
  outputs = np.asarray(aggregate["outputs"], np.float64).reshape(-1)
  decisions = np.asarray(aggregate["decisions"]).reshape(-1)
  fitted = prediction.thresholds is not None
  thresholds = np.asarray(prediction.thresholds if fitted else
                          [0.5] * len(outputs), np.float64).reshape(-1)
  counts = aggregate.get("counts", {})
  if outputs.size == 1 and len(names) == 2:  # one sigmoid: the positive class
    p = float(outputs[0])
    rows = [(names[0], 1.0 - p, None, int(decisions[0]) == 0),
            (names[1], p, float(thresholds[0]), int(decisions[0]) == 1)]
  elif decisions.size == len(names):  # multi-label
    rows = [(n, float(outputs[k]), float(thresholds[k]), bool(decisions[k]))
            for k, n in enumerate(names)]
  else:  # single label: the most probable class
    rows = [(n, float(outputs[k]), None, int(decisions[0]) == k)
            for k, n in enumerate(names)]
  return [{"name": n, "probability": p, "threshold": t, "decision": d,
           "fitted": fitted and t is not None, "count": counts.get(n)}
          for n, p, t, d in rows]


def decision_kind(prediction: predictor.Prediction) -> str | None:
  """'multi_label' (each class present or absent), 'single_label' (one class
  decided) or None (regression)."""
  if not prediction.class_names or "decisions" not in prediction.aggregate:
    return None
  decisions = np.asarray(prediction.aggregate["decisions"]).reshape(-1)
  multi = decisions.size == len(prediction.class_names) > 1
  return "multi_label" if multi else "single_label"


def beat_timeline(prediction: predictor.Prediction,
                  record: files.RawRecord) -> dict | None:
  """Each beat's time (s, on the drawn record) and decided class index, for
  beat models with one class per beat; else None."""
  decisions = prediction.decisions
  if prediction.kind != "beat" or decisions is None or decisions.ndim != 1:
    return None
  fs = record.sampling_rate_hz
  if record.is_beats:  # CSV rows drawn one after the other
    times = prediction.starts * record.signal.shape[1] / fs
  else:
    times = prediction.beat_samples / fs
  return {"times_s": np.asarray(times, np.float64).tolist(),
          "classes": np.asarray(decisions, np.int64).tolist()}
