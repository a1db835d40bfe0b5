"""Whole records (12-lead, simulated) as model inputs, from the input contract.

`RecordPreprocessor.from_contract(contract)` is the one mapping from a record
(T, 12) mV in `STANDARD_12` order at any rate to model inputs, used by the
training sources and by every later consumer of a run:
  1. resample to the contract's rate;
  2. keep the contract's leads in order (with `zero_missing`, keep all 12 and
     zero the leads not given: lead reconstruction);
  3. normalise per lead with the training statistics (or keep mV);
  4. crop or pad (zeros, in normalised units) to the window, aligned as the
     contract says; the training split keeps whole records and crops at random
     (`transforms.RandomCrop`).

`prepare_record` cuts a whole record of any length into windows that cover it
(`model_inputs.sliding`). `build_record_splits` makes the sources of every
split of a corpus whose records are read lazily from tfds data sources
(PTB-XL, CPSC 2018, CinC). Validation and test records with record-level
targets are scored whole, as predict scores a record: `WindowedRecordSource`
cuts each into the windows of `window_starts` (a window every stride, the
last ending at the record's end; shorter records padded to one window) and
the evaluation aggregates a record's window outputs (max or mean).
"""

from collections.abc import Sequence
import dataclasses

import numpy as np

from cardiojax.input import contract as contract_lib
from cardiojax.input import model_inputs
from cardiojax.input import splits as splits_lib
from cardiojax.input import transforms
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import resample as resample_lib
from cardiojax.signal import windows

_SPLITS = ("train", "validation", "test")
_NORMALIZATION_SEED = 0


@dataclasses.dataclass(frozen=True)
class RecordPreprocessor:
  """A (T, 12) mV record at any rate -> model inputs.

  Attributes:
    sampling_rate_hz: the model's rate in Hz.
    input_leads: names of the leads the model is given.
    zero_missing: keep 12 channels with the leads not in `input_leads` set to
      zero (lead reconstruction); False keeps only `input_leads`, in order.
    normalizer: per-lead `transforms.Normalizer` over the kept channels, or
      None (inputs in mV).
    length: crop or pad to this many samples; None keeps the length.
    align: 'start' or 'center' (`windows.crop_or_pad`).
  """
  sampling_rate_hz: float
  input_leads: tuple[str, ...]
  zero_missing: bool
  normalizer: transforms.Normalizer | None
  length: int | None
  align: str

  @classmethod
  def from_contract(cls, contract: contract_lib.InputContract):
    normalizer = contract.normalizer
    return cls(
        sampling_rate_hz=contract.sampling_rate_hz,
        input_leads=tuple(contract.features["input_leads"]),
        zero_missing=bool(contract.features["zero_missing"]),
        normalizer=None if normalizer is None else
        transforms.Normalizer.from_dict(normalizer),
        length=contract.window_samples, align=contract.window_policy["align"])

  def channels(self, ecg, fs: float) -> np.ndarray:
    """Resampled, lead-selected, unnormalised (T', C) signal in mV."""
    x = resample_lib.resample(ecg, fs, self.sampling_rate_hz)
    indices = leads_lib.lead_indices(self.input_leads)
    if not self.zero_missing:
      return leads_lib.select_leads(x, indices)
    keep = np.zeros((1, x.shape[1]), np.float32)
    keep[0, list(indices)] = 1.0
    return x * keep

  def __call__(self, ecg, fs: float) -> np.ndarray:
    """(length or T', C) float32 inputs."""
    x = self.channels(ecg, fs)
    if self.normalizer is not None:
      x = self.normalizer.apply(x)
    if self.length is not None:
      x = windows.crop_or_pad(x, self.length, align=self.align)
    return x

  def with_length(self, length: int | None) -> "RecordPreprocessor":
    return dataclasses.replace(self, length=length)


