"""12-lead corpora (PTB-XL, CPSC 2018) as lazy random-access training sources.

Each loader prepares its tfds builder into `config.data.data_dir` from
`config.data.manual_dir` on first use; later runs find it prepared and only
read the ArrayRecord files (`builder.as_data_source(split)`). One pass over
the records reads the small per-record fields (labels, folds, patients, age);
signals are read per example, so a corpus is never held in memory.

Splits are made from the records' folds by `config.data.train_folds`,
`validation_folds` and `test_folds` (PTB-XL `strat_fold` 1-10; CPSC 2018
seeded folds 0-9), and patients never straddle two splits.

Example mapping (`RecordPreprocessor`), per record (T, 12) mV in
`STANDARD_12` order at the builder's rate:
  1. resample to `config.data.sampling_rate_hz`;
  2. keep `config.data.input_leads` in that order (lead reconstruction instead
     keeps all 12 and zeroes the leads not given);
  3. normalise per lead (`normalization` 'standard': mean and std of a seeded
     sample of `normalization_records` training records, 0 = all of them;
     'none': mV);
  4. evaluation splits: crop or pad (zeros, in normalised units) to
     `eval_length` samples with `eval_align`; the training split keeps whole
     records and `train_augment` takes a random `train_length` crop (records
     shorter than it are padded at the end).
"""

from collections.abc import Sequence
import csv
import dataclasses
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import splits as splits_lib
from cardiojax.input import data as data_lib
from cardiojax.input import transforms
from cardiojax.signal import leads as leads_lib

_SPLITS = ("train", "validation", "test")
_NORMALIZATION_SEED = 0
_CPSC_MAX_LABELS = 3


def prepared_builder(builder_cls, data_config, **builder_kwargs):
  """The builder of `data_config.builder_config`, prepared once in data_dir.

  Args:
    builder_cls: a tfds builder class (e.g. `ptbxl.Ptbxl`).
    data_config: `config.data` with builder_config, data_dir, manual_dir.
    **builder_kwargs: extra builder arguments (e.g. skip_missing_records).

  Returns:
    The builder, prepared as ArrayRecord in `data_config.data_dir`.
  """
  builder = builder_cls(config=data_config.builder_config,
                        data_dir=data_config.data_dir,
                        file_format="array_record", **builder_kwargs)
  if not builder.is_prepared():
    if not data_config.manual_dir:
      raise ValueError(
          f"config.data.manual_dir: {builder.name}/{data_config.builder_config}"
          f" is not prepared in {data_config.data_dir}; expected the folder of "
          f"the raw corpus ({builder.MANUAL_DOWNLOAD_INSTRUCTIONS})")
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=str(data_config.manual_dir)))
  return builder


