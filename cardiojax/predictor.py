"""A trained run as a model: `cardiojax.load(workdir)`.

    model = cardiojax.load("runs/ptbxl")
    result = model.predict(signal_mv, fs=500, lead_names=["I", "II", ...])
    result = model.predict_record("records/00001_hr.hea")

The run directory alone is read (config.json, input_contract.json and the
best checkpoint), never the training corpus. A record of any length, rate and
lead order goes through the signal check (`cardiojax.signal.quality`), then
its corpus's `prepare_record` cuts it into windows that cover it or into one
input per beat, and the model runs on every local device, compiled once per
batch-size bucket (powers of two up to `config.predict.batch_size`), so a
long record does not recompile per length. The `Prediction` holds per-window
or per-beat probabilities, decisions at the saved thresholds, the span each
covers, the record-level aggregate, and what was done to the record.

Aggregation over windows (`config.predict.aggregation='auto'`): the contract's
rule, the maximum for multi-label tasks (a finding present in any window, as
the PTB-XL benchmark aggregates, Strodthoff et al. 2021) and the mean
otherwise; over beats, the count of beats per decided class beside the mean
probabilities.
"""

import collections
import dataclasses
import hashlib
import json
import pathlib
from typing import Any

import jax
import ml_collections
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from cardiojax import datasets
from cardiojax import experiment as experiment_lib
from cardiojax.datasets import files
from cardiojax.datasets import wfdb_io
from cardiojax.evaluate import beat_matching
from cardiojax.input import model_inputs
from cardiojax.signal import quality
from cardiojax.train import rundir


class NonFiniteOutputError(FloatingPointError):
  """The model returned NaN or infinite outputs for a record."""


@dataclasses.dataclass
class Prediction:
  """What a model says about one record.

  Attributes:
    record_id: the record's name.
    kind: 'window' or 'beat' (one output per input).
    class_names: the classes of a classifier, () for regression.
    outputs: (n, ...) probabilities (classifiers) or values (regression).
    decisions: (n,) classes or (n, K) multi-label decisions at `thresholds`,
      or None for regression.
    thresholds: the decision thresholds (fitted on validation), or None for
      the defaults (0.5, argmax).
    starts, stops: (n,) span of each input in the record's own samples.
    sampling_rate_hz: the record's rate (spans in seconds = samples / rate).
    beat_samples: (n,) sample of each beat (beats only), else None.
    aggregate: {'rule', 'outputs', 'decisions'[, 'counts']} for the record.
    preparation: what was done to the record (resampling, lead order,
      padding, windows or beats dropped, samples used and dropped).
    findings: the signal check's findings, each one line.
    reference: the beat-by-beat comparison with reference annotations
      (`evaluate.beat_matching.beat_table`), when asked for.
  """
  record_id: str
  kind: str
  class_names: tuple[str, ...]
  outputs: np.ndarray
  decisions: np.ndarray | None
  thresholds: tuple[float, ...] | None
  starts: np.ndarray
  stops: np.ndarray
  sampling_rate_hz: float
  beat_samples: np.ndarray | None
  aggregate: dict
  preparation: dict
  findings: list[str]
  reference: dict | None = None

  def rows(self) -> list[dict[str, Any]]:
    """One dict per window or beat (the CSV rows): index, span in samples
    and seconds, beat sample, and the outputs and decisions by class."""
    rows = []
    for i in range(len(self.outputs)):
      row = {"index": i, "start_sample": int(self.starts[i]),
             "stop_sample": int(self.stops[i]),
             "start_s": self.starts[i] / self.sampling_rate_hz,
             "stop_s": self.stops[i] / self.sampling_rate_hz}
      if self.beat_samples is not None:
        row["beat_sample"] = int(self.beat_samples[i])
        row["beat_s"] = self.beat_samples[i] / self.sampling_rate_hz
      row.update(_named(self.outputs[i], self.class_names, "p"))
      if self.decisions is not None:
        row.update(_decision_columns(self.decisions[i], self.class_names))
      rows.append(row)
    return rows

  def to_json(self) -> dict:
    """The whole prediction as plain JSON values."""
    return rundir.to_json({
        "record_id": self.record_id, "kind": self.kind,
        "class_names": list(self.class_names),
        "thresholds": self.thresholds,
        "sampling_rate_hz": self.sampling_rate_hz,
        "aggregate": self.aggregate, "preparation": self.preparation,
        "findings": self.findings, "reference": self.reference,
        "items": self.rows() if np.ndim(self.outputs) <= 2 else None,
        "outputs": None if np.ndim(self.outputs) <= 2 else self.outputs,
    })


