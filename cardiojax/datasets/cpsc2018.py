"""CPSC 2018 12-lead ECGs (Liu et al. 2018), 9 rhythm/morphology classes.

Input contract: 12 leads in `STANDARD_12` order (I, II, III, aVR, aVL, aVF,
V1-V6), float32 mV, 500 Hz, variable length (6-144 s): `ecg` is (length, 12)
and `length` holds the number of samples; records are kept whole.

Labels: `labels` is a (9,) float32 multi-hot vector over `CLASS_NAMES`
(1 Normal, 2 AF, 3 I-AVB, 4 LBBB, 5 RBBB, 6 PAC, 7 PVC, 8 STD, 9 STE); a
record has up to three.

Two configs read the two published forms of the corpus from `manual_dir`:
- 'original': the challenge's `.mat` files (struct `ECG` with `sex`, `age`,
  `data` 12 x N in mV), anywhere below `manual_dir`, and `REFERENCE.csv`
  (Recording, First_label, Second_label, Third_label) at its root. The records
  are the `.mat` files present; REFERENCE.csv rows without a file are ignored.
- 'cinc': the PhysioNet/CinC Challenge 2020/2021 WFDB form (`.hea` + MATLAB
  v4 `.mat`, header comments `# Age`, `# Sex`, `# Dx: <SNOMED-CT codes>`);
  codes map to the 9 classes through `SNOMED_TO_CLASS` (the CinC scoring's
  equivalent codes included); other codes are dropped.

Splits: seeded multi-label iterative stratification (`splits.py`) of the
records, sorted by id, into 10 folds with seed `FOLD_SEED`; folds 0-7 train,
8 validation, 9 test (a split without records is left out). The folds depend
on the set of records prepared. CPSC 2018 has no patient identifiers: each
record is taken as its own patient.

Features: ecg, length, labels, record_id (text), fold (int32),
age (float32 years, NaN when missing), sex (int32: 0 male, 1 female,
-1 unknown; PTB-XL's coding).

License: the organizers released the training set for research (no licence
file travels with it); its re-release in the PhysioNet/CinC Challenge 2020
data is CC BY 4.0. Cite Liu F. et al., J Med Imaging Health Inform 8(7):
1368-1373 (2018).
"""

import csv
import dataclasses
import math
import pathlib

import numpy as np
import scipy
import tensorflow_datasets as tfds

from cardiojax.input import splits as splits_lib
from cardiojax.datasets import prepared
from cardiojax.datasets import wfdb_io
from cardiojax.input import records as records_lib
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import quality

CLASS_NAMES = ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD",
               "STE")
# SNOMED-CT code -> class; the CinC 2020/2021 scoring treats the codes on one
# class as equivalent (dx_mapping_scored.csv, 'Notes').
SNOMED_TO_CLASS = {
    "426783006": "Normal",  # sinus rhythm (NSR)
    "164889003": "AF",
    "270492004": "I-AVB",  # 1st degree AV block (IAVB)
    "164909002": "LBBB", "733534002": "LBBB",  # LBBB, complete LBBB
    "59118001": "RBBB", "713427006": "RBBB",  # RBBB, complete RBBB
    "284470004": "PAC", "63593006": "PAC",  # PAC, supraventricular premature
    "164884008": "PVC", "427172004": "PVC", "17338001": "PVC",  # VEB, PVC, VPB
    "429622005": "STD",  # ST depression
    "164931005": "STE",  # ST elevation
}
SAMPLING_RATE_HZ = 500
MAX_LABELS = 3  # labels per record in REFERENCE.csv
# The shortest CPSC 2018 record (6 s, Liu et al. 2018): training pads records
# this short, so predict pads them too rather than refusing them.
MIN_RECORD_S = 6.0
NUM_FOLDS = 10
FOLD_SEED = 0
FOLDS_BY_SPLIT = {"train": tuple(range(8)), "validation": (8,), "test": (9,)}
CITATION = """@article{liu2018cpsc,
  title={An Open Access Database for Evaluating the Algorithms of
         Electrocardiogram Rhythm and Morphology Abnormality Detection},
  author={Liu, Feifei and Liu, Chengyu and Zhao, Lina and Zhang, Xiangyu and
          Wu, Xiaoling and Xu, Xiaoyan and Liu, Yulin and Ma, Caiyun and
          Wei, Shoushui and He, Zhiqiang and Li, Jianqing and
          Kwee, Eddie Ng Yin},
  journal={Journal of Medical Imaging and Health Informatics},
  volume={8}, number={7}, pages={1368--1373}, year={2018}}"""
