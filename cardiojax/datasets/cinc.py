"""12-lead ECGs in the PhysioNet/CinC Challenge 2020-2021 form, any database.

Source: the PhysioNet/Computing in Cardiology Challenge 2020 (Perez Alday et
al., Physiol Meas 41:124003, 2020) and 2021 (Reyna et al., CinC 48, 2021):
CPSC2018, CPSC-extra, INCART (257 Hz), PTB (1000 Hz), PTB-XL, Georgia,
Chapman-Shaoxing, Ningbo (500 Hz) as WFDB records `<id>.hea` (comments
`# Age: 59`, `# Sex: Female`, `# Dx: <SNOMED-CT codes>`) + MATLAB v4 `.mat`
or `.dat`, in any folder tree below `manual_dir`.

Input contract: `ecg` is (num_samples, 12) float32 mV in `STANDARD_12` order
(lead names in any case and order) at `sampling_rate_hz`, resampled from the
header's rate, then cropped from the start or zero-padded at the end;
`original_fs`, `original_num_samples` and `num_padded` say what was done.

Labels: `labels` is multi-hot float32 over the scored classes of the
challenge's label tables (`read_label_map`), equivalent codes merged (e.g.
'CLBBB|LBBB'); all codes are kept in `dx_codes`. `fold` is a hash of
split_seed and record_id (independent of the other records); the one 'train'
split holds every record, and `fold_splits` makes splits from folds and
held-out `source_database`s.

License: CC BY 4.0 (records); BSD 2-Clause (label tables).
"""

import csv
import dataclasses
import hashlib
import math
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import prepared
from cardiojax.datasets import wfdb_io
from cardiojax.input import records as records_lib
from cardiojax.input import splits as splits_lib
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import windows
from cardiojax.signal.resample import resample

_LOWER_12 = tuple(n.lower() for n in leads_lib.STANDARD_12)
_UNKNOWN = ("", "unknown", "nan")
_SEX = {"male": 0, "m": 0, "female": 1, "f": 1, **dict.fromkeys(_UNKNOWN, -1)}
CITATION = """@article{perezalday2020cinc,
  title={Classification of 12-lead {ECGs}: the {PhysioNet/Computing} in
         {Cardiology} {Challenge} 2020},
  author={Perez Alday, Erick A. and others},
  journal={Physiological Measurement}, volume={41}, number={12},
  pages={124003}, year={2020}}"""
LICENSE = "CC BY 4.0 (records); BSD 2-Clause (label tables)"


@dataclasses.dataclass(frozen=True)
class LabelMap:
  """The scored classes: names (e.g. 'CLBBB|LBBB') and SNOMED code -> index."""
  names: tuple[str, ...]
  code_to_index: dict[str, int]

  def multi_hot(self, codes) -> np.ndarray:
    """(len(names),) float32 multi-hot of `codes`; unscored codes ignored."""
    out = np.zeros(len(self.names), np.float32)
    out[[self.code_to_index[c] for c in codes if c in self.code_to_index]] = 1
    return out


def read_label_map(folder: pathlib.Path | str) -> LabelMap:
  """Reads the scored classes from the challenge's label tables in `folder`.

  Classes, with their equivalent codes, are the columns of weights.csv
  ('733534002|164909002'); names join the codes' abbreviations in
  dx_mapping_scored.csv ('CLBBB|LBBB'), as weights_abbreviations.csv does.
  """
  scored = pathlib.Path(folder) / "dx_mapping_scored.csv"
  weights = pathlib.Path(folder) / "weights.csv"
  with open(scored, newline="") as f:
    rows = list(csv.DictReader(f))
  if not rows or not {"SNOMEDCTCode", "Abbreviation"} <= rows[0].keys():
    raise ValueError(f"{scored}: expected columns SNOMEDCTCode, Abbreviation")
  abbreviation = {r["SNOMEDCTCode"]: r["Abbreviation"] for r in rows}
  with open(weights, newline="") as f:
    classes = [c.split("|") for c in next(csv.reader(f))[1:]]
  codes = [c for group in classes for c in group]
  if sorted(codes) != sorted(abbreviation):
    raise ValueError(f"{weights}: codes disagree with {scored}: "
                     f"{sorted(set(codes) ^ set(abbreviation))}")
  return LabelMap(tuple("|".join(abbreviation[c] for c in g) for g in classes),
                  {c: i for i, g in enumerate(classes) for c in g})


