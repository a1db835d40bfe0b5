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
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import download

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


def read_csv(path: pathlib.Path, num_labels: int) -> tuple[np.ndarray,
                                                           np.ndarray]:
  """Reads a heartbeat CSV: ((rows, 187) float32 beats, (rows,) int64 labels).

  Raises:
    ValueError: naming the file and line, for a row without 188 values, a
      value that is not a number, or a label outside 0..num_labels-1.
  """
  if not path.is_file():
    raise FileNotFoundError(f"{path}: file not found")
  rows = []
  with path.open() as f:
    for line_no, line in enumerate(f, 1):
      values = line.strip().split(",")
      if len(values) != LENGTH + 1:
        raise ValueError(f"{path}: line {line_no}: expected {LENGTH + 1} "
                         f"comma-separated values (187 samples + label), "
                         f"got {len(values)}")
      try:
        rows.append(np.asarray(values, dtype=np.float64))
      except ValueError as e:
        raise ValueError(f"{path}: line {line_no}: {e}") from e
  data = np.stack(rows)
  labels = data[:, LENGTH]
  bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) |
                       (labels >= num_labels))
  if bad.size:
    raise ValueError(f"{path}: line {bad[0] + 1}: label {labels[bad[0]]}; "
                     f"expected an integer in 0..{num_labels - 1}")
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

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [
      KaggleHeartbeatConfig(name="mitbih", description="MIT-BIH, 5 classes."),
      KaggleHeartbeatConfig(name="ptbdb", task="ptbdb",
                            files=("ptbdb_normal.csv", "ptbdb_abnormal.csv"),
                            description="PTB, MI vs normal, 80/20 split."),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "Put mitbih_train.csv, mitbih_test.csv, ptbdb_normal.csv and "
      "ptbdb_abnormal.csv from kaggle.com/datasets/shayanfazeli/heartbeat in "
      "manual_dir.")

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