def _named(values, class_names, prefix: str) -> dict:
  values = np.atleast_1d(np.asarray(values))
  if values.ndim > 1:  # dense outputs (time, sites): in the JSON's `outputs`
    return {}
  if class_names and len(class_names) == values.size:
    return {f"{prefix}_{name}": float(v) for name, v in zip(class_names, values)}
  if class_names and values.size == 1:  # one sigmoid: the positive class
    return {f"{prefix}_{class_names[-1]}": float(values[0])}
  return {f"value_{k}": float(v) for k, v in enumerate(values)}


def _decision_columns(decision, class_names) -> dict:
  decision = np.asarray(decision)
  if decision.ndim == 0:
    return {"decision": class_names[int(decision)] if class_names
            else int(decision)}
  return {f"decision_{name}": int(d) for name, d in zip(class_names, decision)}


def read_config(workdir) -> ml_collections.ConfigDict:
  """The config a run was trained with (`<workdir>/config.json`)."""
  path = pathlib.Path(workdir) / "config.json"
  if not path.is_file():
    raise FileNotFoundError(f"{path}: not found; {workdir} is not a trained "
                            f"run directory (train it with --mode=train)")
  return ml_collections.ConfigDict(_tuples(json.loads(path.read_text())))


def _tuples(value):
  if isinstance(value, dict):
    return {key: _tuples(item) for key, item in value.items()}
  if isinstance(value, list):
    return tuple(_tuples(item) for item in value)
  return value


MAX_FINDINGS = 20  # one line each; beyond that, a count per lead and kind


def summarize(findings, record_id: str) -> list[str]:
  """The findings of the signal check as lines: each one, or, when there are
  more than `MAX_FINDINGS`, the first ones and a count per lead and kind."""
  lines = [f.describe(record_id) for f in findings[:MAX_FINDINGS]]
  if len(findings) > MAX_FINDINGS:
    rest = collections.Counter((f.lead, f.kind, f.action)
                               for f in findings[MAX_FINDINGS:])
    lines += [f"{record_id}: lead {lead}: {count} more {kind} findings, {action}"
              for (lead, kind, action), count in sorted(rest.items())]
  return lines


