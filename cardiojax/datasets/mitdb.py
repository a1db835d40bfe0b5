"""MIT-BIH Arrhythmia Database (PhysioNet mitdb 1.0.0) as a tfds builder.

Input contract: 48 half-hour records of 2 leads at 360 Hz (650000 samples),
in mV, lead names per record as in the header (mostly MLII + V1/V2/V4/V5).
Reference beat annotations (`.atr`) give one beat label per QRS complex.

Configs:
  beats (default): one example per beat annotation, a window of
    2 * `half_window` samples (default 720 + 720 = 1440 = 4 s) with the beat at
    index `half_window`. Splits: de Chazal et al. 2004 inter-patient `train`
    (DS1 without `validation`), `validation` (`num_validation` DS1 records
    chosen with `seed` so that training keeps at least 80% of every AAMI
    class's DS1 beats, `select_validation_records`), `test` (DS2),
    `excluded` (paced 102, 104, 107, 217).
  beats_kfold: the same examples in record-wise folds `fold_0`..`fold_{k-1}`
    over the 44 non-paced records (seeded permutation) plus `excluded`.
  records: one example per whole record with all of its annotations, split as
    `beats` (for plots and for the Kaggle-format rebuild).

Edge policy: a beat whose window [sample - half_window, sample + half_window)
does not lie inside the record is dropped; the drops per record and symbol are
in `info.metadata['edge_drops']`. Beats are the annotation symbols of
`AAMI_CLASS`; other annotations (rhythm '+', noise '~', '|', 'x', ...) are not.

Records are patients, except that 201 and 202 come from the same subject
(DS1 and DS2 respectively, as in de Chazal 2004).

Prepare: `cardiojax prepare mitdb --manual_dir=DIR` (or `--download`, the
official files at `DOWNLOAD_URL`); in Python `download.prepare(Mitdb,
data_dir, 'beats', manual_dir=<mitdb folder>)` or with `download_url=`.
A custom `MitdbConfig(name=..., records=('100', '106'))` reads a subset.
"""

import collections
import dataclasses
import functools
import itertools
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import prepared
from cardiojax.datasets import wfdb_io
from cardiojax.input import contract as contract_lib
from cardiojax.input import model_inputs
from cardiojax.input import samplers
from cardiojax.input import sources
from cardiojax.input import splits as splits_lib
from cardiojax.input import transforms
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import qrs
from cardiojax.signal import quality
from cardiojax.signal import resample as resample_lib
from cardiojax.signal import spectral

FS = 360
RECORD_LENGTH = 650000
DS1 = ("101", "106", "108", "109", "112", "114", "115", "116", "118", "119",
       "122", "124", "201", "203", "205", "207", "208", "209", "215", "220",
       "223", "230")
DS2 = ("100", "103", "105", "111", "113", "117", "121", "123", "200", "202",
       "210", "212", "213", "214", "219", "221", "222", "228", "231", "232",
       "233", "234")
PACED = ("102", "104", "107", "217")
ALL_RECORDS = tuple(sorted(DS1 + DS2 + PACED))
# Beats of each DS1 record per AAMI class (N, S, V, F, Q), from the beat
# annotations (MIT-BIH Arrhythmia Database Directory, Moody & Mark 2001;
# totals N 45,866, S 944, V 3,788, F 415, Q 8 as in de Chazal et al. 2004).
DS1_AAMI_COUNTS = {
    "101": (1860, 3, 0, 0, 2), "106": (1507, 0, 520, 0, 0),
    "108": (1740, 4, 17, 2, 0), "109": (2492, 0, 38, 2, 0),
    "112": (2537, 2, 0, 0, 0), "114": (1820, 12, 43, 4, 0),
    "115": (1953, 0, 0, 0, 0), "116": (2302, 1, 109, 0, 0),
    "118": (2166, 96, 16, 0, 0), "119": (1543, 0, 444, 0, 0),
    "122": (2476, 0, 0, 0, 0), "124": (1536, 31, 47, 5, 0),
    "201": (1635, 128, 198, 2, 0), "203": (2529, 2, 444, 1, 4),
    "205": (2571, 3, 71, 11, 0), "207": (1543, 107, 210, 0, 0),
    "208": (1586, 2, 992, 373, 2), "209": (2621, 383, 1, 0, 0),
    "215": (3195, 3, 164, 1, 0), "220": (1954, 94, 0, 0, 0),
    "223": (2045, 73, 473, 14, 0), "230": (2255, 0, 1, 0, 0),
}
VALIDATION_RULES = ("class_preserving", "random")
# AAMI EC57 classes of the MIT-BIH beat symbols.
AAMI_CLASS = {"N": "N", "L": "N", "R": "N", "e": "N", "j": "N",
              "A": "S", "a": "S", "J": "S", "S": "S",
              "V": "V", "E": "V", "F": "F", "/": "Q", "f": "Q", "Q": "Q"}