def _sex(value: str, where: str) -> int:
  if value.lower() not in _SEX:
    raise ValueError(f"{where}: field Sex {value!r}; expected Male, Female "
                     "or Unknown")
  return _SEX[value.lower()]


def _age(value: str, where: str) -> float:
  try:
    return math.nan if value.lower() in _UNKNOWN else float(value)
  except ValueError:
    raise ValueError(f"{where}: field Age {value!r}; expected a number or "
                     "Unknown") from None


def read_header(path: pathlib.Path | str) -> dict:
  """Reads and checks a record's header (path without extension).

  Returns:
    {'age': float years (NaN if unknown), 'sex': 0 male, 1 female,
    -1 unknown, 'dx_codes': tuple of SNOMED-CT code strings, 'fs': Hz,
    'lead_names': tuple as in the header, 'num_samples': int at 'fs'}.
  """
  hea = f"{path}.hea"
  header = wfdb_io.read_header(path)
  names = tuple(header.sig_name or ())
  lower = [n.strip().lower() for n in names]
  missing = [s for s, l in zip(leads_lib.STANDARD_12, _LOWER_12)
             if lower.count(l) != 1]
  if missing or len(names) != 12:
    raise ValueError(f"{hea}: field leads {names}: missing or repeated "
                     f"{missing}; expected the 12 standard leads once each "
                     "(any case and order)")
  fields = wfdb_io.header_fields(tuple(header.comments or ()))
  if "dx" not in fields:
    raise ValueError(f"{hea}: field Dx missing; expected a '# Dx:' comment "
                     "with SNOMED-CT codes")
  codes = tuple(c.strip() for c in fields["dx"].split(","))
  if not all(c.isdigit() for c in codes):
    raise ValueError(f"{hea}: field Dx {fields['dx']!r}; expected "
                     "comma-separated SNOMED-CT codes")
  return {"age": _age(fields.get("age", ""), hea),
          "sex": _sex(fields.get("sex", ""), hea),
          "dx_codes": codes, "fs": float(header.fs), "lead_names": names,
          "num_samples": int(header.sig_len)}


def read_record(path: pathlib.Path | str,
                target_fs: float) -> tuple[np.ndarray, dict]:
  """Reads a record (path without extension) as (T, 12) float32 mV.

  Returns:
    signal: (ceil(num_samples * target_fs / fs), 12) float32 mV in
      `STANDARD_12` order at `target_fs` Hz.
    meta: as `read_header`.
  """
  meta = read_header(path)
  lower = [n.strip().lower() for n in meta["lead_names"]]
  signal = wfdb_io.read_record(path).signal[:, [lower.index(l)
                                                for l in _LOWER_12]]
  bad = [leads_lib.STANDARD_12[i] for i in np.flatnonzero(
      np.isnan(signal).any(0))]
  if bad:
    raise ValueError(f"{path}: invalid (NaN) samples in leads {bad}")
  return resample(signal, meta["fs"], target_fs), meta


def record_fold(record_id: str, num_folds: int, seed: int) -> int:
  """Fold in [0, num_folds) of a record: a hash of seed and record_id."""
  digest = hashlib.sha256(f"{seed}/{record_id}".encode()).digest()
  return int.from_bytes(digest[:8], "big") % num_folds


