"""One trained run, loaded once at start-up and shared by every request.

`Service` holds the `Predictor`, its `attribution.Explainer` and the example
records (written by `examples.write_examples` into a private temporary folder
at start-up, removed by `close`). Reading and checking a record file runs in
the request's own thread; the model, the attributions and matplotlib run one
request at a time under one lock, so concurrent requests are safe. Nothing
here knows about HTTP: errors a user can cause are `ValueError` (with
`files.RecordFormatError`) or `FileNotFoundError`, one line each.
"""

import dataclasses
import pathlib
import tempfile
import threading

import numpy as np

from cardiojax import predictor
from cardiojax.datasets import files
from cardiojax.serve import attribution
from cardiojax.serve import examples
from cardiojax.serve import figure
from cardiojax.serve import view

RECORD_FORMATS = ("WFDB .hea with its .dat or .mat", "CPSC 2018 .mat",
                  "LLNL .npy (500 x 10 electrodes)",
                  "Kaggle beat .csv (187 samples per row)")
_METHOD_NAMES = {"integrated_gradients": "integrated gradients",
                 "grad_cam": "Grad-CAM"}


class Service:
  """A trained run as the server's model (see the module docstring)."""

  def __init__(self, workdir):
    """Loads the run in `workdir` (FileNotFoundError or ValueError when it is
    not a trained run) and writes the examples."""
    self.workdir = pathlib.Path(workdir)
    self.model = predictor.load(workdir)
    self.explainer = attribution.Explainer(self.model)
    self._lock = threading.Lock()
    self._examples_dir = tempfile.TemporaryDirectory(
        prefix="cardiojax-examples-")
    self.examples = examples.write_examples(self._examples_dir.name)

  def close(self):
    """Removes the example records."""
    self._examples_dir.cleanup()

  def info(self) -> dict:
    """The model: run, input contract, classes, thresholds, examples."""
    contract = self.model.contract
    return {
        "run": self.workdir.resolve().name,
        "corpus": contract.corpus,
        "task": contract.task_kind,
        "class_names": list(self.model.class_names),
        "thresholds": contract.thresholds,
        "thresholds_fitted": contract.thresholds is not None,
        "contract": contract.to_dict(),
        "record_formats": list(RECORD_FORMATS),
        "explain_methods": list(attribution.METHODS),
        "max_explain_inputs": attribution.MAX_INPUTS,
        "examples": [{"name": name, "description": examples.EXAMPLES[name]}
                     for name in self.examples],
    }

  def example(self, name: str) -> pathlib.Path:
    """The header of example `name` (KeyError when there is none)."""
    return self.examples[name]

  def predict(self, path) -> predictor.Prediction:
    """`model.predict_record(path)`."""
    with self._lock:
      return self.model.predict_record(path)

  def view(self, path) -> dict:
    """Everything the page shows of a record: the record, the prediction
    (`Prediction.to_json()`), one row per class, the beat timeline."""
    record = files.read_record_file(path)
    prediction = self.predict(path)
    return {"record": view.record_view(record),
            "prediction": prediction.to_json(),
            "classes": view.class_rows(prediction),
            "decision_kind": view.decision_kind(prediction),
            "timeline": view.beat_timeline(prediction, record)}

  def explain(self, path, method: str, start_s: float | None = None,
              stop_s: float | None = None,
              class_name: str | None = None) -> dict:
    """Attributions of seconds [start_s, stop_s) of the record (default the
    whole record), per record lead (`attribution.Explainer.explain`)."""
    record = files.read_record_file(path)
    inputs = self._inputs(record)
    start, stop = self._span(record, start_s, stop_s)
    with self._lock:
      return self.explainer.explain(
          inputs, record_id=record.record_id, record_leads=record.lead_names,
          record_hz=record.sampling_rate_hz,
          num_samples=len(view.display_signal(record)), method=method,
          start=start, stop=stop, class_name=class_name)

  def figure(self, path, out: pathlib.Path, *, method: str | None = None,
             start_s: float | None = None, stop_s: float | None = None,
             class_name: str | None = None) -> pathlib.Path:
    """Writes the figure of seconds [start_s, stop_s) into `out` (.png or
    .pdf), with the attribution of `method` when given."""
    record = files.read_record_file(path)
    start, stop = self._span(record, start_s, stop_s)
    values = None
    if method:
      explained = self.explain(path, method, start / record.sampling_rate_hz,
                               stop / record.sampling_rate_hz, class_name)
      values = np.stack([np.zeros(stop - start) if a is None else np.asarray(a)
                         for a in explained["attributions"]], axis=1)
    fs = record.sampling_rate_hz
    title = (f"{record.record_id}, {start / fs:.1f}-{stop / fs:.1f} s"
             + (f", {_METHOD_NAMES[method]}" if method else ""))
    with self._lock:
      return figure.write_figure(view.display_signal(record), fs,
                                 view.display_lead_names(record.lead_names),
                                 out, start=start,
                                 stop=stop, attribution=values, title=title)

  def _inputs(self, record: files.RawRecord):
    """The model inputs of a record, spans in the drawn record's samples."""
    if not record.is_beats:
      inputs, _ = self.model.prepare(record.signal, record.sampling_rate_hz,
                                     record.lead_names,
                                     record_id=record.record_id)
      return inputs
    inputs = self.model.prepare_beats(record.signal, record.record_id)
    length = record.signal.shape[1]
    return dataclasses.replace(inputs, starts=inputs.starts * length,
                               stops=inputs.stops * length)

  @staticmethod
  def _span(record: files.RawRecord, start_s, stop_s) -> tuple[int, int]:
    """[start, stop) samples of the drawn record (clipped to it); the whole
    record by default."""
    total = len(view.display_signal(record))
    fs = record.sampling_rate_hz
    start = 0 if start_s is None else int(round(float(start_s) * fs))
    stop = total if stop_s is None else int(round(float(stop_s) * fs))
    start, stop = max(start, 0), min(stop, total)
    if start >= stop:
      raise ValueError(f"start_s={start_s}, stop_s={stop_s}: expected "
                       f"start_s < stop_s within the record (0 to "
                       f"{total / fs:g} s)")
    return start, stop