BEAT_SYMBOLS = tuple(AAMI_CLASS)
AAMI_NAMES = ("N", "S", "V", "F", "Q")
NORMAL_NAMES = ("normal", "abnormal")  # normal = symbol 'N'.
CITATION = """\
@article{moody2001impact,
  title={The impact of the MIT-BIH Arrhythmia Database},
  author={Moody, George B and Mark, Roger G},
  journal={IEEE Engineering in Medicine and Biology Magazine},
  volume={20}, number={3}, pages={45--50}, year={2001}}
@article{goldberger2000physiobank,
  title={PhysioBank, PhysioToolkit, and PhysioNet},
  author={Goldberger, Ary L and others},
  journal={Circulation}, volume={101}, number={23}, pages={e215--e220},
  year={2000}}
@article{dechazal2004automatic,
  title={Automatic classification of heartbeats using ECG morphology and
         heartbeat interval features},
  author={de Chazal, Philip and O'Dwyer, Maria and Reilly, Richard B},
  journal={IEEE Transactions on Biomedical Engineering},
  volume={51}, number={7}, pages={1196--1206}, year={2004}}"""
LICENSE = "Open Data Commons Attribution License v1.0 (ODC-By 1.0)"
HOMEPAGE = "https://physionet.org/content/mitdb/1.0.0/"


@dataclasses.dataclass(eq=False)
class MitdbConfig(tfds.core.BuilderConfig):
  """Options of the MIT-BIH builder.

  Attributes:
    kind: 'beats' (one example per beat) or 'records' (whole records).
    half_window: samples on each side of a beat (beats only).
    records: record names to read; None reads all 48.
    split_scheme: 'inter_patient' (DS1/DS2) or 'kfold' (record-wise folds).
    num_validation: DS1 records held out for validation (inter_patient).
    validation_rule: 'class_preserving' (`select_validation_records`) or
      'random' (a seeded draw, which can take nearly all F beats away).
    validation_records: DS1 records to validate on, instead of the rule.
    num_folds: folds of the 'kfold' scheme.
    seed: seed of the validation choice and of the fold permutation.
  """
  kind: str = "beats"
  half_window: int = 720
  records: tuple[str, ...] | None = None
  split_scheme: str = "inter_patient"
  num_validation: int = 4
  validation_rule: str = "class_preserving"
  validation_records: tuple[str, ...] | None = None
  num_folds: int = 5
  seed: int = 0


def select_validation_records(counts: dict[str, tuple[int, ...]],
                              num_validation: int, seed: int,
                              min_train_fraction: float = 0.8
                              ) -> tuple[str, ...]:
  """DS1 records to validate on that leave every class in training.

  Among all sets of `num_validation` records, keep those after which the
  training records still hold at least `min_train_fraction` of every class's
  beats; of these, those whose validation records hold the most classes
  (so that validation can score them); then one at random with `seed`.
  With the published counts and the defaults (4 records, 80%), F beats stay
  in training (record 208 alone holds 373 of DS1's 415, so it never
  validates) and validation holds N, S, V and F.

  Args:
    counts: record -> beats per class (e.g. `DS1_AAMI_COUNTS`).
    num_validation: records to choose.
    seed: seed of the final choice.
    min_train_fraction: share of each class's beats training must keep.

  Returns:
    The chosen records, sorted.

  Raises:
    ValueError: no set of records meets `min_train_fraction`.
  """
  records = sorted(counts)
  table = np.asarray([counts[r] for r in records], np.int64)
  totals = table.sum(axis=0)
  combos = np.asarray(list(itertools.combinations(range(len(records)),
                                                  num_validation)))
  held_out = table[combos].sum(axis=1)
  keeps = np.all(totals - held_out >= min_train_fraction * totals, axis=1)
  if not keeps.any():
    raise ValueError(f"num_validation={num_validation}: no {num_validation} "
                     f"records leave {min_train_fraction:.0%} of every class "
                     f"in training; choose fewer validation records")
  classes_held = (held_out > 0).sum(axis=1)
  best = np.flatnonzero(keeps & (classes_held == classes_held[keeps].max()))
  chosen = combos[np.random.default_rng(seed).choice(best)]
  return tuple(records[i] for i in chosen)