def fold_splits(folds, source_databases, *, train_folds, validation_folds,
                test_folds, test_databases=()) -> dict[str, np.ndarray]:
  """Split indices: `test_databases` wholly in test, the rest by fold.

  Args:
    folds: (N,) fold of each record.
    source_databases: (N,) source database of each record.
    train_folds, validation_folds, test_folds: the folds of each split.
    test_databases: databases held out whole in the test split.

  Returns:
    {'train', 'validation', 'test'} -> sorted (n,) int64 indices; a record is
    in at most one split.
  """
  folds, databases = np.asarray(folds), np.asarray(source_databases)
  unknown = sorted(set(test_databases) - set(databases.tolist()))
  if unknown:
    raise ValueError(f"test_databases: {unknown} not among the source "
                     f"databases {sorted(set(databases.tolist()))}")
  held_out = np.isin(databases, list(test_databases))
  wanted = {"train": train_folds, "validation": validation_folds,
            "test": test_folds}
  out = {name: np.flatnonzero(np.isin(folds, list(f)) & ~held_out)
         for name, f in wanted.items()}
  out["test"] = np.union1d(out["test"], np.flatnonzero(held_out))
  splits_lib.assert_disjoint(out)
  return out


@dataclasses.dataclass
class CincConfig(tfds.core.BuilderConfig):
  """Config: output rate (Hz) and length (samples), label tables, folds."""
  sampling_rate_hz: int = 500
  num_samples: int = 5000
  label_map_dir: str = ""
  num_folds: int = 10
  split_seed: int = 0


