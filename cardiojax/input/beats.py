"""Beat classification data: Kaggle heartbeat CSVs and MIT-BIH beat windows.

Loaders (named in `cardiojax.input.data.DATASETS`), each `load(config.data)
-> Splits`:
  kaggle_mitbih: Kaggle MIT-BIH CSVs, 5 AAMI classes (N, S, V, F, Q); one
    beat = (187, 1) at 125 Hz, unitless ([0, 1] per 10 s window).
  kaggle_ptbdb: Kaggle PTB CSVs, normal (0) vs abnormal (1).
  mitdb_beats: raw MIT-BIH records, a window of 2 * half_window samples at
    360 Hz centred on each annotated beat, mV, labelled normal/abnormal or
    AAMI; inter-patient DS1 (train, minus `num_validation` records for
    validation) / DS2 (test).

Each loader prepares its tfds builder into `config.data.data_dir` the first
time (from the raw files in `config.data.manual_dir`); later loads find the
prepared ArrayRecords and only read them (`builder.as_data_source(split)`).

Memory: the Kaggle corpora (<= 110k beats x 187 floats, < 90 MB) are read
once into `ArraySource`s. MIT-BIH windows (~100k x 1440 x 2 floats, ~1.1 GB)
stay on disk: `WindowSource` reads and featurises them on access and holds
only the targets in memory.

Normalisation statistics come from the training split only (for MIT-BIH from
a seeded sample of `normalization_windows` training windows).
"""

import collections.abc
import dataclasses
import hashlib
import os
from typing import Any, Callable

import numpy as np
from scipy import signal as sp_signal

from cardiojax.datasets import download
from cardiojax.datasets import kachuee_rebuild
from cardiojax.datasets import kaggle_heartbeat
from cardiojax.datasets import mitdb
from cardiojax.datasets import splits as splits_lib
from cardiojax.input import data as data_lib
from cardiojax.input import samplers
from cardiojax.input import sources
from cardiojax.input import spectral
from cardiojax.input import transforms

_READ_CHUNK = 1024
_NORMALIZATIONS = ("none", "standard", "minmax")
# Names under which a record's lead II / MLII is accepted by prepare_record.
_LEAD_II = ("MLII", "II")
_CHEST = ("V1", "V2", "V3", "V4", "V5", "V6")


# Shared helpers.


def prepared_builder(builder_cls, builder_config, data_config):
  """The builder of `builder_config` in data_dir, prepared on first use.

  Args:
    builder_cls: a `download.Builder` subclass.
    builder_config: its BuilderConfig; its name names the prepared folder
      `<data_dir>/<builder>/<config name>/<version>`.
    data_config: config.data with `data_dir` and `manual_dir`.

  Returns:
    The prepared builder. Nothing is rewritten when it was prepared before.
  """
  data_dir = os.path.expanduser(data_config.data_dir)
  builder = builder_cls(data_dir=data_dir, config=builder_config,
                        file_format="array_record")
  if builder.is_prepared():
    return builder
  if data_config.manual_dir is None:
    raise ValueError(
        f"config.data.manual_dir: {builder.data_dir} is not prepared yet; set "
        f"--config.data.manual_dir to the raw files "
        f"({builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS})")
  return download.prepare(builder_cls, data_dir, builder_config,
                          manual_dir=os.path.expanduser(data_config.manual_dir))


def config_name(prefix: str, parts: tuple) -> str:
  """A builder config name that identifies `parts` (prepared-folder name)."""
  digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
  return f"{prefix}_{digest}"