def record_splits(config: MitdbConfig) -> dict[str, tuple[str, ...]]:
  """Split name -> records of the config's scheme (before `records`)."""
  rng = np.random.default_rng(config.seed)
  if config.split_scheme == "inter_patient":
    if config.validation_records is not None:
      validation = tuple(sorted(config.validation_records))
      unknown = sorted(set(validation) - set(DS1))
      if unknown:
        raise ValueError(f"config.data.validation_records: {unknown} are not "
                         f"DS1 records; expected some of {DS1}")
    elif config.validation_rule == "class_preserving":
      validation = select_validation_records(
          DS1_AAMI_COUNTS, config.num_validation, config.seed)
    elif config.validation_rule == "random":
      validation = tuple(sorted(rng.choice(DS1, config.num_validation,
                                           replace=False)))
    else:
      raise ValueError(f"config.data.validation_rule="
                       f"{config.validation_rule!r}: expected one of "
                       f"{VALIDATION_RULES}")
    train = tuple(r for r in DS1 if r not in validation)
    return {"train": train, "validation": validation, "test": DS2,
            "excluded": PACED}
  if config.split_scheme == "kfold":
    order = rng.permutation(sorted(DS1 + DS2))
    folds = {f"fold_{i}": tuple(sorted(order[i::config.num_folds]))
             for i in range(config.num_folds)}
    return {**folds, "excluded": PACED}
  raise ValueError(f"MitdbConfig.split_scheme={config.split_scheme!r}: "
                   "expected 'inter_patient' or 'kfold'")


def record_files(records: tuple[str, ...]) -> list[str]:
  """The PhysioNet files of `records` (header, signal, annotations)."""
  return [f"{r}.{ext}" for r in records for ext in ("hea", "dat", "atr")]


def is_beat(symbols: np.ndarray) -> np.ndarray:
  """(n,) bool: which annotation symbols are beats."""
  return np.isin(symbols, BEAT_SYMBOLS)