class Cinc(tfds.core.GeneratorBasedBuilder):
  """PhysioNet/CinC 2020-2021 records; see the module docstring."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("**/*.hea",)
  CORPUS_NAME = "the PhysioNet/CinC records"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "a folder of the PhysioNet/CinC 2020-21 challenge databases from "
      "https://physionet.org/content/challenge-2021/ (.hea + .mat/.dat "
      "records, one sub-folder per database, any depth), with "
      "--config.data.label_map_dir naming the folder of dx_mapping_scored.csv"
      " and weights.csv")

  def _info(self) -> tfds.core.DatasetInfo:
    config = self.builder_config
    if not isinstance(config, CincConfig) or not config.label_map_dir:
      raise ValueError("--config.data.label_map_dir is not set; pass the "
                       "folder of the challenge's label tables "
                       "(dx_mapping_scored.csv and weights.csv)")
    label_map = read_label_map(config.label_map_dir)
    scalar = tfds.features.Scalar
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=tfds.features.FeaturesDict({
            "ecg": tfds.features.Tensor(shape=(config.num_samples, 12),
                                        dtype=np.float32),
            "labels": tfds.features.Tensor(shape=(len(label_map.names),),
                                           dtype=np.float32),
            "dx_codes": tfds.features.Text(),
            "age": scalar(dtype=np.float32),
            "sex": scalar(dtype=np.int32),
            "record_id": tfds.features.Text(),
            "source_database": tfds.features.Text(),
            "fold": scalar(dtype=np.int32),
            "original_fs": scalar(dtype=np.float32),
            "original_num_samples": scalar(dtype=np.int32),
            "num_padded": scalar(dtype=np.int32),
        }),
        homepage="https://physionetchallenges.org/2021/",
        citation=CITATION,
        license=LICENSE,
        metadata=tfds.core.MetadataDict(
            sampling_rate_hz=config.sampling_rate_hz,
            num_samples=config.num_samples, units="mV",
            lead_names=list(leads_lib.STANDARD_12),
            label_names=list(label_map.names), num_folds=config.num_folds,
            split_seed=config.split_seed, license=LICENSE))

  def _split_generators(self, dl_manager):
    root = pathlib.Path(dl_manager.manual_dir)
    records = {}
    for hea in sorted(root.rglob("*.hea")):
      if hea.stem in records:
        raise ValueError(f"{hea}: record id {hea.stem} also at "
                         f"{records[hea.stem]}.hea")
      records[hea.stem] = hea.with_suffix("")
    if not records:
      raise FileNotFoundError(f"{root}: no .hea records found; expected "
                              f"{self.MANUAL_DOWNLOAD_INSTRUCTIONS}")
    self.info.metadata["num_records"] = len(records)
    return {"train": self._generate_examples(root, records)}

  def _generate_examples(self, root, records):
    config = self.builder_config
    label_map = read_label_map(config.label_map_dir)
    for record_id, path in records.items():
      signal, meta = read_record(path, config.sampling_rate_hz)
      parts = path.relative_to(root).parts
      yield record_id, {
          "ecg": windows.crop_or_pad(signal, config.num_samples,
                                     align="start"),
          "labels": label_map.multi_hot(meta["dx_codes"]),
          "dx_codes": ",".join(meta["dx_codes"]),
          "age": meta["age"],
          "sex": meta["sex"],
          "record_id": record_id,
          "source_database": parts[0] if len(parts) > 1 else root.name,
          "fold": record_fold(record_id, config.num_folds, config.split_seed),
          "original_fs": meta["fs"],
          "original_num_samples": meta["num_samples"],
          "num_padded": max(0, config.num_samples - len(signal)),
      }


# Loading for training: `load(config.data)`; see `cardiojax.datasets`.


def load(data_config) -> splits_lib.Splits:
  """CinC-form records: multi-label classification over the scored classes.

  `data_config` fields: manual_dir (any tree of databases), data_dir,
  label_map_dir (the challenge's label tables), record_samples (records are
  stored at `sampling_rate_hz`, cropped or padded to this many samples),
  num_folds, split_seed, train_folds, validation_folds, test_folds,
  test_databases (source databases held out whole in test), and the common
  12-lead fields of `cardiojax.input.records.build_record_splits`. Targets:
  (K,) float32 multi-hot over the label map's classes. The challenge data has
  no patient ids: each record is its own patient (the bootstrap unit).
  """
  builder_config = CincConfig(
      name=prepared.config_name("cinc", (
          data_config.sampling_rate_hz, data_config.record_samples,
          data_config.label_map_dir, data_config.num_folds,
          data_config.split_seed)),
      sampling_rate_hz=data_config.sampling_rate_hz,
      num_samples=data_config.record_samples,
      label_map_dir=data_config.label_map_dir,
      num_folds=data_config.num_folds, split_seed=data_config.split_seed,
      description="PhysioNet/CinC 2020-2021 records")
  builder = prepared.prepared_builder(Cinc, builder_config, data_config)
  data_sources, refs, fields = prepared.read_fields(
      builder, ("fold", "record_id", "source_database", "labels"))
  databases = np.asarray([d.decode() for d in fields["source_database"]])
  record_ids = np.asarray([r.decode() for r in fields["record_id"]])
  indices = fold_splits(
      fields["fold"], databases, train_folds=tuple(data_config.train_folds),
      validation_folds=tuple(data_config.validation_folds),
      test_folds=tuple(data_config.test_folds),
      test_databases=tuple(data_config.test_databases))
  for split in ("train", "validation"):
    if not len(indices[split]):
      raise ValueError(f"config.data.{split}_folds: no record of "
                       f"{builder.data_dir} is in this split; expected folds "
                       f"among {sorted(set(fields['fold'].tolist()))}")
  indices = {split: index for split, index in indices.items() if len(index)}
  return records_lib.build_record_splits(
      data_config, corpus="cinc", data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"], folds=fields["fold"],
      patients=record_ids, targets=fields["labels"].astype(np.float32),
      zero_missing=False, target_units="multi-hot", indices=indices,
      info={"class_names": tuple(builder.info.metadata["label_names"]),
            "source_database": {split: sorted(set(databases[i].tolist()))
                                for split, i in indices.items()}},
      lengths=np.full(len(refs), data_config.record_samples),
      cluster_unit="record")


prepare_record = records_lib.prepare_record