def read_all(data_source, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
  """Stacks the features `keys` of every example of a tfds data source."""
  columns = {key: [] for key in keys}
  for start in range(0, len(data_source), _READ_CHUNK):
    stop = min(start + _READ_CHUNK, len(data_source))
    for example in data_source.__getitems__(list(range(start, stop))):
      for key in keys:
        columns[key].append(example[key])
  return {key: np.asarray(value) for key, value in columns.items()}


def fit_normalizer(mode: str, signals, field: str):
  """A Normalizer of the training signals, or None for mode 'none'."""
  if mode not in _NORMALIZATIONS:
    raise ValueError(f"config.data.{field}: expected one of {_NORMALIZATIONS}, "
                     f"got {mode!r}")
  return None if mode == "none" else transforms.Normalizer.fit(signals, mode)


def _normalize(normalizer, x: np.ndarray) -> np.ndarray:
  return x if normalizer is None else normalizer.apply(x)


def _lead_index(lead_names, accepted: tuple[str, ...]) -> int:
  """Index of the first lead whose name is in `accepted` (case-insensitive)."""
  names = [str(name).upper() for name in lead_names]
  for wanted in accepted:
    if wanted.upper() in names:
      return names.index(wanted.upper())
  raise ValueError(f"lead_names: expected one of {accepted} among the "
                   f"record's leads, got {list(lead_names)}")


def _normalization_info(normalizer) -> dict | None:
  return None if normalizer is None else normalizer.to_dict()


# Kaggle heartbeat CSVs.


@dataclasses.dataclass(frozen=True)
class KaggleRecord:
  """`prepare_record` of the Kaggle beat models (--mode=predict).

  Cuts lead II (or MLII) of a record into Kaggle-format beats with Kachuee's
  segmentation (`kachuee_rebuild.kachuee_beats`: 125 Hz, 10 s windows min-max
  normalised, R peaks >= 0.9, 1.2 median RR from each peak, padded to 187),
  then applies the training normalisation. Beats already in that form (rows
  of a Kaggle CSV) go through `prepare_beats`.

  Attributes:
    normalizer: the training split's Normalizer, or None.
  """
  normalizer: Any

  def __call__(self, signal, sampling_rate_hz: float, lead_names):
    """(T, C) mV record -> (n, 187, 1) float32 beats."""
    signal = np.asarray(signal, np.float32)
    if signal.ndim != 2 or signal.shape[1] != len(lead_names):
      raise ValueError(f"signal: expected (time, {len(lead_names)} leads), got "
                       f"shape {signal.shape}")
    lead = _lead_index(lead_names, _LEAD_II)
    beats, _ = kachuee_rebuild.kachuee_beats(signal[:, lead], sampling_rate_hz)
    if not len(beats):
      raise ValueError(f"signal: no beats found in {signal.shape[0]} samples at "
                       f"{sampling_rate_hz} Hz (needs >= 10 s with >= 2 R "
                       f"peaks per 10 s window)")
    return self.prepare_beats(beats[:, :, None])

  def prepare_beats(self, beats) -> np.ndarray:
    """(n, 187, 1) Kaggle-format beats -> (n, 187, 1) float32 inputs."""
    beats = np.asarray(beats, np.float32)
    if beats.ndim != 3 or beats.shape[1:] != (kaggle_heartbeat.LENGTH, 1):
      raise ValueError(f"beats: expected (n, {kaggle_heartbeat.LENGTH}, 1), "
                       f"got shape {beats.shape}")
    return np.stack([_normalize(self.normalizer, b) for b in beats])


def _load_kaggle(data_config, task: str) -> data_lib.Splits:
  """Kaggle heartbeat CSVs of `task` ('mitbih' or 'ptbdb') as ArraySources.

  `data_config` fields: manual_dir, data_dir, files (the two CSVs relative to
  manual_dir: mitbih train, test; ptbdb normal, abnormal), validation_fraction
  and split_seed (a class-stratified part of the builder's train split held
  out for validation), normalization ('none', 'standard' or 'minmax').
  """
  files = tuple(data_config.files)
  if len(files) != 2:
    raise ValueError(f"config.data.files: expected two CSV names, got {files}")
  if not 0 < data_config.validation_fraction < 1:
    raise ValueError(f"config.data.validation_fraction: expected a fraction in "
                     f"(0, 1), got {data_config.validation_fraction}")
  builder_config = kaggle_heartbeat.KaggleHeartbeatConfig(
      name=config_name(task, (task, files)), task=task, files=files,
      description=f"{task} from {files}")
  builder = prepared_builder(kaggle_heartbeat.KaggleHeartbeat, builder_config,
                             data_config)
  tables = {}
  for split in ("train", "test"):
    columns = read_all(builder.as_data_source(split),
                       ("ecg", "label", "source_file", "row"))
    ids = np.asarray([f"{f.decode()}:{r}" for f, r in
                      zip(columns["source_file"], columns["row"])])
    tables[split] = (columns["ecg"].astype(np.float32),
                     columns["label"].astype(np.int32), ids)
  x, y, ids = tables.pop("train")
  train, validation = kaggle_heartbeat.stratified_split(
      y, data_config.validation_fraction, data_config.split_seed)
  tables["train"] = (x[train], y[train], ids[train])
  tables["validation"] = (x[validation], y[validation], ids[validation])
  normalizer = fit_normalizer(data_config.normalization, tables["train"][0],
                              "normalization")
  split_sources = {
      split: sources.ArraySource({
          "inputs": (x if normalizer is None
                     else ((x - normalizer.offset) / normalizer.scale)
                     ).astype(np.float32),
          "targets": y})
      for split, (x, y, _) in tables.items()}
  metadata = builder.info.metadata
  info = {
      "sampling_rate_hz": kaggle_heartbeat.FS,
      "input_shape": (kaggle_heartbeat.LENGTH, 1),
      "target_shape": (),
      "lead_names": tuple(metadata["lead_names"]),
      "class_names": tuple(kaggle_heartbeat.LABEL_NAMES[task]),
      "units": {"inputs": metadata["units"] + (
          "" if normalizer is None else f", then {normalizer.mode}-normalised"),
                "targets": "class index"},
      "input_normalization": _normalization_info(normalizer),
      "groups": {split: table[2].tolist() for split, table in tables.items()},
      "patient_disjoint": False,
      "class_counts": {split: np.bincount(table[1], minlength=len(
          kaggle_heartbeat.LABEL_NAMES[task])).tolist()
                       for split, table in tables.items()},
      "prepared_dir": str(builder.data_dir),
  }
  return data_lib.Splits(split_sources, info,
                         prepare_record=KaggleRecord(normalizer))


def load_kaggle_mitbih(data_config) -> data_lib.Splits:
  """Kaggle MIT-BIH beats, AAMI classes N, S, V, F, Q (see `_load_kaggle`)."""
  return _load_kaggle(data_config, "mitbih")


def load_kaggle_ptbdb(data_config) -> data_lib.Splits:
  """Kaggle PTB beats, normal vs abnormal (see `_load_kaggle`)."""
  return _load_kaggle(data_config, "ptbdb")


# MIT-BIH beat windows.


@dataclasses.dataclass(frozen=True)
class WindowFeatures:
  """One (2 * half_window, leads) window in mV -> the model's inputs.

  Attributes:
    normalizer: per-lead Normalizer of the training windows, or None.
    stft: None for waveform inputs, else (nperseg, noverlap): the log STFT
      magnitude of the normalised window, (frames, freqs * leads).
    stft_normalizer: per-column Normalizer of the training STFT features.
    fs: sampling rate in Hz.
  """
  normalizer: Any
  stft: tuple[int, int] | None
  stft_normalizer: Any
  fs: float

  def spectrogram(self, x: np.ndarray) -> np.ndarray:
    nperseg, noverlap = self.stft
    return spectral.stft_spectrogram(x, self.fs, nperseg=nperseg,
                                     noverlap=noverlap, log=True, flatten=True)

  def __call__(self, window: np.ndarray) -> np.ndarray:
    x = _normalize(self.normalizer, window)
    if self.stft is None:
      return x.astype(np.float32)
    return _normalize(self.stft_normalizer, self.spectrogram(x)).astype(np.float32)


class _LazyBatch(collections.abc.Mapping):
  """A batch dict whose 'inputs' are read only when looked up."""

  def __init__(self, read_inputs: Callable[[], np.ndarray], targets: np.ndarray):
    self._read_inputs = read_inputs
    self._targets = targets

  def __getitem__(self, key):
    if key == "inputs":
      return self._read_inputs()
    if key == "targets":
      return self._targets
    raise KeyError(key)

  def __iter__(self):
    return iter(("inputs", "targets"))

  def __len__(self) -> int:
    return 2


class WindowSource:
  """Random-access beat windows read from a tfds data source on access.

  `src[i]` = {'inputs': featurize(window), 'targets': int32 label}, where the
  window is example `indices[i]` of `data_source` with its leads reordered by
  `lead_order`. `take(indices)` returns a batch whose 'inputs' are read only
  when looked up, so gathering the targets of a whole split (as the training
  loop does to fit class weights) reads no signal.

  Args:
    data_source: tfds data source of mitdb 'beats' examples.
    indices: (n,) example indices into `data_source` (repeats allowed).
    targets: (n,) int32 labels of those examples.
    lead_order: (n, leads) channel indices of the kept leads per example.
    featurize: window (T, leads) mV -> inputs.
  """

  def __init__(self, data_source, indices, targets, lead_order, featurize):
    self.data_source = data_source
    self.indices = np.asarray(indices, np.int64)
    self.targets = np.asarray(targets, np.int32)
    self.lead_order = np.asarray(lead_order, np.int64)
    self.featurize = featurize

  def __len__(self) -> int:
    return len(self.indices)

  def window(self, i: int) -> np.ndarray:
    """The raw (T, leads) window of example i in mV."""
    return self.data_source[int(self.indices[i])]["ecg"][:, self.lead_order[i]]

  def __getitem__(self, i: int) -> dict[str, np.ndarray]:
    return {"inputs": self.featurize(self.window(i)),
            "targets": self.targets[i]}

  def take(self, indices) -> collections.abc.Mapping:
    indices = np.asarray(indices, np.int64)

    def read_inputs():
      examples = self.data_source.__getitems__(
          [int(j) for j in self.indices[indices]])
      return np.stack([self.featurize(ex["ecg"][:, order]) for ex, order
                       in zip(examples, self.lead_order[indices])])

    return _LazyBatch(read_inputs, self.targets[indices])

  def subset(self, indices) -> "WindowSource":
    """The view `view[i] = self[indices[i]]` (e.g. balanced_indices)."""
    indices = np.asarray(indices, np.int64)
    return WindowSource(self.data_source, self.indices[indices],
                        self.targets[indices], self.lead_order[indices],
                        self.featurize)


def qrs_peaks(x: np.ndarray, fs: float) -> np.ndarray:
  """QRS positions of one lead: a simple band-pass peak detector.

  The lead is band-passed to 5-15 Hz (2nd-order Butterworth, forwards and
  backwards); peaks of its magnitude at least 0.3 times its 99th percentile
  and 250 ms apart are QRS complexes. Positions are within a few tens of ms of
  the R peak (the reference annotations centre the training windows).

  Args:
    x: (time,) one lead in mV at `fs` Hz.
    fs: sampling rate in Hz.

  Returns:
    (n,) int64 sample positions, increasing.
  """
  sos = sp_signal.butter(2, (5.0, 15.0), btype="bandpass", fs=fs, output="sos")
  magnitude = np.abs(sp_signal.sosfiltfilt(sos, np.asarray(x, np.float64)))
  peaks, _ = sp_signal.find_peaks(
      magnitude, height=0.3 * np.percentile(magnitude, 99),
      distance=max(1, int(0.25 * fs)))
  return peaks.astype(np.int64)


@dataclasses.dataclass(frozen=True)
class MitdbRecord:
  """`prepare_record` of the MIT-BIH window models (--mode=predict).

  Resamples the record to 360 Hz, keeps lead MLII (or II) and, for two-lead
  models, the first chest lead V1..V6; finds QRS complexes on the MLII lead
  with `qrs_peaks` and cuts a window of 2 * half_window samples centred on
  each one that lies inside the record.

  Attributes:
    features: the training WindowFeatures.
    half_window: samples on each side of the peak at 360 Hz.
    num_leads: 1 (MLII) or 2 (MLII and a chest lead).
  """
  features: WindowFeatures
  half_window: int
  num_leads: int

  def __call__(self, signal, sampling_rate_hz: float, lead_names):
    """(T, C) mV record -> (n, T', C') inputs, one per detected beat."""
    signal = np.asarray(signal, np.float32)
    if signal.ndim != 2 or signal.shape[1] != len(lead_names):
      raise ValueError(f"signal: expected (time, {len(lead_names)} leads), got "
                       f"shape {signal.shape}")
    leads = [_lead_index(lead_names, _LEAD_II)]
    if self.num_leads == 2:
      leads.append(_lead_index(lead_names, _CHEST))
    x = transforms.resample(signal[:, leads], sampling_rate_hz, mitdb.FS)
    peaks = qrs_peaks(x[:, 0], mitdb.FS)
    peaks = peaks[(peaks >= self.half_window) &
                  (peaks + self.half_window <= len(x))]
    if not len(peaks):
      raise ValueError(f"signal: no beat found at least {self.half_window} "
                       f"samples (at 360 Hz) from both ends of the "
                       f"{signal.shape[0]} samples at {sampling_rate_hz} Hz")
    return np.stack([self.features(x[p - self.half_window:p + self.half_window])
                     for p in peaks])


_MITDB_LEADS = {("MLII",): 1, ("MLII", "chest"): 2}
_MITDB_LABELS = {"abnormal": mitdb.NORMAL_NAMES, "aami": mitdb.AAMI_NAMES}
_MITDB_INPUTS = ("waveform", "stft")
_MITDB_SAMPLERS = ("shuffle", "oversample")


def _check_choice(value, choices, field: str):
  if value not in choices:
    raise ValueError(f"config.data.{field}: expected one of {list(choices)}, "
                     f"got {value!r}")


def _lead_order(lead_names: np.ndarray, num_leads: int,
                record_ids: np.ndarray) -> np.ndarray:
  """(n, num_leads) channels: MLII first, then the other (chest) lead."""
  is_mlii = lead_names == b"MLII"
  missing = ~is_mlii.any(axis=1)
  if missing.any():
    raise ValueError(f"record {record_ids[missing][0].decode()}: no MLII lead "
                     f"({lead_names[missing][0].tolist()}); config.data.leads "
                     f"needs MLII")
  mlii = np.argmax(is_mlii, axis=1)
  return np.stack([mlii, 1 - mlii], axis=1)[:, :num_leads]


def load_mitdb(data_config) -> data_lib.Splits:
  """MIT-BIH beat windows, inter-patient DS1/DS2.

  `data_config` fields: manual_dir, data_dir, records (None = all 48, or a
  subset), half_window (samples each side at 360 Hz; 720 = +/-2 s),
  num_validation and split_seed (DS1 records drawn for validation), label
  ('abnormal': N vs the rest; 'aami': N, S, V, F, Q), leads (('MLII',) or
  ('MLII', 'chest')), input ('waveform': (2 half_window, leads); 'stft': log
  STFT magnitudes (frames, freqs * leads)), stft_nperseg, stft_noverlap,
  normalization ('none', 'standard', 'minmax'; per lead, and per STFT column),
  normalization_windows (training windows drawn with split_seed for the
  statistics), sampler ('shuffle', or 'oversample': the training source lists
  every class as often as the largest, `samplers.balanced_indices` drawn once
  and reshuffled every epoch by the pipeline). Paced records (102, 104, 107,
  217) are excluded, as in de Chazal 2004.
  """
  _check_choice(tuple(data_config.leads), _MITDB_LEADS, "leads")
  _check_choice(data_config.label, _MITDB_LABELS, "label")
  _check_choice(data_config.input, _MITDB_INPUTS, "input")
  _check_choice(data_config.sampler, _MITDB_SAMPLERS, "sampler")
  records = None if data_config.records is None else tuple(data_config.records)
  builder_config = mitdb.MitdbConfig(
      name=config_name("beats", (records, data_config.half_window,
                                 data_config.num_validation,
                                 data_config.split_seed)),
      records=records, half_window=data_config.half_window,
      num_validation=data_config.num_validation, seed=data_config.split_seed,
      description="cardiojax beat windows")
  builder = prepared_builder(mitdb.Mitdb, builder_config, data_config)
  num_leads = _MITDB_LEADS[tuple(data_config.leads)]
  read, groups = {}, {}
  for split in ("train", "validation", "test"):
    if split not in builder.info.splits:
      raise ValueError(f"config.data.records: no {split} record among "
                       f"{records} (splits: {builder.info.metadata['split_records']})")
    data_source = builder.as_data_source(split)
    columns = read_all(data_source, (data_config.label, "lead_names",
                                     "record_id"))
    groups[split] = sorted({r.decode() for r in columns["record_id"]})
    read[split] = (data_source, np.arange(len(data_source)),
                   columns[data_config.label],
                   _lead_order(columns["lead_names"], num_leads,
                               columns["record_id"]))
  splits_lib.assert_disjoint(groups)
  features = _fit_window_features(WindowSource(*read["train"], np.asarray),
                                  data_config)
  windows = {split: WindowSource(*columns, features)
             for split, columns in read.items()}
  if data_config.sampler == "oversample":
    windows["train"] = windows["train"].subset(samplers.balanced_indices(
        windows["train"].targets, mode="over", seed=data_config.split_seed))
  class_names = _MITDB_LABELS[data_config.label]
  example = windows["train"][0]["inputs"]
  info = {
      "sampling_rate_hz": mitdb.FS,
      "input_shape": example.shape,
      "target_shape": (),
      "lead_names": ("MLII", "chest (V1, V2, V4 or V5 by record)")[:num_leads],
      "class_names": tuple(class_names),
      "units": {"inputs": ("mV" if data_config.input == "waveform"
                           else "log STFT magnitude of the window") + (
                               "" if data_config.normalization == "none"
                               else f", {data_config.normalization}-normalised"),
                "targets": "class index"},
      "input_normalization": {
          "window": _normalization_info(features.normalizer),
          "stft": _normalization_info(features.stft_normalizer)},
      "groups": groups,
      "patient_disjoint": True,
      "class_counts": {split: np.bincount(w.targets, minlength=len(
          class_names)).tolist() for split, w in windows.items()},
      "center_index": data_config.half_window,
      "prepared_dir": str(builder.data_dir),
  }
  return data_lib.Splits(windows, info, prepare_record=MitdbRecord(
      features, data_config.half_window, num_leads))


def _fit_window_features(train: WindowSource, data_config) -> WindowFeatures:
  """Normalisation of the window (and STFT) features from training windows."""
  count = min(len(train), data_config.normalization_windows)
  rng = np.random.default_rng(data_config.split_seed)
  sample = [train.window(i) for i in
            np.sort(rng.choice(len(train), count, replace=False))]
  normalizer = fit_normalizer(data_config.normalization, sample,
                              "normalization")
  stft = None
  if data_config.input == "stft":
    stft = (data_config.stft_nperseg, data_config.stft_noverlap)
  features = WindowFeatures(normalizer, stft, None, float(mitdb.FS))
  if stft is None:
    return features
  spectrograms = [features.spectrogram(_normalize(normalizer, w))
                  for w in sample]
  return dataclasses.replace(features, stft_normalizer=fit_normalizer(
      data_config.normalization, spectrograms, "normalization"))