class Mitdb(download.Builder):
  """MIT-BIH Arrhythmia beats or records; see the module docstring."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("*.atr",)
  CORPUS_NAME = "MIT-BIH"
  DOWNLOAD_URL = "https://physionet.org/files/mitdb/1.0.0/"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [
      MitdbConfig(name="beats", description="Beat windows, DS1/DS2 splits."),
      MitdbConfig(name="beats_kfold", split_scheme="kfold",
                  description="Beat windows, record-wise folds."),
      MitdbConfig(name="records", kind="records",
                  description="Whole records, DS1/DS2 splits."),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the unzipped MIT-BIH folder from https://physionet.org/content/mitdb/"
      "1.0.0/ (<record>.hea, .dat, .atr)")

  def _records(self) -> tuple[str, ...]:
    records = self.builder_config.records or ALL_RECORDS
    unknown = sorted(set(records) - set(ALL_RECORDS))
    if unknown:
      raise ValueError(f"MitdbConfig.records: {unknown} are not MIT-BIH "
                       f"records; expected a subset of {ALL_RECORDS}")
    return tuple(records)

  def _info(self) -> tfds.core.DatasetInfo:
    config = self.builder_config
    ecg_shape = ((2 * config.half_window, 2) if config.kind == "beats"
                 else (None, 2))
    common = {
        "ecg": tfds.features.Tensor(shape=ecg_shape, dtype=np.float32),
        "lead_names": tfds.features.Tensor(shape=(2,), dtype=np.object_),
        "record_id": tfds.features.Text(),
    }
    if config.kind == "beats":
      features = {
          **common,
          "sample": tfds.features.Scalar(dtype=np.int64),
          "symbol": tfds.features.ClassLabel(names=BEAT_SYMBOLS),
          "aami": tfds.features.ClassLabel(names=AAMI_NAMES),
          "abnormal": tfds.features.ClassLabel(names=NORMAL_NAMES),
      }
      length = 2 * config.half_window
    elif config.kind == "records":
      features = {
          **common,
          "ann_sample": tfds.features.Tensor(shape=(None,), dtype=np.int64),
          "ann_symbol": tfds.features.Tensor(shape=(None,), dtype=np.object_),
          "ann_aux": tfds.features.Tensor(shape=(None,), dtype=np.object_),
      }
      length = RECORD_LENGTH
    else:
      raise ValueError(f"MitdbConfig.kind={config.kind!r}: expected 'beats' "
                       "or 'records'")
    metadata = tfds.core.MetadataDict(
        sampling_rate_hz=FS, length_samples=length, units="mV",
        layout="(time, leads)", lead_names="per record, see lead_names",
        center_index=config.half_window if config.kind == "beats" else None,
        label_names={"symbol": BEAT_SYMBOLS, "aami": AAMI_NAMES,
                     "abnormal": NORMAL_NAMES},
        aami_class=AAMI_CLASS, split_records=record_splits(config),
        edge_policy="beats whose window leaves the record are dropped",
        citation=CITATION, license=LICENSE)
    return tfds.core.DatasetInfo(
        builder=self, description=__doc__,
        features=tfds.features.FeaturesDict(features),
        supervised_keys=("ecg", "aami") if config.kind == "beats" else None,
        homepage=HOMEPAGE, citation=CITATION, license=LICENSE,
        metadata=metadata)

  def _split_generators(self, dl_manager):
    records = self._records()
    root = self.raw_dir(dl_manager, record_files(records))
    half = self.builder_config.half_window
    edge_drops, kept = {}, {}
    for record in records:
      header = wfdb_io.read_header(root / record)
      ann = wfdb_io.read_annotations(root / record)
      beats = is_beat(ann.symbol)
      inside = (ann.sample >= half) & (ann.sample + half <= header.sig_len)
      edge_drops[record] = dict(collections.Counter(
          ann.symbol[beats & ~inside].tolist()))
      kept[record] = int(np.sum(beats & inside))
    self.info.metadata["edge_drops"] = edge_drops
    self.info.metadata["beats_kept"] = kept
    return {split: self._generate_examples(root, present)
            for split, members in record_splits(self.builder_config).items()
            if (present := [r for r in members if r in records])}

  def _generate_examples(self, root: pathlib.Path, records: list[str]):
    half = self.builder_config.half_window
    for record in records:
      rec = wfdb_io.read_record(root / record)
      ann = wfdb_io.read_annotations(root / record)
      signal = quality.repaired_for_training(rec.signal, rec.fs, rec.lead_names,
                                             f"{root / record}.hea")
      leads = np.asarray(rec.lead_names, dtype=object)
      if self.builder_config.kind == "records":
        yield record, {"ecg": signal, "lead_names": leads,
                       "record_id": record, "ann_sample": ann.sample,
                       "ann_symbol": ann.symbol.astype(object),
                       "ann_aux": ann.aux_note.astype(object)}
        continue
      length = signal.shape[0]
      for sample, symbol in zip(ann.sample, ann.symbol):
        if symbol not in AAMI_CLASS or not half <= sample <= length - half:
          continue
        yield f"{record}_{sample}", {
            "ecg": signal[sample - half:sample + half],
            "lead_names": leads, "record_id": record, "sample": sample,
            "symbol": symbol, "aami": AAMI_CLASS[symbol],
            "abnormal": NORMAL_NAMES[symbol != "N"]}


# Loading for training: `load(config.data)`; see `cardiojax.datasets`.

_LEADS = {("MLII",): 1, ("MLII", "chest"): 2}
_LABELS = {"abnormal": NORMAL_NAMES, "aami": AAMI_NAMES}
_INPUTS = ("waveform", "stft")
_SAMPLERS = ("shuffle", "oversample")
_NORMALIZATIONS = ("none", "standard", "minmax")
# Names under which a record's lead II / MLII and its chest lead are accepted.
_ACCEPTED_LEADS = (("MLII", "II"), ("V1", "V2", "V3", "V4", "V5", "V6"))


@dataclasses.dataclass(frozen=True)
class WindowFeatures:
  """One (2 * half_window, leads) window in mV -> the model's inputs.

  Attributes:
    normalizer: per-lead Normalizer of the training windows, or None.
    stft: None for waveform inputs, else (nperseg, noverlap): the log STFT
      magnitude of the normalised window, (frames, freqs * leads).
    stft_normalizer: per-column Normalizer of the training STFT features.
  """
  normalizer: transforms.Normalizer | None
  stft: tuple[int, int] | None
  stft_normalizer: transforms.Normalizer | None

  @classmethod
  def from_contract(cls, contract) -> "WindowFeatures":
    features = contract.features
    return cls(_from_dict(contract.normalizer),
               None if features["stft"] is None else tuple(features["stft"]),
               _from_dict(features["stft_normalizer"]))

  def spectrogram(self, x: np.ndarray) -> np.ndarray:
    nperseg, noverlap = self.stft
    return spectral.stft_spectrogram(x, float(FS), nperseg=nperseg,
                                     noverlap=noverlap, log=True, flatten=True)

  def __call__(self, window: np.ndarray) -> np.ndarray:
    x = _normalize(self.normalizer, window)
    if self.stft is None:
      return x.astype(np.float32)
    return _normalize(self.stft_normalizer, self.spectrogram(x)).astype(np.float32)

  def batch(self, windows: np.ndarray) -> np.ndarray:
    """(k, T, leads) windows in mV -> (k, ...) inputs, as `__call__` each."""
    if self.stft is not None:
      return np.stack([self(w) for w in windows])
    if self.normalizer is None:
      return windows.astype(np.float32)
    return ((windows - self.normalizer.offset) / self.normalizer.scale
            ).astype(np.float32)


def _from_dict(d):
  return None if d is None else transforms.Normalizer.from_dict(d)


def _normalize(normalizer, x: np.ndarray) -> np.ndarray:
  return x if normalizer is None else normalizer.apply(x)


def _fit(mode: str, signals):
  if mode not in _NORMALIZATIONS:
    raise ValueError(f"config.data.normalization: expected one of "
                     f"{_NORMALIZATIONS}, got {mode!r}")
  return None if mode == "none" else transforms.Normalizer.fit(signals, mode)


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


def load(data_config) -> splits_lib.Splits:
  """MIT-BIH beat windows, inter-patient DS1/DS2.

  `data_config` fields: manual_dir, data_dir, records (None = all 48, or a
  subset), half_window (samples each side at 360 Hz; 720 = +/-2 s),
  num_validation, validation_rule, validation_records and split_seed (the
  DS1 records that validate, `record_splits`), label
  ('abnormal': N vs the rest; 'aami': N, S, V, F, Q), leads (('MLII',) or
  ('MLII', 'chest')), input ('waveform': (2 half_window, leads); 'stft': log
  STFT magnitudes (frames, freqs * leads)), stft_nperseg, stft_noverlap,
  normalization ('none', 'standard', 'minmax'; per lead, and per STFT column),
  normalization_windows (training windows drawn with split_seed for the
  statistics), sampler ('shuffle', or 'oversample': the training source lists
  every class as often as the largest, `samplers.balanced_indices` drawn once
  and reshuffled every epoch by the pipeline). Paced records (102, 104, 107,
  217) are excluded, as in de Chazal 2004.

  Memory: the windows (~100k x 1440 x 2 floats, ~1.1 GB) stay on disk;
  `WindowSource` reads and featurises them on access.
  """
  _check_choice(tuple(data_config.leads), _LEADS, "leads")
  _check_choice(data_config.label, _LABELS, "label")
  _check_choice(data_config.input, _INPUTS, "input")
  _check_choice(data_config.sampler, _SAMPLERS, "sampler")
  records = None if data_config.records is None else tuple(data_config.records)
  validation_records = (None if data_config.validation_records is None
                        else tuple(data_config.validation_records))
  builder_config = MitdbConfig(
      name=prepared.config_name("beats", (records, data_config.half_window,
                                          data_config.num_validation,
                                          data_config.split_seed,
                                          data_config.validation_rule,
                                          validation_records)),
      records=records, half_window=data_config.half_window,
      num_validation=data_config.num_validation, seed=data_config.split_seed,
      validation_rule=data_config.validation_rule,
      validation_records=validation_records,
      description="cardiojax beat windows")
  builder = prepared.prepared_builder(Mitdb, builder_config, data_config)
  num_leads = _LEADS[tuple(data_config.leads)]
  read, groups, clusters = {}, {}, {}
  for split in ("train", "validation", "test"):
    if split not in builder.info.splits:
      raise ValueError(f"config.data.records: no {split} record among "
                       f"{records} (splits: {builder.info.metadata['split_records']})")
    data_source = builder.as_data_source(split)
    columns = prepared.read_all(builder, split, (data_config.label, "lead_names",
                                                 "record_id"))
    clusters[split] = np.asarray([r.decode() for r in columns["record_id"]])
    groups[split] = sorted(set(clusters[split].tolist()))
    read[split] = (data_source, np.arange(len(data_source)),
                   columns[data_config.label],
                   _lead_order(columns["lead_names"], num_leads,
                               columns["record_id"]))
  splits_lib.assert_disjoint(groups)
  features = _fit_window_features(
      sources.WindowSource(*read["train"], np.asarray), data_config)
  contract = contract_lib.InputContract(
      corpus="mitdb", preparation="beat_windows", sampling_rate_hz=FS,
      window_samples=2 * data_config.half_window,
      lead_names=("MLII", "chest (V1, V2, V4 or V5 by record)")[:num_leads],
      input_shape=(), units="mV",
      input_units=("mV" if data_config.input == "waveform"
                   else "log STFT magnitude of the window") + (
                       "" if data_config.normalization == "none"
                       else f", {data_config.normalization}-normalised"),
      normalizer=None if features.normalizer is None else
      features.normalizer.to_dict(),
      window_policy={"kind": "beat", "half_window": data_config.half_window,
                     "detector": "cardiojax.signal.qrs.qrs_peaks"},
      features={"stft": features.stft, "stft_normalizer":
                None if features.stft_normalizer is None else
                features.stft_normalizer.to_dict(),
                "accepted_leads": _ACCEPTED_LEADS[:num_leads],
                "label": data_config.label},
      target_units="class index")
  features = WindowFeatures.from_contract(contract)
  windows = {split: sources.WindowSource(*columns, features)
             for split, columns in read.items()}
  if data_config.sampler == "oversample":
    balanced = samplers.balanced_indices(
        windows["train"].targets, mode="over", seed=data_config.split_seed)
    windows["train"] = windows["train"].subset(balanced)
    clusters["train"] = clusters["train"][balanced]
  contract = dataclasses.replace(
      contract, input_shape=windows["train"][0]["inputs"].shape)
  class_names = _LABELS[data_config.label]
  info = {
      "class_names": tuple(class_names),
      "groups": groups,
      "patient_disjoint": True,
      "class_counts": {split: np.bincount(w.targets, minlength=len(
          class_names)).tolist() for split, w in windows.items()},
      "center_index": data_config.half_window,
      "prepared_dir": str(builder.data_dir),
  }
  return splits_lib.Splits(windows, contract, info, example_clusters=clusters,
                           cluster_unit="record")


def _fit_window_features(train, data_config) -> WindowFeatures:
  """Normalisation of the window (and STFT) features from training windows."""
  count = min(len(train), data_config.normalization_windows)
  rng = np.random.default_rng(data_config.split_seed)
  sample = [train.window(i) for i in
            np.sort(rng.choice(len(train), count, replace=False))]
  normalizer = _fit(data_config.normalization, sample)
  stft = None
  if data_config.input == "stft":
    stft = (data_config.stft_nperseg, data_config.stft_noverlap)
  features = WindowFeatures(normalizer, stft, None)
  if stft is None:
    return features
  spectrograms = [features.spectrogram(_normalize(normalizer, w))
                  for w in sample]
  return dataclasses.replace(features, stft_normalizer=_fit(
      data_config.normalization, spectrograms))


def prepare_record(contract, signal, sampling_rate_hz: float, lead_names, *,
                   usable: np.ndarray | None = None,
                   beat_samples: np.ndarray | None = None
                   ) -> model_inputs.ModelInputs:
  """A (T, C) mV record -> one input per beat, centred on it.

  Resamples the record to 360 Hz, keeps lead MLII (or II) and, for two-lead
  models, the first chest lead V1..V6; the beats are `beat_samples` (e.g. the
  beat annotations of a reference file, in the record's samples) or, by
  default, the QRS complexes that `cardiojax.signal.qrs.qrs_peaks` finds on
  the MLII lead. Each input is the window of 2 * half_window samples centred
  on a beat; beats closer than half a window to either end, or whose window
  overlaps samples the signal check could not repair (`usable` False), are
  dropped and listed in the report.

  Raises:
    ValueError: a lead the model needs is missing, or no beat is left.
  """
  signal = np.asarray(signal, np.float32)
  if signal.ndim != 2 or signal.shape[1] != len(lead_names):
    raise ValueError(f"signal: expected (time, {len(lead_names)} leads), got "
                     f"shape {signal.shape}")
  half_window = contract.window_policy["half_window"]
  channels = [leads_lib.find_lead(lead_names, tuple(accepted))
              for accepted in contract.features["accepted_leads"]]
  x = resample_lib.resample(signal[:, channels], sampling_rate_hz, FS)
  if beat_samples is None:
    peaks, source = qrs.qrs_peaks(x[:, 0], FS), "cardiojax.signal.qrs.qrs_peaks"
  else:
    peaks = np.round(np.asarray(beat_samples) * FS / sampling_rate_hz).astype(
        np.int64)
    source = "reference annotations"
  inside = (peaks >= half_window) & (peaks + half_window <= len(x))
  usable_x = model_inputs.usable_at(usable, len(x), FS, sampling_rate_hz)
  bad = np.concatenate([[0], np.cumsum(~usable_x)])
  clean = np.zeros(len(peaks), bool)
  clean[inside] = (bad[peaks[inside] + half_window] ==
                   bad[peaks[inside] - half_window])
  keep = inside & clean
  if not keep.any():
    raise ValueError(f"signal: no beat found at least {half_window} "
                     f"samples (at 360 Hz) from both ends of the "
                     f"{signal.shape[0]} samples at {sampling_rate_hz} Hz")
  to_record = functools.partial(model_inputs.to_record_samples, model_hz=FS,
                                record_hz=sampling_rate_hz,
                                num_samples=len(signal))
  starts, stops = to_record(peaks - half_window), to_record(peaks + half_window)
  covered = model_inputs.covered_samples(starts[keep], stops[keep], len(signal))
  names = [str(lead_names[c]) for c in channels]
  report = {
      "samples": int(len(signal)),
      "sampling_rate_hz": float(sampling_rate_hz),
      "resampled_to_hz": None if sampling_rate_hz == FS else FS,
      "lead_order": [[model, record] for model, record in
                     zip(contract.lead_names, names)],
      "beats_from": source, "beats": int(keep.sum()),
      "beats_dropped_at_ends": to_record(peaks[~inside]).tolist(),
      "beats_dropped_unusable": to_record(peaks[inside & ~clean]).tolist(),
      "samples_used": int(covered.sum()),
      "samples_outside_beat_windows": int(len(signal) - covered.sum()),
  }
  return model_inputs.ModelInputs(
      x, peaks[keep] - half_window, 2 * half_window,
      WindowFeatures.from_contract(contract).batch, starts[keep], stops[keep],
      "beat", report, beat_samples=to_record(peaks[keep]))


def reference_beats(annotations: wfdb_io.Annotations,
                    contract) -> tuple[np.ndarray, np.ndarray]:
  """The beat annotations of a record as (samples, class indices) in the
  contract's classes ('abnormal': N vs the rest; 'aami': AAMI_CLASS)."""
  beat = is_beat(annotations.symbol)
  symbols = annotations.symbol[beat]
  if contract.features["label"] == "aami":
    classes = [AAMI_NAMES.index(AAMI_CLASS[s]) for s in symbols]
  else:
    classes = symbols != "N"
  return annotations.sample[beat], np.asarray(classes, np.int64)
