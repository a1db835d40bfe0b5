"""The input contract: what a trained model expects, saved with every run.

A corpus's `load(config.data)` writes the data half (rate, window, leads,
units, the normaliser fitted on the training split, how records become model
inputs); the experiment adds the task half (task kind, label names, the task
statistics fitted on the training targets) and, once fitted on validation, the
decision thresholds. Training saves it as `<workdir>/input_contract.json`;
eval on new data, predict, explain and any later consumer build their input
preparation from that file alone and never need the training corpus.
"""

import dataclasses
import json
import os
import pathlib
from typing import Any

FILENAME = "input_contract.json"
# How a record becomes model inputs (`preparation`); each is implemented by the
# corpus module named in `corpus` (`cardiojax.datasets.<corpus>.prepare_record`).
PREPARATIONS = ("record", "beat_windows", "kaggle_beats")


class ContractError(ValueError):
  """An input_contract.json that is missing, unreadable or of another form."""


@dataclasses.dataclass(frozen=True)
class InputContract:
  """What one model input is and how a raw record becomes one.

  Attributes:
    corpus: the `cardiojax.datasets` module that prepares records
      ('ptbxl', 'mitdb', ...).
    preparation: one of `PREPARATIONS`: 'record' (resample, reorder leads,
      normalise, crop or pad to the window), 'beat_windows' (a window centred
      on each detected QRS complex), 'kaggle_beats' (Kachuee et al. 2018
      segmentation into 187-sample beats).
    sampling_rate_hz: the model's sampling rate in Hz.
    window_samples: samples of time of one model input at that rate.
    lead_names: the leads of the input channels, in order (for 'record',
      the leads given to the model; others are zero when `features` says so).
    input_shape: shape of one model input, e.g. (window_samples, leads).
    units: unit of the record signal the preparation takes ('mV').
    input_units: unit of the model input after normalisation.
    normalizer: `Normalizer.to_dict()` fitted on the training split, or None.
    window_policy: how the window is cut, e.g. {'kind': 'crop_or_pad',
      'align': 'start'} or {'kind': 'beat', 'half_window': 720}.
    aggregation: how the outputs of a record's windows or beats make its
      record-level output: 'max' (multi-label: a finding present in any
      window, as the PTB-XL benchmark aggregates) or 'mean'; set with the
      task half (`cardiojax.experiment`).
    features: further preparation parameters of `preparation` (e.g.
      'zero_missing', 'stft', 'stft_normalizer', 'accepted_leads').
    task_kind: `config.task.name`.
    label_names: class names of a classifier, () otherwise.
    target_units: unit of the targets and predictions.
    task_statistics: task fields fitted on the training targets (target
      standardisation, class weights, ...), as `task.fit` set them.
    thresholds: per-class decision thresholds fitted on validation, or None.
  """
  corpus: str
  preparation: str
  sampling_rate_hz: float
  window_samples: int
  lead_names: tuple[str, ...]
  input_shape: tuple[int, ...]
  units: str
  input_units: str
  normalizer: dict | None
  window_policy: dict
  aggregation: str = "mean"
  features: dict = dataclasses.field(default_factory=dict)
  task_kind: str = ""
  label_names: tuple[str, ...] = ()
  target_units: str = ""
  task_statistics: dict = dataclasses.field(default_factory=dict)
  thresholds: tuple[float, ...] | None = None

  def __post_init__(self):
    if self.preparation not in PREPARATIONS:
      raise ContractError(f"input contract: preparation {self.preparation!r}; "
                          f"expected one of {PREPARATIONS}")
    object.__setattr__(self, "lead_names", tuple(self.lead_names))
    object.__setattr__(self, "input_shape", tuple(int(n) for n in self.input_shape))
    object.__setattr__(self, "label_names", tuple(self.label_names))
    for name in ("normalizer", "window_policy", "features", "task_statistics"):
      object.__setattr__(self, name, _jsonable(getattr(self, name)))
    if self.thresholds is not None:
      object.__setattr__(self, "thresholds",
                         tuple(float(t) for t in self.thresholds))

  @property
  def window_seconds(self) -> float:
    """Duration of one model input in seconds."""
    return self.window_samples / self.sampling_rate_hz

  def scoring_rule(self) -> str:
    """How an evaluated example is made of model inputs, in words."""
    policy = self.window_policy
    if policy.get("evaluation") == "windows":
      stride = policy.get("stride", self.window_samples // 2)
      return (f"whole records: windows of {self.window_seconds:g} s every "
              f"{stride / self.sampling_rate_hz:g} s cover each record "
              f"(shorter records padded), {self.aggregation} over a record's "
              f"windows")
    return "one model input per example"

  def to_dict(self) -> dict[str, Any]:
    """A JSON-ready dict (with `window_seconds` for the reader's sake)."""
    return {**_jsonable(dataclasses.asdict(self)),
            "window_seconds": self.window_seconds}

  @classmethod
  def from_dict(cls, d: dict[str, Any]) -> "InputContract":
    """Inverse of `to_dict`; raises ContractError naming a missing field."""
    names = {field.name for field in dataclasses.fields(cls)}
    required = {field.name for field in dataclasses.fields(cls)
                if field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING}
    missing = sorted(required - set(d))
    if missing:
      raise ContractError(f"input contract: missing fields {missing}")
    return cls(**{key: value for key, value in d.items() if key in names})

  def save(self, workdir) -> pathlib.Path:
    """Writes `<workdir>/input_contract.json` atomically; returns its path."""
    path = pathlib.Path(workdir) / FILENAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def load(workdir) -> InputContract:
  """The contract saved in the run directory `workdir`.

  Raises:
    ContractError: no or an unreadable input_contract.json (a run trained
      before contracts existed must be trained again).
  """
  path = pathlib.Path(workdir) / FILENAME
  if not path.is_file():
    raise ContractError(f"{path}: not found; a run directory holds it once "
                        f"trained (train the run with this cardiojax)")
  try:
    return InputContract.from_dict(json.loads(path.read_text()))
  except (json.JSONDecodeError, TypeError) as e:
    raise ContractError(f"{path}: unreadable ({e})") from None


def _jsonable(value):
  """Tuples to lists, numpy values to Python: the form JSON gives back."""
  return json.loads(json.dumps(value, default=lambda v: v.tolist()))
