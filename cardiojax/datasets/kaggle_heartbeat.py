"""Kaggle "ECG Heartbeat Categorization Dataset" (Kachuee et al. 2018).

Input contract: one example per CSV row, a single beat of 187 samples at
125 Hz, (187, 1) float32, unitless (each 10 s window min-max normalised to
[0, 1], the beat starting at its R peak, zero-padded); lead: MIT-BIH channel
0 (mostly MLII) or PTB lead II. Each row is 187 values + 1 label, no header;
both number formats parse ('%.18e' as in the original files, or the shortest
float repr).

Configs:
  mitbih: labels N, S, V, F, Q (AAMI classes 0-4); splits `train` and `test`
    = the official mitbih_train.csv / mitbih_test.csv.
  ptbdb: labels normal (0), abnormal (1, myocardial infarction); the rows of
    ptbdb_normal.csv then ptbdb_abnormal.csv, split into `train`/`test` as
    sklearn `train_test_split(test_size=0.2, random_state=1337,
    stratify=label)` does (the customary split).

Both splits are beat-level: beats of the same patient fall in train and test.
For patient-disjoint beat tasks use `kachuee_rebuild`. For validation, slice
train (`'train[:90%]'`, `'train[90%:]'`; rows are stored shuffled).

Prepare: `download.prepare(KaggleHeartbeat, data_dir, 'mitbih',
manual_dir=<folder with the CSVs>)`; a custom `KaggleHeartbeatConfig(name=...,
task='mitbih', files=(...))` reads other file names.
"""

import dataclasses
import functools
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import prepared
from cardiojax.input import contract as contract_lib
from cardiojax.input import model_inputs
from cardiojax.input import sources
from cardiojax.input import splits as splits_lib
from cardiojax.input import transforms
from cardiojax.signal import beats as beats_lib
from cardiojax.signal import leads as leads_lib

FS = 125
LENGTH = 187
LABEL_NAMES = {"mitbih": ("N", "S", "V", "F", "Q"),
               "ptbdb": ("normal", "abnormal")}
CITATION = """\
@inproceedings{kachuee2018ecg,
  title={ECG Heartbeat Classification: A Deep Transferable Representation},
  author={Kachuee, Mohammad and Fazeli, Shayan and Sarrafzadeh, Majid},
  booktitle={IEEE International Conference on Healthcare Informatics (ICHI)},
  pages={443--444}, year={2018}}"""
LICENSE = ("Unknown on Kaggle; derived from PhysioNet mitdb and ptbdb "
           "(ODC-By 1.0)")
HOMEPAGE = "https://www.kaggle.com/datasets/shayanfazeli/heartbeat"


@dataclasses.dataclass(eq=False)
class KaggleHeartbeatConfig(tfds.core.BuilderConfig):
  """Options of the Kaggle heartbeat builder.

  Attributes:
    task: 'mitbih' or 'ptbdb'.
    files: CSV paths relative to manual_dir; mitbih: (train, test); ptbdb:
      (normal, abnormal), concatenated in this order before the split.
    test_size: test fraction of the ptbdb split.
    seed: random_state of the ptbdb split.
  """
  task: str = "mitbih"
  files: tuple[str, ...] = ("mitbih_train.csv", "mitbih_test.csv")
  test_size: float = 0.2
  seed: int = 1337