def bucket_size(count: int, devices: int, largest: int) -> int:
  """The batch size `count` inputs are padded to: the next power of two
  (at least the device count, a multiple of it), at most `largest`."""
  size = max(devices, 1 << max(count - 1, 0).bit_length())
  size = min(size, max(largest, devices))
  return -(-size // devices) * devices


class Predictor:
  """A trained run as a model; see the module docstring."""

  def __init__(self, workdir, config=None):
    """Loads the best checkpoint and the input contract of `workdir`.

    Args:
      workdir: a trained run directory.
      config: the run's config; default its config.json. Only `predict` (and
        paths) may differ from the run's; a data, task or model field that
        differs is a ValueError naming it.
    """
    self.workdir = pathlib.Path(workdir)
    self.config = read_config(workdir) if config is None else config
    differences = rundir.config_differences(self.config, workdir)
    if differences:
      raise ValueError(f"config: {differences[0]}; a run is restored with the "
                       f"config it was trained with (cardiojax.load(workdir) "
                       f"reads its config.json)")
    experiment = experiment_lib.build_from_run(self.config, workdir)
    state, _ = experiment_lib.restore_best(experiment, workdir)
    self.experiment, self.state = experiment, state
    self.contract = experiment.contract
    self.task = experiment.task
    self.corpus = datasets.corpus(self.contract.corpus)
    mesh = Mesh(np.asarray(jax.local_devices()), ("data",))
    self._devices = mesh.size
    self._variables = jax.device_put(state.variables,
                                     NamedSharding(mesh, PartitionSpec()))
    apply_fn, task = state.apply_fn, self.task
    self._forward = jax.jit(
        lambda variables, x: task.predict(apply_fn(variables, x,
                                                   train=False)[0]),
        in_shardings=(NamedSharding(mesh, PartitionSpec()),
                      NamedSharding(mesh, PartitionSpec("data"))))

  @property
  def class_names(self) -> tuple[str, ...]:
    return self.contract.label_names

  def predict(self, signal, fs: float, lead_names, *,
              record_id: str = "signal",
              beat_samples: np.ndarray | None = None) -> Prediction:
    """Predicts a (time, leads) array in mV sampled at `fs` Hz.

    Args:
      signal: (T, C) in mV, any length; NaN marks invalid samples.
      fs: sampling rate in Hz.
      lead_names: the name of each column (any order and case).
      record_id: the record's name, used in findings and errors.
      beat_samples: for beat models, the beats to classify (e.g. reference
        annotations), in samples of `signal`; default: detected.

    Raises:
      ValueError: the record cannot be used (the message names the record,
        the field and the fix); NonFiniteOutputError.
    """
    inputs, findings = self.prepare(signal, fs, lead_names,
                                    record_id=record_id,
                                    beat_samples=beat_samples)
    return self._predict_inputs(inputs, record_id, float(fs), findings)

  def prepare(self, signal, fs: float, lead_names, *, record_id: str,
              beat_samples: np.ndarray | None = None
              ) -> tuple[model_inputs.ModelInputs, list[str]]:
    """The signal check and the corpus's preparation of a record (see
    `predict`): its model inputs and the findings, one line each."""
    signal = np.asarray(signal, np.float32)
    if signal.ndim != 2 or signal.shape[1] != len(lead_names):
      raise ValueError(f"{record_id}: signal of shape {signal.shape}; expected "
                       f"(time, {len(lead_names)}) for leads {list(lead_names)}")
    policy = self.config.predict
    checked = quality.apply_policy(
        signal, float(fs), tuple(lead_names), policy=policy.signal_policy,
        max_repair_s=policy.max_repair_s, source=record_id)
    try:
      inputs = self.corpus.prepare_record(
          self.contract, checked.signal, float(fs), tuple(lead_names),
          usable=checked.usable, beat_samples=beat_samples)
    except ValueError as error:
      raise ValueError(f"{record_id}: {error}") from None
    return inputs, summarize(checked.findings, record_id)

  def prepare_beats(self, segments, record_id: str) -> model_inputs.ModelInputs:
    """Model inputs of beats already segmented (a Kaggle-form CSV).

    Raises:
      ValueError: the model reads whole records, not segmented beats.
    """
    if not hasattr(self.corpus, "prepare_beats"):
      raise ValueError(
          f"{record_id}: a CSV of segmented beats is read only by models "
          f"trained on the Kaggle heartbeat CSVs; this model "
          f"({self.contract.corpus}) reads whole records: give it a WFDB "
          f"record, a CPSC .mat or an LLNL .npy")
    return self.corpus.prepare_beats(self.contract, segments)

  def outputs(self, inputs: model_inputs.ModelInputs,
              record_id: str = "inputs") -> np.ndarray:
    """(n, ...) task outputs (probabilities or values) of every input."""
    return self._outputs(inputs, record_id)

  def predict_record(self, path, *, reference: str | None = None,
                     beats: str = "detector") -> Prediction:
    """Predicts a record file of any supported format
    (`cardiojax.datasets.files`).

    Args:
      path: the record (WFDB .hea/.dat/.mat, CPSC .mat, LLNL .npy, CSV).
      reference: an annotation extension (e.g. 'atr') beside a WFDB record:
        beat predictions are scored beat by beat against it (EC57).
      beats: 'detector' (QRS detection) or 'reference' (classify the beats
        of the reference annotations; needs `reference`).
    """
    record = files.read_record_file(path)
    record_id = record.record_id
    if record.is_beats:
      inputs = self.prepare_beats(record.signal, record_id)
      inputs.report["reader_notes"] = list(record.notes)
      return self._predict_inputs(inputs, record_id,
                                  record.sampling_rate_hz, [])
    if beats not in ("detector", "reference"):
      raise ValueError(f"beats: expected 'detector' or 'reference', got "
                       f"{beats!r}")
    ref = None
    if reference is not None:
      if not hasattr(self.corpus, "reference_beats"):
        raise ValueError(f"--reference={reference}: {self.contract.corpus} "
                         f"models classify whole records, not beats")
      annotations = wfdb_io.read_annotations(
          pathlib.Path(path).with_suffix(""), reference)
      ref = self.corpus.reference_beats(annotations, self.contract)
    elif beats == "reference":
      raise ValueError("--beats=reference needs --reference=EXTENSION (the "
                       "annotation file, e.g. atr)")
    prediction = self.predict(
        record.signal, record.sampling_rate_hz, record.lead_names,
        record_id=record_id,
        beat_samples=ref[0] if beats == "reference" else None)
    prediction.preparation["reader_notes"] = list(record.notes)
    if ref is not None:
      prediction.reference = beat_matching.beat_table(
          ref[0], ref[1], prediction.beat_samples,
          _single_classes(prediction.decisions),
          sampling_rate_hz=record.sampling_rate_hz,
          class_names=self.class_names)
    return prediction

  def _outputs(self, inputs: model_inputs.ModelInputs,
               record_id: str) -> np.ndarray:
    largest = int(self.config.predict.batch_size)
    outputs = []
    for start in range(0, len(inputs), largest):
      index = np.arange(start, min(start + largest, len(inputs)))
      x = inputs.take(index)
      if not np.all(np.isfinite(x)):
        raise NonFiniteOutputError(f"{record_id}: non-finite model inputs "
                                   f"(a bug: the signal check removes them)")
      size = bucket_size(len(x), self._devices, largest)
      x = np.concatenate([x, np.zeros((size - len(x),) + x.shape[1:],
                                      np.float32)])
      outputs.append(np.asarray(self._forward(self._variables, x))[:len(index)])
    outputs = np.concatenate(outputs)
    bad = ~np.isfinite(outputs.reshape(len(outputs), -1)).all(axis=1)
    if bad.any():
      raise NonFiniteOutputError(
          f"{record_id}: the model returned non-finite outputs for "
          f"{int(bad.sum())} of {len(bad)} inputs (first: samples "
          f"{inputs.starts[bad][0]}-{inputs.stops[bad][0]})")
    return outputs

  def _predict_inputs(self, inputs, record_id, fs, findings) -> Prediction:
    outputs = self._outputs(inputs, record_id)
    decide = getattr(self.task, "decide", None)
    decisions = None if decide is None else np.asarray(decide(outputs))
    return Prediction(
        record_id=record_id, kind=inputs.kind, class_names=self.class_names,
        outputs=outputs, decisions=decisions,
        thresholds=self.contract.thresholds, starts=inputs.starts,
        stops=inputs.stops, sampling_rate_hz=fs,
        beat_samples=inputs.beat_samples,
        aggregate=self._aggregate(inputs.kind, outputs, decisions),
        preparation=inputs.report, findings=findings)

  def _aggregate(self, kind: str, outputs, decisions) -> dict:
    rule = self.config.predict.aggregation
    if rule == "auto":
      rule = self.contract.aggregation
    if rule not in ("mean", "max"):
      raise ValueError(f"config.predict.aggregation: expected 'auto', 'mean' "
                       f"or 'max', got {rule!r}")
    combined = outputs.max(axis=0) if rule == "max" else outputs.mean(axis=0)
    aggregate = {"rule": f"{rule} over {len(outputs)} {kind}s",
                 "outputs": combined}
    decide = getattr(self.task, "decide", None)
    if decide is not None:
      aggregate["decisions"] = np.asarray(decide(combined[None]))[0]
    if kind == "beat" and decisions is not None and decisions.ndim == 1:
      aggregate["counts"] = {name: int((decisions == k).sum())
                             for k, name in enumerate(self.class_names)}
    return aggregate


def _single_classes(decisions) -> np.ndarray:
  if decisions is None or np.ndim(decisions) != 1:
    raise ValueError("--reference: beat-by-beat scoring needs one class per "
                     "beat (a binary or multi-class beat model)")
  return decisions


def output_stem(path) -> str:
  """A file name for the predictions of `path`: its record name and a hash of
  its full path, so that two inputs never share one."""
  path = pathlib.Path(path)
  digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
  return f"{path.with_suffix('').name}-{digest}"


def load(workdir) -> Predictor:
  """The trained run in `workdir` as a `Predictor` (see the module docstring)."""
  return Predictor(workdir)