LICENSE = ("research use (organizers' release); CC BY 4.0 as part of the "
           "PhysioNet/CinC Challenge 2020 data")
_SEX = {"male": 0, "female": 1}


def multi_hot(classes) -> np.ndarray:
  """(9,) float32 multi-hot over `CLASS_NAMES` from class names."""
  classes = set(classes)
  return np.array([n in classes for n in CLASS_NAMES], np.float32)


def read_reference(path: pathlib.Path | str) -> dict[str, np.ndarray]:
  """Reads REFERENCE.csv: record id -> (3,) int32 classes 0..8 (indices of
  `CLASS_NAMES`), the primary label first, padded with -1."""
  path = pathlib.Path(path)
  lists = {}
  with open(path, newline="") as f:
    for line, row in enumerate(csv.reader(f), start=1):
      if line == 1 or not row:
        continue
      codes = [c.strip() for c in row[1:] if c.strip()]
      if not codes or len(codes) > MAX_LABELS or any(
          c not in {str(i) for i in range(1, 10)} for c in codes):
        raise ValueError(f"{path}: line {line}: labels {row[1:]}; expected "
                         f"1 to {MAX_LABELS} codes in 1..9")
      padded = np.full(MAX_LABELS, -1, np.int32)
      padded[:len(codes)] = [int(c) - 1 for c in codes]
      lists[row[0].strip()] = padded
  return lists


def lists_to_multi_hot(lists: np.ndarray) -> np.ndarray:
  """(..., 3) padded class lists -> (..., 9) float32 multi-hot."""
  lists = np.asarray(lists)
  return (lists[..., None] == np.arange(len(CLASS_NAMES))).any(axis=-2).astype(
      np.float32)


def _sex(value, where: str) -> int:
  text = str(value).strip().lower()
  if text in _SEX:
    return _SEX[text]
  if text in ("", "unknown", "nan"):
    return -1
  raise ValueError(f"{where}: sex {value!r}; expected Male, Female or "
                   "Unknown")


def _age(value, where: str) -> float:
  text = str(value).strip()
  if text.lower() in ("", "unknown", "nan"):
    return math.nan
  try:
    return float(text)
  except ValueError:
    raise ValueError(f"{where}: age {value!r}; expected a number") from None


def read_cpsc_mat(path: pathlib.Path | str) -> tuple[np.ndarray, dict]:
  """Reads one original CPSC 2018 `.mat` file.

  Returns:
    signal: (time, 12) float32 mV in `STANDARD_12` order at 500 Hz.
    meta: {'age': float years (NaN if missing), 'sex': 0 male, 1 female,
      -1 unknown}.
  """
  path = pathlib.Path(path)
  try:
    mat = scipy.io.loadmat(path)
  except Exception as e:  # scipy raises several types on corrupt files.
    raise ValueError(f"{path}: unreadable MATLAB file ({e})") from e
  if "ECG" not in mat:
    raise ValueError(f"{path}: no variable 'ECG'; expected a struct ECG with "
                     "fields sex, age, data")
  ecg = mat["ECG"]
  fields = ecg.dtype.names or ()
  for field in ("sex", "age", "data"):
    if field not in fields:
      raise ValueError(f"{path}: struct ECG has fields {fields}; expected "
                       f"field {field!r} (sex, age, data)")
  ecg = ecg[0, 0]
  data = np.asarray(ecg["data"])
  if data.ndim != 2 or data.shape[0] != 12 or not np.issubdtype(
      data.dtype, np.number):
    raise ValueError(f"{path}: ECG.data has shape {data.shape} and dtype "
                     f"{data.dtype}; expected numeric (12, N) in mV")
  age = np.asarray(ecg["age"]).ravel()
  sex = np.asarray(ecg["sex"]).ravel()
  meta = {"age": _age(age[0] if age.size else "", f"{path}: ECG.age"),
          "sex": _sex(sex[0] if sex.size else "", f"{path}: ECG.sex")}
  return data.T.astype(np.float32), meta