def read_csv(path: pathlib.Path, num_labels: int, *,
             labels_optional: bool = False
             ) -> tuple[np.ndarray, np.ndarray | None]:
  """Reads a heartbeat CSV: ((rows, 187) float32 beats, (rows,) int64 labels).

  Each row is 187 beat samples and a label (188 values). With
  `labels_optional`, rows may instead be 187 samples without a label (every
  row alike), and the labels returned are then None. Blank lines are
  skipped, and so is a first row that is not all numbers (column names) or
  is pandas' column numbers 0, 1, ..., 187.

  Raises:
    FileNotFoundError: no such file.
    ValueError: one line naming the file and line, for a row with the wrong
      number of values, a value that is not a number, a label outside
      0..num_labels-1, or a file without rows.
  """
  def is_number(text: str) -> bool:
    try:
      float(text)
    except ValueError:
      return False
    return True

  path = pathlib.Path(path)
  if not path.is_file():
    raise FileNotFoundError(f"{path}: file not found")
  widths = (LENGTH, LENGTH + 1) if labels_optional else (LENGTH + 1,)
  what = {LENGTH: f"{LENGTH} samples, no label",
          LENGTH + 1: f"{LENGTH} samples + label"}
  rows, line_nos, width, first = [], [], None, None
  with path.open(encoding="utf-8-sig", errors="replace") as f:
    for line_no, line in enumerate(f, 1):
      text = line.strip()
      if not text:
        continue
      values = text.split(",")
      try:
        row = np.asarray(values, dtype=np.float64)
      except ValueError:
        row = None
      if not rows and not line_nos and (
          row is None or np.array_equal(row, np.arange(len(row)))):
        line_nos.append(None)  # The header row: skipped, once.
        continue
      if width is None and len(values) in widths:
        width, first = len(values), line_no
      if len(values) != width:
        expected = (f"{width} comma-separated values ({what[width]}, as line "
                    f"{first})" if width else
                    " or ".join(f"{w} comma-separated values ({what[w]})"
                                for w in widths))
        raise ValueError(f"{path}: line {line_no}: expected {expected}, got "
                         f"{len(values)}")
      if row is None:
        column = next(i for i, v in enumerate(values) if not is_number(v))
        raise ValueError(f"{path}: line {line_no}: value {column + 1} is "
                         f"{values[column].strip()[:40]!r}; expected a number")
      rows.append(row)
      line_nos.append(line_no)
  line_nos = [n for n in line_nos if n is not None]
  if not rows:
    raise ValueError(f"{path}: no rows; expected lines of "
                     f"{' or '.join(str(w) for w in widths)} comma-separated "
                     f"values (187 beat samples at {FS} Hz"
                     f"{', optionally' if labels_optional else ','} + label)")
  data = np.stack(rows)
  if width == LENGTH:
    return data.astype(np.float32), None
  labels = data[:, LENGTH]
  bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) |
                       (labels >= num_labels))
  if bad.size:
    raise ValueError(f"{path}: line {line_nos[bad[0]]}: label "
                     f"{labels[bad[0]]}; expected an integer in "
                     f"0..{num_labels - 1}")
  return data[:, :LENGTH].astype(np.float32), labels.astype(np.int64)


def _approximate_mode(counts: np.ndarray, draws: int,
                      rng: np.random.RandomState) -> np.ndarray:
  """Per-class draws, as sklearn.utils.extmath._approximate_mode."""
  continuous = counts / counts.sum() * draws
  floored = np.floor(continuous)
  need = int(draws - floored.sum())
  remainder = continuous - floored
  for value in np.sort(np.unique(remainder))[::-1]:
    if need <= 0:
      break
    (inds,) = np.where(remainder == value)
    add = min(len(inds), need)
    floored[rng.choice(inds, size=add, replace=False)] += 1
    need -= add
  return floored.astype(int)