def prepare_record(contract: contract_lib.InputContract, signal,
                   sampling_rate_hz: float, lead_names: Sequence[str], *,
                   usable: np.ndarray | None = None,
                   beat_samples: np.ndarray | None = None
                   ) -> model_inputs.ModelInputs:
  """A whole record with named leads at any rate -> sliding-window inputs.

  Leads are matched by name (case-insensitively, any order; the model's leads
  must all be present), the record is resampled to the contract's rate and
  normalised, and windows of the contract's length every `stride` samples
  cover it (`model_inputs.sliding`: shorter records padded down to the
  contract's `min_samples`, then refused).

  Args:
    contract: the run's input contract ('record' preparation).
    signal: (T, C) in mV.
    sampling_rate_hz: the record's rate in Hz.
    lead_names: the name of each column of `signal`.
    usable: (T,) bool, False for samples the signal check could not repair.
    beat_samples: not used (whole-record models); must be None.

  Raises:
    ValueError: a missing lead, too short a record, or beats given.
  """
  if beat_samples is not None:
    raise ValueError("beat_samples: this model reads whole records, not beats")
  input_leads = tuple(contract.features["input_leads"])
  ecg = leads_lib.reorder_leads(signal, lead_names, leads_lib.STANDARD_12,
                                required=input_leads)
  names = {str(n).strip().lower(): str(n) for n in lead_names}
  x = RecordPreprocessor.from_contract(contract).with_length(None)(
      ecg, sampling_rate_hz)
  policy = contract.window_policy
  window = contract.window_samples
  report = {
      "samples": int(len(ecg)),
      "sampling_rate_hz": float(sampling_rate_hz),
      "resampled_to_hz": (None if sampling_rate_hz == contract.sampling_rate_hz
                          else contract.sampling_rate_hz),
      "lead_order": [[lead, names.get(lead.lower())] for lead in input_leads],
  }
  return model_inputs.sliding(
      x, window=window, stride=policy.get("stride", window // 2),
      min_samples=policy.get("min_samples", window // 2),
      align=policy["align"],
      usable=model_inputs.usable_at(usable, len(x), contract.sampling_rate_hz,
                                    sampling_rate_hz),
      record_hz=sampling_rate_hz, model_hz=contract.sampling_rate_hz,
      num_record_samples=len(ecg), report=report)


class RecordSource:
  """Lazy random access to mapped records of tfds data sources.

  `source[i]` reads record `refs[i]` and returns {'inputs': preprocess(ecg),
  'targets': targets[i]}, or with `targets=None` the preprocessed
  unnormalised 12 leads in mV as targets (lead reconstruction).
  """

  def __init__(self, data_sources: dict, refs: Sequence[tuple[str, int]],
               fs: float, preprocess: RecordPreprocessor,
               targets: np.ndarray | None):
    if targets is not None and len(targets) != len(refs):
      raise ValueError(f"targets: {len(targets)} for {len(refs)} records")
    self.data_sources = data_sources
    self.refs = list(refs)
    self.fs = fs
    self.preprocess = preprocess
    self.targets = targets

  def __len__(self) -> int:
    return len(self.refs)

  def ecg(self, index: int) -> np.ndarray:
    """The raw (T, 12) mV record of example `index`."""
    split, row = self.refs[index]
    return self.data_sources[split][row]["ecg"]

  def __getitem__(self, index: int) -> dict[str, np.ndarray]:
    ecg = self.ecg(int(index))
    inputs = self.preprocess(ecg, self.fs)
    if self.targets is not None:
      return {"inputs": inputs, "targets": self.targets[index]}
    target = resample_lib.resample(ecg, self.fs, self.preprocess.sampling_rate_hz)
    if self.preprocess.length is not None:
      target = windows.crop_or_pad(target, self.preprocess.length,
                                   align=self.preprocess.align)
    return {"inputs": inputs, "targets": target}

  def __repr__(self) -> str:
    return f"RecordSource({len(self)} records, {self.preprocess})"


class WindowedRecordSource:
  """The windows that cover every record of a split, for whole-record scoring.

  `source[i]` is window i: {'inputs': (window, C), 'targets': its record's
  target}; `window_record[i]` is its record's index in `targets` (R,), the
  record-level targets. Windows start every `stride` samples at the model's
  rate and the last one ends at the record's last sample
  (`windows.window_starts`); a record shorter than a window is padded to one
  (aligned as `preprocess.align`). Consecutive windows of one record read it
  once.
  """

  def __init__(self, data_sources: dict, refs: Sequence[tuple[str, int]],
               fs: float, preprocess: RecordPreprocessor, targets: np.ndarray,
               lengths: np.ndarray, stride: int):
    window = preprocess.length
    model_lengths = [resample_lib.resampled_length(
                         int(n), fs, preprocess.sampling_rate_hz)
                     for n in lengths]
    starts = [windows.window_starts(max(n, window), window, stride)
              for n in model_lengths]
    self.records = RecordSource(data_sources, refs, fs,
                                preprocess.with_length(None), targets)
    self.window = window
    self.align = preprocess.align
    self.targets = targets
    self.window_record = np.repeat(np.arange(len(refs)),
                                   [len(s) for s in starts])
    self.window_start = np.concatenate(starts).astype(np.int64)
    self._cached = (None, None)

  def __len__(self) -> int:
    return len(self.window_record)

  def ecg(self, record: int) -> np.ndarray:
    """The raw (T, 12) mV record `record` (an index into `targets`)."""
    return self.records.ecg(record)

  def _record_inputs(self, record: int) -> np.ndarray:
    if self._cached[0] != record:
      x = self.records[record]["inputs"]
      if len(x) < self.window:
        x = windows.crop_or_pad(x, self.window, align=self.align)
      self._cached = (record, x)
    return self._cached[1]

  def __getitem__(self, index: int) -> dict[str, np.ndarray]:
    record = int(self.window_record[index])
    start = int(self.window_start[index])
    x = self._record_inputs(record)
    return {"inputs": x[start:start + self.window],
            "targets": self.targets[record]}

  def __repr__(self) -> str:
    return (f"WindowedRecordSource({len(self.targets)} records, {len(self)} "
            f"windows of {self.window})")


def assign_splits(folds: np.ndarray, patients: np.ndarray,
                  data_config) -> dict[str, np.ndarray]:
  """Record indices of each split from `config.data.*_folds`; checks patients.

  Returns:
    split name -> sorted indices, for the non-empty splits; 'train' and
    'validation' must be non-empty.
  """
  folds_by_split = {split: tuple(data_config[f"{split}_folds"])
                    for split in _SPLITS}
  indices = splits_lib.split_by_fold(folds, folds_by_split)
  splits_lib.assert_disjoint({split: patients[index]
                              for split, index in indices.items()})
  for split in ("train", "validation"):
    if not len(indices[split]):
      raise ValueError(
          f"config.data.{split}_folds={folds_by_split[split]}: no prepared "
          f"record is in these folds; expected some of "
          f"{sorted(set(folds.tolist()))}")
  return {split: index for split, index in indices.items() if len(index)}


def _fit_normalizer(data_config, data_sources, refs, fs,
                    preprocess: RecordPreprocessor):
  """Per-lead statistics of a seeded sample of training records, or None."""
  if data_config.normalization == "none":
    return None
  if data_config.normalization != "standard":
    raise ValueError(f"config.data.normalization: expected 'standard' or "
                     f"'none', got {data_config.normalization!r}")
  count = data_config.normalization_records or len(refs)
  order = np.random.default_rng(_NORMALIZATION_SEED).permutation(len(refs))
  sample = sorted(order[:count].tolist())
  return transforms.Normalizer.fit(
      preprocess.channels(data_sources[refs[i][0]][refs[i][1]]["ecg"], fs)
      for i in sample)


def _check_lengths(data_config):
  for key in ("train_length", "eval_length"):
    value = data_config[key]
    if not isinstance(value, int) or value < 1:
      raise ValueError(f"config.data.{key}: expected a number of samples "
                       f">= 1 at {data_config.sampling_rate_hz} Hz, got "
                       f"{value!r}")
  if data_config.eval_align not in ("start", "center"):
    raise ValueError(f"config.data.eval_align: expected 'start' or 'center', "
                     f"got {data_config.eval_align!r}")


def build_record_splits(data_config, *, corpus: str, data_sources, refs,
                        fs: float, folds: np.ndarray, patients: np.ndarray,
                        targets: np.ndarray | None, zero_missing: bool,
                        target_units: str, info: dict,
                        indices: dict[str, np.ndarray] | None = None,
                        min_record_s: float | None = None,
                        lengths: np.ndarray | None = None,
                        cluster_unit: str = "patient"
                        ) -> splits_lib.Splits:
  """Sources of every split, the contract, the crop transform and info.

  Args:
    data_config: `config.data` (sampling_rate_hz, input_leads, train_length,
      eval_length, eval_align, normalization, normalization_records, *_folds).
    corpus: the `cardiojax.datasets` module name (written in the contract).
    data_sources, refs: tfds data sources by builder split and the (split,
      row) reference of each record.
    fs: the prepared records' sampling rate in Hz.
    folds, patients: (N,) fold and patient of each record.
    targets: (N, ...) targets, or None for the 12 leads in mV.
    zero_missing: see `RecordPreprocessor`.
    target_units: unit of the targets.
    info: corpus-specific provenance entries.
    indices: split -> record indices, made by the corpus; default: from the
      folds (`assign_splits`).
    min_record_s: the shortest record predict pads to a window rather than
      refuse (default: half a window).
    lengths: (N,) samples of each prepared record at `fs`, for whole-record
      scoring; None reads each validation and test record once to find it.
    cluster_unit: what `patients` are, the bootstrap's independent unit
      ('patient', or 'record' for corpora without patient ids).

  `config.data.eval_stride` (samples at the model's rate; default half of
  `eval_length`) is the stride of the windows that score validation and test
  records whole; lead reconstruction (no record-level targets) scores the
  `eval_length` crop.
  """
  _check_lengths(data_config)
  if indices is None:
    indices = assign_splits(folds, patients, data_config)
  input_leads = tuple(data_config.input_leads)
  preprocess = RecordPreprocessor(
      sampling_rate_hz=data_config.sampling_rate_hz, input_leads=input_leads,
      zero_missing=zero_missing, normalizer=None,
      length=data_config.eval_length, align=data_config.eval_align)
  train_refs = [refs[i] for i in indices["train"]]
  normalizer = _fit_normalizer(data_config, data_sources, train_refs, fs,
                               preprocess)
  num_channels = 12 if zero_missing else len(input_leads)
  stride = data_config.get("eval_stride") or data_config.eval_length // 2
  whole_records = targets is not None
  contract = contract_lib.InputContract(
      corpus=corpus, preparation="record",
      sampling_rate_hz=data_config.sampling_rate_hz,
      window_samples=data_config.eval_length,
      lead_names=leads_lib.STANDARD_12 if zero_missing else input_leads,
      input_shape=(data_config.eval_length, num_channels), units="mV",
      input_units="mV" if normalizer is None else "standardised mV",
      normalizer=None if normalizer is None else normalizer.to_dict(),
      window_policy={
          "kind": "sliding", "align": data_config.eval_align,
          "stride": stride,
          "evaluation": "windows" if whole_records else "crop",
          "min_samples": data_config.eval_length // 2 if min_record_s is None
          else int(min_record_s * data_config.sampling_rate_hz),
          "train_crop": data_config.train_length},
      features={"input_leads": input_leads, "zero_missing": zero_missing},
      target_units=target_units)
  preprocess = RecordPreprocessor.from_contract(contract)
  sources = {}
  for split, index in indices.items():
    split_refs = [refs[i] for i in index]
    split_targets = None if targets is None else targets[index]
    if split == "train":
      sources[split] = RecordSource(data_sources, split_refs, fs,
                                    preprocess.with_length(None), split_targets)
    elif whole_records:
      split_lengths = (np.asarray(lengths)[index] if lengths is not None else
                       [len(data_sources[s][r]["ecg"]) for s, r in split_refs])
      sources[split] = WindowedRecordSource(data_sources, split_refs, fs,
                                            preprocess, split_targets,
                                            split_lengths, stride)
    else:
      sources[split] = RecordSource(data_sources, split_refs, fs, preprocess,
                                    split_targets)
  crop_keys = ("inputs", "targets") if targets is None else ("inputs",)
  info = {
      "groups": {split: sorted(set(patients[index].tolist()))
                 for split, index in indices.items()},
      "num_examples": {split: len(index) for split, index in indices.items()},
      **info,
  }
  return splits_lib.Splits(
      sources, contract, info,
      transforms.RandomCrop(data_config.train_length, crop_keys),
      example_clusters={split: np.asarray(patients)[index]
                        for split, index in indices.items()},
      cluster_unit=cluster_unit)