def read_cinc_header(path: pathlib.Path | str) -> dict:
  """Reads and checks the header of a PhysioNet/CinC record (no extension).

  Returns:
    {'age', 'sex' (as `read_cpsc_mat`), 'dx_codes': tuple of SNOMED-CT code
    strings, 'labels': (9,) float32 multi-hot of the mapped codes}.
  """
  hea = f"{path}.hea"
  header = wfdb_io.read_header(path)
  if header.n_sig != 12 or len(header.sig_name or ()) != 12:
    raise ValueError(f"{hea}: declares {header.n_sig} signals and describes "
                     f"{len(header.sig_name or ())}; expected 12")
  names = tuple(n.lower() for n in header.sig_name)
  if names != tuple(n.lower() for n in leads_lib.STANDARD_12):
    raise ValueError(f"{hea}: leads {header.sig_name}; expected "
                     f"{leads_lib.STANDARD_12}")
  if header.fs != SAMPLING_RATE_HZ:
    raise ValueError(f"{hea}: fs={header.fs}; expected {SAMPLING_RATE_HZ}")
  fields = wfdb_io.header_fields(tuple(header.comments or ()))
  if "dx" not in fields:
    raise ValueError(f"{hea}: no '# Dx:' comment; expected SNOMED-CT codes")
  codes = tuple(c.strip() for c in fields["dx"].split(",") if c.strip())
  return {"age": _age(fields.get("age", ""), f"{hea}: # Age"),
          "sex": _sex(fields.get("sex", ""), f"{hea}: # Sex"),
          "dx_codes": codes,
          "labels": multi_hot(SNOMED_TO_CLASS[c] for c in codes
                              if c in SNOMED_TO_CLASS)}


def read_cinc_record(path: pathlib.Path | str) -> tuple[np.ndarray, dict]:
  """Reads one PhysioNet/CinC 2020/2021 WFDB record (path without extension).

  Returns:
    signal: (time, 12) float32 mV in `STANDARD_12` order at 500 Hz.
    meta: as `read_cinc_header`.
  """
  meta = read_cinc_header(path)
  return wfdb_io.read_record(path).signal, meta


@dataclasses.dataclass
class Cpsc2018Config(tfds.core.BuilderConfig):
  """Config: the form of the files in manual_dir ('original' or 'cinc')."""

  source_format: str = "original"