def stratified_split(labels: np.ndarray, test_size: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
  """Train and test row indices, equal to sklearn's `train_test_split`.

  Reproduces `train_test_split(x, test_size=test_size, random_state=seed,
  stratify=labels)` (StratifiedShuffleSplit with a RandomState), including
  the order of the indices.
  """
  n = len(labels)
  n_test = int(np.ceil(test_size * n))
  n_train = n - n_test
  classes, y = np.unique(labels, return_inverse=True)
  counts = np.bincount(y)
  class_indices = np.split(np.argsort(y, kind="mergesort"),
                           np.cumsum(counts)[:-1])
  rng = np.random.RandomState(seed)
  n_i = _approximate_mode(counts, n_train, rng)
  t_i = _approximate_mode(counts - n_i, n_test, rng)
  train, test = [], []
  for i in range(len(classes)):
    perm = class_indices[i].take(rng.permutation(counts[i]), mode="clip")
    train.extend(perm[:n_i[i]])
    test.extend(perm[n_i[i]:n_i[i] + t_i[i]])
  return rng.permutation(train), rng.permutation(test)


class KaggleHeartbeat(download.Builder):
  """Kaggle heartbeat CSVs; see the module docstring."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("mitbih_*.csv", "ptbdb_*.csv")
  CORPUS_NAME = "the Kaggle heartbeat CSVs"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [
      KaggleHeartbeatConfig(name="mitbih", description="MIT-BIH, 5 classes."),
      KaggleHeartbeatConfig(name="ptbdb", task="ptbdb",
                            files=("ptbdb_normal.csv", "ptbdb_abnormal.csv"),
                            description="PTB, MI vs normal, 80/20 split."),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the unzipped folder of kaggle.com/datasets/shayanfazeli/heartbeat "
      "(mitbih_train.csv, mitbih_test.csv, ptbdb_normal.csv, "
      "ptbdb_abnormal.csv)")

  def _info(self) -> tfds.core.DatasetInfo:
    config = self.builder_config
    if config.task not in LABEL_NAMES or len(config.files) != 2:
      raise ValueError(f"KaggleHeartbeatConfig: task={config.task!r}, "
                       f"files={config.files}; expected task 'mitbih' or "
                       "'ptbdb' and two files")
    names = LABEL_NAMES[config.task]
    metadata = tfds.core.MetadataDict(
        sampling_rate_hz=FS, length_samples=LENGTH,
        units="unitless, min-max normalised to [0, 1] per 10 s window",
        layout="(time, leads)",
        lead_names=("MLII",) if config.task == "mitbih" else ("II",),
        label_names=names, patient_disjoint=False, citation=CITATION,
        license=LICENSE)
    return tfds.core.DatasetInfo(
        builder=self, description=__doc__,
        features=tfds.features.FeaturesDict({
            "ecg": tfds.features.Tensor(shape=(LENGTH, 1), dtype=np.float32),
            "label": tfds.features.ClassLabel(names=names),
            "source_file": tfds.features.Text(),
            "row": tfds.features.Scalar(dtype=np.int64),
        }),
        supervised_keys=("ecg", "label"), homepage=HOMEPAGE,
        citation=CITATION, license=LICENSE, metadata=metadata)

  def _split_generators(self, dl_manager):
    config = self.builder_config
    root = self.raw_dir(dl_manager, list(config.files))
    num_labels = len(LABEL_NAMES[config.task])
    tables = []
    for name in config.files:
      beats, labels = read_csv(root / name, num_labels)
      tables.append((np.full(len(labels), name, dtype=object),
                     np.arange(len(labels)), beats, labels))
    if config.task == "mitbih":
      return {split: self._generate_examples(*table)
              for split, table in zip(("train", "test"), tables)}
    source, rows, beats, labels = (np.concatenate(c) for c in zip(*tables))
    train, test = stratified_split(labels, config.test_size, config.seed)
    return {split: self._generate_examples(source[idx], rows[idx], beats[idx],
                                           labels[idx])
            for split, idx in (("train", train), ("test", test))}

  def _generate_examples(self, source, rows, beats, labels):
    for name, row, beat, label in zip(source, rows, beats, labels):
      yield f"{name}:{row}", {"ecg": beat[:, None], "label": label,
                              "source_file": name, "row": row}


# Loading for training: `load(config.data)`; see `cardiojax.datasets`.

SUBSETS = ("mitbih", "ptbdb")
NORMALIZATIONS = ("none", "standard", "minmax")
# Names under which a record's lead II is accepted by `prepare_record`.
ACCEPTED_LEADS = ("MLII", "II")


def load(data_config) -> splits_lib.Splits:
  """The Kaggle heartbeat CSVs of `config.data.subset` as in-memory sources.

  `data_config` fields: subset ('mitbih': AAMI classes N, S, V, F, Q;
  'ptbdb': normal vs abnormal), manual_dir, data_dir, files (the two CSVs
  relative to manual_dir: mitbih train, test; ptbdb normal, abnormal),
  validation_fraction and split_seed (a class-stratified part of the
  builder's train split held out for validation), normalization ('none',
  'standard' or 'minmax'). One beat = (187, 1) at 125 Hz, unitless ([0, 1]
  per 10 s window).
  """
  subset, files = data_config.subset, tuple(data_config.files)
  if subset not in SUBSETS:
    raise ValueError(f"config.data.subset: expected one of {SUBSETS}, got "
                     f"{subset!r}")
  if len(files) != 2:
    raise ValueError(f"config.data.files: expected two CSV names, got {files}")
  if not 0 < data_config.validation_fraction < 1:
    raise ValueError(f"config.data.validation_fraction: expected a fraction in "
                     f"(0, 1), got {data_config.validation_fraction}")
  if data_config.normalization not in NORMALIZATIONS:
    raise ValueError(f"config.data.normalization: expected one of "
                     f"{NORMALIZATIONS}, got {data_config.normalization!r}")
  builder = prepared.prepared_builder(
      KaggleHeartbeat, KaggleHeartbeatConfig(
          name=prepared.config_name(subset, (subset, files)), task=subset,
          files=files, description=f"{subset} from {files}"), data_config)
  tables = {}
  for split in ("train", "test"):
    columns = prepared.read_all(builder, split,
                                ("ecg", "label", "source_file", "row"))
    ids = np.asarray([f"{f.decode()}:{r}" for f, r in
                      zip(columns["source_file"], columns["row"])])
    tables[split] = (columns["ecg"].astype(np.float32),
                     columns["label"].astype(np.int32), ids)
  x, y, ids = tables.pop("train")
  train, validation = stratified_split(y, data_config.validation_fraction,
                                       data_config.split_seed)
  tables["train"] = (x[train], y[train], ids[train])
  tables["validation"] = (x[validation], y[validation], ids[validation])
  normalizer = None
  if data_config.normalization != "none":
    normalizer = transforms.Normalizer.fit(tables["train"][0],
                                           data_config.normalization)
  metadata = builder.info.metadata
  contract = contract_lib.InputContract(
      corpus="kaggle_heartbeat", preparation="kaggle_beats",
      sampling_rate_hz=FS, window_samples=LENGTH,
      lead_names=tuple(metadata["lead_names"]), input_shape=(LENGTH, 1),
      units="mV", input_units=metadata["units"] + (
          "" if normalizer is None else f", then {normalizer.mode}-normalised"),
      normalizer=None if normalizer is None else normalizer.to_dict(),
      window_policy={"kind": "kaggle_beat", "peak_threshold":
                     beats_lib.PEAK_THRESHOLD},
      features={"accepted_leads": ACCEPTED_LEADS}, target_units="class index")
  normalize = _normalizer(contract)
  split_sources = {
      split: sources.ArraySource({
          "inputs": (x if normalize is None else
                     (x - normalize.offset) / normalize.scale).astype(np.float32),
          "targets": y})
      for split, (x, y, _) in tables.items()}
  class_names = LABEL_NAMES[subset]
  info = {
      "class_names": tuple(class_names),
      "groups": {split: table[2].tolist() for split, table in tables.items()},
      "patient_disjoint": False,
      "class_counts": {split: np.bincount(table[1], minlength=len(
          class_names)).tolist() for split, table in tables.items()},
      "prepared_dir": str(builder.data_dir),
  }
  return splits_lib.Splits(split_sources, contract, info,
                           cluster_unit="beat (the CSVs carry no record ids)")


def _normalizer(contract) -> "transforms.Normalizer | None":
  d = contract.normalizer
  return None if d is None else transforms.Normalizer.from_dict(d)


def prepare_record(contract, signal, sampling_rate_hz: float, lead_names, *,
                   usable: np.ndarray | None = None,
                   beat_samples: np.ndarray | None = None
                   ) -> model_inputs.ModelInputs:
  """A (T, C) mV record -> (n, 187, 1) Kaggle-format beats, one per R peak.

  Cuts lead II (or MLII) into beats with Kachuee et al.'s segmentation
  (`cardiojax.signal.beats.kachuee_beats`: 10 s windows, min-max normalised,
  beats from each R peak), then applies the training normalisation of the
  contract. Beats whose span overlaps samples the signal check could not
  repair are dropped and listed.

  Raises:
    ValueError: no lead II, reference beats asked for (Kachuee's
      segmentation finds its own R peaks), or no beat found (needs >= 10 s
      with >= 2 R peaks per 10 s window).
  """
  if beat_samples is not None:
    raise ValueError("beat_samples: Kaggle-format beat models segment beats "
                     "with Kachuee et al.'s R peaks; reference beats are not "
                     "supported")
  signal = np.asarray(signal, np.float32)
  if signal.ndim != 2 or signal.shape[1] != len(lead_names):
    raise ValueError(f"signal: expected (time, {len(lead_names)} leads), got "
                     f"shape {signal.shape}")
  lead = leads_lib.find_lead(lead_names,
                             tuple(contract.features["accepted_leads"]))
  segments, peaks = beats_lib.kachuee_beats(signal[:, lead], sampling_rate_hz)
  to_record = functools.partial(model_inputs.to_record_samples, model_hz=FS,
                                record_hz=sampling_rate_hz,
                                num_samples=len(signal))
  starts, stops = to_record(peaks), to_record(peaks + LENGTH)
  keep = np.ones(len(peaks), bool)
  if usable is not None:
    bad = np.concatenate([[0], np.cumsum(~np.asarray(usable, bool))])
    keep = bad[stops] == bad[starts]
  if not keep.any():
    raise ValueError(f"signal: no beats found in {signal.shape[0]} samples at "
                     f"{sampling_rate_hz} Hz (needs >= 10 s with >= 2 R "
                     f"peaks per 10 s window)")
  report = {
      "samples": int(len(signal)), "sampling_rate_hz": float(sampling_rate_hz),
      "resampled_to_hz": None if sampling_rate_hz == FS else FS,
      "lead_order": [[contract.lead_names[0], str(lead_names[lead])]],
      "beats_from": "cardiojax.signal.beats.kachuee_beats",
      "beats": int(keep.sum()),
      "beats_dropped_unusable": starts[~keep].tolist(),
      "samples_in_beats": int(model_inputs.covered_samples(
          starts[keep], stops[keep], len(signal)).sum()),
  }
  return _beat_inputs(contract, segments[keep], starts[keep], stops[keep],
                      report, beat_samples=starts[keep])


def prepare_beats(contract, segments) -> model_inputs.ModelInputs:
  """(n, 187, 1) Kaggle-format beats (CSV rows) -> their model inputs; the
  span of beat i is row i (starts i, stops i + 1)."""
  segments = np.asarray(segments, np.float32)
  if segments.ndim != 3 or segments.shape[1:] != (LENGTH, 1):
    raise ValueError(f"beats: expected (n, {LENGTH}, 1), got shape "
                     f"{segments.shape}")
  rows = np.arange(len(segments), dtype=np.int64)
  return _beat_inputs(contract, segments[:, :, 0], rows, rows + 1,
                      {"beats": len(segments), "beats_from": "CSV rows"})


def _beat_inputs(contract, segments, starts, stops, report, beat_samples=None):
  normalize = _normalizer(contract)

  def featurize(cut):
    return cut if normalize is None else (cut - normalize.offset) / normalize.scale

  return model_inputs.ModelInputs(
      segments.reshape(-1, 1), np.arange(len(segments)) * LENGTH, LENGTH,
      featurize, starts, stops, "beat", report, beat_samples=beat_samples)