def read_fields(builder, keys: Sequence[str]):
  """Reads every prepared record's `keys` once (signals are not kept).

  Returns:
    (data_sources, refs, fields): builder split -> tfds data source; (N,)
    references (builder split, row) of the records; key -> (N, ...) array.
  """
  data_sources = {split: builder.as_data_source(split)
                  for split in builder.info.splits}
  refs, values = [], {key: [] for key in keys}
  for split, source in data_sources.items():
    for row in range(len(source)):
      record = source[row]
      refs.append((split, row))
      for key in keys:
        values[key].append(record[key])
  return data_sources, refs, {key: np.asarray(v) for key, v in values.items()}


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
    align: 'start' or 'center' (`transforms.crop_or_pad`).
  """
  sampling_rate_hz: float
  input_leads: tuple[str, ...]
  zero_missing: bool
  normalizer: transforms.Normalizer | None
  length: int | None
  align: str

  def channels(self, ecg, fs: float) -> np.ndarray:
    """Resampled, lead-selected, unnormalised (T', C) signal in mV."""
    x = transforms.resample(ecg, fs, self.sampling_rate_hz)
    indices = leads_lib.lead_indices(self.input_leads)
    if not self.zero_missing:
      return transforms.select_leads(x, indices)
    keep = np.zeros((1, x.shape[1]), np.float32)
    keep[0, list(indices)] = 1.0
    return x * keep

  def __call__(self, ecg, fs: float) -> np.ndarray:
    """(length or T', C) float32 inputs."""
    x = self.channels(ecg, fs)
    if self.normalizer is not None:
      x = self.normalizer.apply(x)
    if self.length is not None:
      x = transforms.crop_or_pad(x, self.length, align=self.align)
    return x

  def with_length(self, length: int | None) -> "RecordPreprocessor":
    return dataclasses.replace(self, length=length)


def reorder_leads(signal, lead_names: Sequence[str],
                  needed: Sequence[str]) -> np.ndarray:
  """A (T, C) signal with named leads -> (T, 12) in `STANDARD_12` order.

  Names match case-insensitively ('AVR' is aVR); leads absent from
  `lead_names` are zeros, but every lead of `needed` must be present.
  """
  signal = np.asarray(signal, np.float32)
  if signal.ndim != 2 or signal.shape[1] != len(lead_names):
    raise ValueError(f"signal: expected (time, {len(lead_names)}) for leads "
                     f"{list(lead_names)}, got shape {signal.shape}")
  given = {str(name).lower(): i for i, name in enumerate(lead_names)}
  absent = [name for name in needed if name.lower() not in given]
  if absent:
    raise ValueError(f"lead_names {list(lead_names)}: the model needs leads "
                     f"{list(needed)}; missing {absent}")
  out = np.zeros((signal.shape[0], len(leads_lib.STANDARD_12)), np.float32)
  for j, name in enumerate(leads_lib.STANDARD_12):
    if name.lower() in given:
      out[:, j] = signal[:, given[name.lower()]]
  return out


class EcgSource:
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
    target = transforms.resample(ecg, self.fs, self.preprocess.sampling_rate_hz)
    if self.preprocess.length is not None:
      target = transforms.crop_or_pad(target, self.preprocess.length,
                                      align=self.preprocess.align)
    return {"inputs": inputs, "targets": target}

  def __repr__(self) -> str:
    return f"EcgSource({len(self)} records, {self.preprocess})"


class RandomCrop:
  """Training transform: one random window of `length` samples of `keys`.

  The same window is cut from every key (inputs and sequence targets stay
  aligned); a record shorter than `length` is padded with zeros at the end.
  """

  def __init__(self, length: int, keys: Sequence[str] = ("inputs",)):
    self.length = length
    self.keys = tuple(keys)

  def __call__(self, example: dict, rng: np.random.Generator) -> dict:
    num_samples = example[self.keys[0]].shape[0]
    start = int(rng.integers(0, max(num_samples - self.length, 0) + 1))
    out = dict(example)
    for key in self.keys:
      window = example[key][start:start + self.length]
      out[key] = transforms.crop_or_pad(window, self.length, align="start")
    return out


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


def build_splits(data_config, *, data_sources, refs, fs: float,
                 folds: np.ndarray, patients: np.ndarray,
                 targets: np.ndarray | None, zero_missing: bool,
                 info: dict) -> data_lib.Splits:
  """Sources of every split, the normaliser, crop transform and info.

  Args:
    data_config: `config.data`.
    data_sources, refs: from `read_fields` (already filtered).
    fs: the prepared records' sampling rate in Hz.
    folds, patients: (N,) fold and patient of each record.
    targets: (N, ...) targets, or None for the 12 leads in mV.
    zero_missing: see `RecordPreprocessor`.
    info: dataset-specific info entries (class_names, units, ...).
  """
  _check_lengths(data_config)
  indices = assign_splits(folds, patients, data_config)
  preprocess = RecordPreprocessor(
      sampling_rate_hz=data_config.sampling_rate_hz,
      input_leads=tuple(data_config.input_leads), zero_missing=zero_missing,
      normalizer=None, length=data_config.eval_length,
      align=data_config.eval_align)
  train_refs = [refs[i] for i in indices["train"]]
  normalizer = _fit_normalizer(data_config, data_sources, train_refs, fs,
                               preprocess)
  preprocess = dataclasses.replace(preprocess, normalizer=normalizer)
  sources = {}
  for split, index in indices.items():
    split_preprocess = preprocess.with_length(None) if split == "train" else (
        preprocess)
    sources[split] = EcgSource(
        data_sources, [refs[i] for i in index], fs, split_preprocess,
        None if targets is None else targets[index])
  num_channels = 12 if zero_missing else len(preprocess.input_leads)
  crop_keys = ("inputs", "targets") if targets is None else ("inputs",)
  info = {
      "sampling_rate_hz": data_config.sampling_rate_hz,
      "input_shape": (data_config.eval_length, num_channels),
      "lead_names": tuple(leads_lib.STANDARD_12) if zero_missing else (
          preprocess.input_leads),
      "input_leads": preprocess.input_leads,
      "input_normalization": None if normalizer is None else (
          normalizer.to_dict()),
      "groups": {split: sorted(set(patients[index].tolist()))
                 for split, index in indices.items()},
      "num_examples": {split: len(index) for split, index in indices.items()},
      "train_length": data_config.train_length,
      **info,
  }

  def prepare_record(signal, sampling_rate_hz, lead_names):
    """(T, C) mV with named leads at any rate -> (eval_length, C') inputs."""
    ecg = reorder_leads(signal, lead_names, preprocess.input_leads)
    return preprocess(ecg, sampling_rate_hz)

  return data_lib.Splits(sources, info,
                         RandomCrop(data_config.train_length, crop_keys),
                         prepare_record)


# PTB-XL.


def _ptbxl(data_config, keys):
  """The prepared PTB-XL builder, its data sources, refs and fields."""
  from cardiojax.datasets import ptbxl  # pylint: disable=g-import-not-at-top
  builder = prepared_builder(
      ptbxl.Ptbxl, data_config,
      skip_missing_records=data_config.skip_missing_records)
  data_sources, refs, fields = read_fields(
      builder, ("strat_fold", "patient_id", *keys))
  return builder, data_sources, refs, fields


def _keep(refs, fields, keep: np.ndarray):
  return ([r for r, k in zip(refs, keep) if k],
          {key: value[keep] for key, value in fields.items()})


def load_ptbxl(data_config) -> data_lib.Splits:
  """PTB-XL multi-label classification on `config.data.label_set`.

  Records without a label of the set are dropped, as the benchmark does.
  Targets: (K,) float32 multi-hot over `ptbxl.LABEL_NAMES[label_set]`.
  """
  from cardiojax.datasets import ptbxl  # pylint: disable=g-import-not-at-top
  if data_config.label_set not in ptbxl.LABEL_NAMES:
    raise ValueError(f"config.data.label_set: expected one of "
                     f"{sorted(ptbxl.LABEL_NAMES)}, got "
                     f"{data_config.label_set!r}")
  builder, data_sources, refs, fields = _ptbxl(data_config,
                                               (data_config.label_set,))
  labels = fields[data_config.label_set].astype(np.float32)
  refs, fields = _keep(refs, fields, labels.sum(axis=1) > 0)
  return build_splits(
      data_config, data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"],
      folds=fields["strat_fold"], patients=fields["patient_id"],
      targets=fields[data_config.label_set].astype(np.float32),
      zero_missing=False,
      info={"class_names": ptbxl.LABEL_NAMES[data_config.label_set],
            "target_shape": (len(ptbxl.LABEL_NAMES[data_config.label_set]),),
            "units": {"inputs": _input_units(data_config),
                      "targets": "multi-hot"},
            "records_without_label_dropped": int(
                len(labels) - len(refs))})


def load_ptbxl_age(data_config) -> data_lib.Splits:
  """PTB-XL age regression; targets () float32 years.

  Records without an age are dropped; PTB-XL codes ages above 89 as 300,
  so ages above `config.data.max_age_years` are set to it.
  """
  builder, data_sources, refs, fields = _ptbxl(data_config, ("age",))
  age = fields["age"].astype(np.float32)
  refs, fields = _keep(refs, fields, np.isfinite(age))
  age = np.minimum(fields["age"].astype(np.float32),
                   np.float32(data_config.max_age_years))
  return build_splits(
      data_config, data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"],
      folds=fields["strat_fold"], patients=fields["patient_id"], targets=age,
      zero_missing=False,
      info={"target_shape": (), "units": {"inputs": _input_units(data_config),
                                          "targets": "years"},
            "max_age_years": data_config.max_age_years})


def load_ptbxl_lead_reconstruction(data_config) -> data_lib.Splits:
  """PTB-XL: the 12 leads (T, 12) in mV from `config.data.input_leads`.

  Inputs are (T, 12) with the leads not given set to zero (the model appends
  the lead mask); targets are the 12 unnormalised leads in mV.
  """
  builder, data_sources, refs, fields = _ptbxl(data_config, ())
  return build_splits(
      data_config, data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"],
      folds=fields["strat_fold"], patients=fields["patient_id"], targets=None,
      zero_missing=True,
      info={"target_shape": (data_config.eval_length, 12),
            "target_lead_names": tuple(leads_lib.STANDARD_12),
            "units": {"inputs": _input_units(data_config), "targets": "mV"}})


def _input_units(data_config) -> str:
  return "mV" if data_config.normalization == "none" else "standardised mV"


# CPSC 2018.


def read_label_lists(path: pathlib.Path | str) -> dict[str, np.ndarray]:
  """REFERENCE.csv -> record id -> (3,) int32 classes 0..8, primary first,
  padded with -1."""
  path = pathlib.Path(path)
  lists = {}
  with open(path, newline="") as f:
    for line, row in enumerate(csv.reader(f), start=1):
      if line == 1 or not row:
        continue
      codes = [int(c) - 1 for c in row[1:] if c.strip()]
      padded = np.full(_CPSC_MAX_LABELS, -1, np.int32)
      padded[:len(codes)] = codes
      lists[row[0].strip()] = padded
  return lists


def load_cpsc2018(data_config) -> data_lib.Splits:
  """CPSC 2018, 9 labels; records of variable length.

  Targets: (9,) float32 multi-hot over `cpsc2018.CLASS_NAMES`, or with
  `config.data.label_lists` (3,) int32 classes with the primary first,
  padded with -1 (read from `manual_dir`/REFERENCE.csv, builder config
  'original' only; the official CPSC score needs them). CPSC 2018 has no
  patient ids: each record is its own patient.
  """
  from cardiojax.datasets import cpsc2018  # pylint: disable=g-import-not-at-top
  builder = prepared_builder(cpsc2018.Cpsc2018, data_config)
  data_sources, refs, fields = read_fields(builder,
                                           ("fold", "record_id", "labels"))
  record_ids = np.asarray([r.decode() if isinstance(r, bytes) else str(r)
                           for r in fields["record_id"]])
  targets = fields["labels"].astype(np.float32)
  if data_config.label_lists:
    targets = _cpsc_label_lists(data_config, record_ids, targets)
  return build_splits(
      data_config, data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"], folds=fields["fold"],
      patients=record_ids, targets=targets, zero_missing=False,
      info={"class_names": cpsc2018.CLASS_NAMES,
            "target_shape": targets.shape[1:],
            "units": {"inputs": _input_units(data_config),
                      "targets": ("class lists" if data_config.label_lists
                                  else "multi-hot")}})


def _cpsc_label_lists(data_config, record_ids, multi_hot):
  if data_config.builder_config != "original" or not data_config.manual_dir:
    raise ValueError(
        "config.data.label_lists: needs builder_config 'original' and "
        "manual_dir holding REFERENCE.csv (the primary label comes first "
        f"there), got {data_config.builder_config!r} and "
        f"{data_config.manual_dir!r}")
  path = pathlib.Path(data_config.manual_dir) / "REFERENCE.csv"
  lists = read_label_lists(path)
  out = np.stack([lists[r] for r in record_ids])
  one_hot = (out[..., None] == np.arange(multi_hot.shape[1])).any(axis=1)
  if not np.array_equal(one_hot, multi_hot > 0):
    raise ValueError(f"{path}: labels disagree with the prepared data in "
                     f"{data_config.data_dir}; prepare it again")
  return out