class Cpsc2018(tfds.core.GeneratorBasedBuilder):
  """CPSC 2018; see the module docstring for the input contract."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("REFERENCE.csv", "A*.hea")
  CORPUS_NAME = "CPSC 2018"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [
      Cpsc2018Config(name="original", source_format="original",
                     description="challenge .mat files + REFERENCE.csv"),
      Cpsc2018Config(name="cinc", source_format="cinc",
                     description="PhysioNet/CinC 2020/2021 WFDB form"),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the CPSC 2018 training set from http://2018.icbeb.org/Challenge.html "
      "(the .mat files in any sub-folders and REFERENCE.csv at the top), or "
      "with --config.data.builder_config=cinc its PhysioNet/CinC 2020-21 "
      "form (A*.hea/.mat records)")

  def _info(self) -> tfds.core.DatasetInfo:
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=tfds.features.FeaturesDict({
            "ecg": tfds.features.Tensor(shape=(None, 12), dtype=np.float32),
            "length": tfds.features.Scalar(dtype=np.int32),
            "labels": tfds.features.Tensor(shape=(len(CLASS_NAMES),),
                                           dtype=np.float32),
            "record_id": tfds.features.Text(),
            "fold": tfds.features.Scalar(dtype=np.int32),
            "age": tfds.features.Scalar(dtype=np.float32),
            "sex": tfds.features.Scalar(dtype=np.int32),
        }),
        homepage="http://2018.icbeb.org/Challenge.html",
        citation=CITATION,
        license=LICENSE,
        metadata=tfds.core.MetadataDict(
            sampling_rate_hz=SAMPLING_RATE_HZ, length=None, units="mV",
            lead_names=list(leads_lib.STANDARD_12),
            label_names=list(CLASS_NAMES), license=LICENSE,
            num_folds=NUM_FOLDS, fold_seed=FOLD_SEED,
            folds_by_split={k: list(v) for k, v in FOLDS_BY_SPLIT.items()}))

  def _split_generators(self, dl_manager):
    root = pathlib.Path(dl_manager.manual_dir)
    if self.builder_config.source_format == "original":
      records = self._original_records(root)
    else:
      records = self._cinc_records(root)
    if not records:
      raise FileNotFoundError(f"{root}: no records found; expected "
                              f"{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
    ids = sorted(records)
    labels = np.stack([records[i][1] for i in ids])
    folds = splits_lib.stratified_kfold_multilabel(labels, NUM_FOLDS,
                                                   FOLD_SEED)
    self.info.metadata["num_records"] = len(ids)
    indices = splits_lib.split_by_fold(folds, FOLDS_BY_SPLIT)
    return {name: self._generate_examples(
        [(ids[i], *records[ids[i]], int(folds[i])) for i in idx])
            for name, idx in indices.items() if len(idx)}

  def _original_records(self, root):
    """record id -> (path, labels) from .mat files and REFERENCE.csv."""
    reference = read_reference(root / "REFERENCE.csv")
    records = {}
    for path in sorted(root.rglob("*.mat")):
      if path.stem not in reference:
        raise ValueError(f"{path}: record {path.stem} is not in "
                         f"{root / 'REFERENCE.csv'}")
      if path.stem in records:
        raise ValueError(f"{path}: record {path.stem} also at "
                         f"{records[path.stem][0]}")
      records[path.stem] = (path, lists_to_multi_hot(reference[path.stem]))
    return records

  def _cinc_records(self, root):
    """record id -> (path without extension, labels) from WFDB headers."""
    records = {}
    for hea in sorted(root.rglob("*.hea")):
      path = hea.with_suffix("")
      records[hea.stem] = (path, read_cinc_header(path)["labels"])
    return records

  def _generate_examples(self, records):
    original = self.builder_config.source_format == "original"
    for record_id, path, labels, fold in records:
      signal, meta = (read_cpsc_mat if original else read_cinc_record)(path)
      signal = quality.repaired_for_training(signal, SAMPLING_RATE_HZ,
                                             leads_lib.STANDARD_12, str(path))
      yield record_id, {
          "ecg": signal,
          "length": len(signal),
          "labels": labels,
          "record_id": record_id,
          "fold": fold,
          "age": meta["age"],
          "sex": meta["sex"],
      }


# Loading for training: `load(config.data)`; see `cardiojax.datasets`.


def load(data_config) -> splits_lib.Splits:
  """CPSC 2018, 9 labels; records of variable length.

  Targets: (9,) float32 multi-hot over `CLASS_NAMES`, or with
  `config.data.label_lists` (3,) int32 classes with the primary first,
  padded with -1 (read from `manual_dir`/REFERENCE.csv, builder config
  'original' only; the official CPSC score needs them). CPSC 2018 has no
  patient ids: each record is its own patient (the bootstrap unit). Records
  are scored whole (`records.WindowedRecordSource`), however long.
  """
  builder = prepared.prepared_builder(Cpsc2018, data_config.builder_config,
                                      data_config)
  data_sources, refs, fields = prepared.read_fields(
      builder, ("fold", "record_id", "labels", "length"))
  record_ids = np.asarray([r.decode() if isinstance(r, bytes) else str(r)
                           for r in fields["record_id"]])
  targets = fields["labels"].astype(np.float32)
  if data_config.label_lists:
    targets = _label_lists(data_config, record_ids, targets)
  return records_lib.build_record_splits(
      data_config, corpus="cpsc2018", data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"], folds=fields["fold"],
      patients=record_ids, targets=targets, zero_missing=False,
      target_units="class lists" if data_config.label_lists else "multi-hot",
      info={"class_names": CLASS_NAMES}, min_record_s=MIN_RECORD_S,
      lengths=fields["length"], cluster_unit="record")


def _label_lists(data_config, record_ids, multi_hot_targets):
  if data_config.builder_config != "original" or not data_config.manual_dir:
    raise ValueError(
        "config.data.label_lists: needs builder_config 'original' and "
        "manual_dir holding REFERENCE.csv (the primary label comes first "
        f"there), got {data_config.builder_config!r} and "
        f"{data_config.manual_dir!r}")
  path = pathlib.Path(data_config.manual_dir) / "REFERENCE.csv"
  lists = read_reference(path)
  out = np.stack([lists[r] for r in record_ids])
  if not np.array_equal(lists_to_multi_hot(out), multi_hot_targets > 0):
    raise ValueError(f"{path}: labels disagree with the prepared data in "
                     f"{data_config.data_dir}; prepare it again")
  return out


prepare_record = records_lib.prepare_record
