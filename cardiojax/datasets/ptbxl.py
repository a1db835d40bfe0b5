"""PTB-XL 12-lead ECGs (Wagner et al. 2020) with the benchmark's label sets.

Input contract: 12 leads in `STANDARD_12` order (I, II, III, aVR, aVL, aVF,
V1-V6), float32 mV, 10 s: `ecg` is (1000, 12) at 100 Hz (config '100hz') or
(5000, 12) at 500 Hz (config '500hz').

Labels: every record stores a multi-hot float32 vector for each label set of
the PTB-XL benchmark (Strodthoff et al. 2020, `helme/ecg_ptbxl_benchmarking`
`compute_label_aggregations`), aggregated from `scp_codes` and
`scp_statements.csv` as the benchmark does (every statement counts,
whatever its likelihood):
- all (71): every SCP statement;
- diagnostic (44): statements with diagnostic == 1;
- subdiagnostic (23): their `diagnostic_subclass`;
- superdiagnostic (5): their `diagnostic_class` (CD, HYP, MI, NORM, STTC);
- form (19) and rhythm (12): statements with form == 1 / rhythm == 1.
Class order is sorted by name, as the benchmark's MultiLabelBinarizer does
(`LABEL_NAMES`). The benchmark drops, per task, records without a label in the
task's set (their vector is all zeros here); that is the input pipeline's job.

Splits follow `strat_fold`: folds 1-8 train, 9 validation, 10 test. PTB-XL
built the folds so that a patient's records share one fold. A split without
records (a subset of the folds) is left out.

Features: ecg, the six label vectors (keys = label set names), ecg_id,
patient_id, strat_fold (int32), age (float32 years; NaN when missing; PTB-XL
codes ages above 89 as 300), sex (int32: 0 male, 1 female, as in PTB-XL).

Prepare: `cardiojax prepare ptbxl --manual_dir=DIR` with the PhysioNet PTB-XL
folder (ptbxl_database.csv, scp_statements.csv, records100/, records500/), or
`--download` (the official files, `DOWNLOAD_URL`). A record file
missing from `manual_dir` is an error unless the builder is made with
`skip_missing_records=True`, which prepares only the rows whose record files
exist (e.g. a subset) and stores their count in `info.metadata`.

License: CC BY 4.0. Cite Wagner et al., Sci Data 7:154 (2020), and
PhysioNet doi:10.13026/kfzx-aw45.
"""

import ast
import csv
import dataclasses
import math
import pathlib

from absl import logging
import numpy as np
import tensorflow_datasets as tfds

from cardiojax.input import splits as splits_lib
from cardiojax.datasets import download
from cardiojax.datasets import prepared
from cardiojax.datasets import wfdb_io
from cardiojax.input import records
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import quality

LABEL_NAMES = {
    "all": (
        "1AVB", "2AVB", "3AVB", "ABQRS", "AFIB", "AFLT", "ALMI", "AMI",
        "ANEUR", "ASMI", "BIGU", "CLBBB", "CRBBB", "DIG", "EL", "HVOLT",
        "ILBBB", "ILMI", "IMI", "INJAL", "INJAS", "INJIL", "INJIN", "INJLA",
        "INVT", "IPLMI", "IPMI", "IRBBB", "ISCAL", "ISCAN", "ISCAS", "ISCIL",
        "ISCIN", "ISCLA", "ISC_", "IVCD", "LAFB", "LAO/LAE", "LMI", "LNGQT",
        "LOWT", "LPFB", "LPR", "LVH", "LVOLT", "NDT", "NORM", "NST_", "NT_",
        "PAC", "PACE", "PMI", "PRC(S)", "PSVT", "PVC", "QWAVE", "RAO/RAE",
        "RVH", "SARRH", "SBRAD", "SEHYP", "SR", "STACH", "STD_", "STE_",
        "SVARR", "SVTAC", "TAB_", "TRIGU", "VCLVH", "WPW"),
    "diagnostic": (
        "1AVB", "2AVB", "3AVB", "ALMI", "AMI", "ANEUR", "ASMI", "CLBBB",
        "CRBBB", "DIG", "EL", "ILBBB", "ILMI", "IMI", "INJAL", "INJAS",
        "INJIL", "INJIN", "INJLA", "IPLMI", "IPMI", "IRBBB", "ISCAL", "ISCAN",
        "ISCAS", "ISCIL", "ISCIN", "ISCLA", "ISC_", "IVCD", "LAFB", "LAO/LAE",
        "LMI", "LNGQT", "LPFB", "LVH", "NDT", "NORM", "NST_", "PMI",
        "RAO/RAE", "RVH", "SEHYP", "WPW"),
    "subdiagnostic": (
        "AMI", "CLBBB", "CRBBB", "ILBBB", "IMI", "IRBBB", "ISCA", "ISCI",
        "ISC_", "IVCD", "LAFB/LPFB", "LAO/LAE", "LMI", "LVH", "NORM", "NST_",
        "PMI", "RAO/RAE", "RVH", "SEHYP", "STTC", "WPW", "_AVB"),
    "superdiagnostic": ("CD", "HYP", "MI", "NORM", "STTC"),
    "form": (
        "ABQRS", "DIG", "HVOLT", "INVT", "LNGQT", "LOWT", "LPR", "LVOLT",
        "NDT", "NST_", "NT_", "PAC", "PRC(S)", "PVC", "QWAVE", "STD_", "STE_",
        "TAB_", "VCLVH"),
    "rhythm": (
        "AFIB", "AFLT", "BIGU", "PACE", "PSVT", "SARRH", "SBRAD", "SR",
        "STACH", "SVARR", "SVTAC", "TRIGU"),
}
FOLDS_BY_SPLIT = {"train": tuple(range(1, 9)), "validation": (9,),
                  "test": (10,)}
DURATION_S = 10
CITATION = """@article{wagner2020ptbxl,
  title={{PTB-XL}, a large publicly available electrocardiography dataset},
  author={Wagner, Patrick and Strodthoff, Nils and Bousseljot, Ralf-Dieter and
          Kreiseler, Dieter and Lunze, Fatima I. and Samek, Wojciech and
          Schaeffter, Tobias},
  journal={Scientific Data}, volume={7}, pages={154}, year={2020}}"""
LICENSE = "CC BY 4.0"


def aggregation_table(path: pathlib.Path | str) -> dict[str, dict[str, str]]:
  """Reads scp_statements.csv into statement -> its row (column -> text).

  Checks that the label sets it defines equal `LABEL_NAMES`.
  """
  path = pathlib.Path(path)
  with open(path, newline="") as f:
    rows = list(csv.DictReader(f))
  for column in ("", "diagnostic", "form", "rhythm", "diagnostic_class",
                 "diagnostic_subclass"):
    if rows and column not in rows[0]:
      raise ValueError(f"{path}: missing column {column!r}")
  table = {row[""]: row for row in rows}
  for name, labels in _label_sets(table).items():
    if labels != LABEL_NAMES[name]:
      raise ValueError(f"{path}: defines the {name!r} labels {labels}; "
                       f"expected {LABEL_NAMES[name]}")
  return table


def _label_sets(table) -> dict[str, tuple[str, ...]]:
  """The sorted names of each label set defined by the statements table."""
  sets = {name: set() for name in LABEL_NAMES}
  for code in table:
    for name in sets:
      sets[name] |= _aggregate_one(code, table, name)
  return {name: tuple(sorted(labels)) for name, labels in sets.items()}


def _aggregate_one(code: str, table, label_set: str) -> set[str]:
  """The labels of `label_set` that statement `code` contributes."""
  row = table[code]
  if label_set == "all":
    return {code}
  if label_set in ("form", "rhythm"):
    return {code} if _is_one(row[label_set]) else set()
  if not _is_one(row["diagnostic"]):
    return set()
  if label_set == "diagnostic":
    return {code}
  column = {"subdiagnostic": "diagnostic_subclass",
            "superdiagnostic": "diagnostic_class"}[label_set]
  return {row[column]} if row[column] else set()


def _is_one(text: str) -> bool:
  return bool(text) and float(text) == 1.0


def aggregate_labels(scp_codes: dict[str, float],
                     table: dict[str, dict[str, str]]) -> dict[str, np.ndarray]:
  """Multi-hot vectors of every label set for one record.

  Args:
    scp_codes: statement -> likelihood, as in ptbxl_database.csv.
    table: from `aggregation_table`.

  Returns:
    label set name -> (len(LABEL_NAMES[name]),) float32 multi-hot.
  """
  unknown = sorted(set(scp_codes) - set(table))
  if unknown:
    raise ValueError(f"scp_codes {unknown} are not in scp_statements.csv")
  vectors = {}
  for name, names in LABEL_NAMES.items():
    present = set().union(*(_aggregate_one(c, table, name) for c in scp_codes))
    vectors[name] = np.array([n in present for n in names], np.float32)
  return vectors


def read_database(path: pathlib.Path | str) -> list[dict]:
  """Reads ptbxl_database.csv into one dict per record.

  Returns:
    dicts with ecg_id, patient_id, strat_fold (int), age (float, NaN when
    missing), sex (int), scp_codes (dict), filename_lr, filename_hr (str).
  """
  path = pathlib.Path(path)
  records = []
  with open(path, newline="") as f:
    for line, row in enumerate(csv.DictReader(f), start=2):
      try:
        records.append({
            "ecg_id": int(row["ecg_id"]),
            "patient_id": int(float(row["patient_id"])),
            "strat_fold": int(row["strat_fold"]),
            "age": float(row["age"]) if row["age"] else math.nan,
            "sex": int(row["sex"]),
            "scp_codes": ast.literal_eval(row["scp_codes"]),
            "filename_lr": row["filename_lr"],
            "filename_hr": row["filename_hr"],
        })
      except (KeyError, ValueError, SyntaxError) as e:
        raise ValueError(f"{path}: line {line}: unreadable row ({e!r})") from e
  return records


def read_ptbxl_record(path: pathlib.Path | str,
                      sampling_rate: int | None = None) -> np.ndarray:
  """Reads one PTB-XL WFDB record (path without extension).

  Args:
    path: e.g. `.../records100/00000/00001_lr`.
    sampling_rate: expected rate in Hz (100 or 500); None accepts either.

  Returns:
    (10 * fs, 12) float32 in mV, leads in `STANDARD_12` order.
  """
  hea = f"{path}.hea"
  header = wfdb_io.read_header(path)
  if header.n_sig != 12 or len(header.sig_name or ()) != 12:
    raise ValueError(f"{hea}: declares {header.n_sig} signals and describes "
                     f"{len(header.sig_name or ())}; expected 12")
  record = wfdb_io.read_record(path)
  names = tuple(n.lower() for n in record.lead_names)
  if names != tuple(n.lower() for n in leads_lib.STANDARD_12):
    raise ValueError(f"{hea}: leads {record.lead_names}; expected "
                     f"{leads_lib.STANDARD_12}")
  if sampling_rate is not None and record.fs != sampling_rate:
    raise ValueError(f"{hea}: fs={record.fs}; expected {sampling_rate}")
  length = int(DURATION_S * record.fs)
  if record.signal.shape[0] != length:
    raise ValueError(f"{hea}: sig_len={record.signal.shape[0]}; expected "
                     f"{length} ({DURATION_S} s at {record.fs:g} Hz)")
  return record.signal


@dataclasses.dataclass
class PtbxlConfig(tfds.core.BuilderConfig):
  """Config: the sampling rate in Hz (100: records100, 500: records500)."""

  sampling_rate: int = 100


class Ptbxl(download.Builder):
  """PTB-XL; see the module docstring for the input contract."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("ptbxl_database.csv",)
  MANUAL_DIR_REQUIRED = ("scp_statements.csv",)
  CORPUS_NAME = "PTB-XL"
  DOWNLOAD_URL = "https://physionet.org/files/ptb-xl/1.0.3/"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [
      PtbxlConfig(name="100hz", sampling_rate=100,
                  description="records100: (1000, 12) at 100 Hz"),
      PtbxlConfig(name="500hz", sampling_rate=500,
                  description="records500: (5000, 12) at 500 Hz"),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the unzipped PTB-XL folder from https://physionet.org/content/ptb-xl/"
      "1.0.3/ (ptbxl_database.csv, scp_statements.csv, records100/, "
      "records500/)")

  def __init__(self, *, skip_missing_records: bool = False, **kwargs):
    """Makes the builder.

    Args:
      skip_missing_records: prepare only the rows of ptbxl_database.csv whose
        record files exist in manual_dir (False: a missing file is an error).
      **kwargs: for `tfds.core.GeneratorBasedBuilder` (config, data_dir, ...).
    """
    self._skip_missing_records = skip_missing_records
    super().__init__(**kwargs)

  def _info(self) -> tfds.core.DatasetInfo:
    rate = self.builder_config.sampling_rate
    length = DURATION_S * rate
    features = {"ecg": tfds.features.Tensor(shape=(length, 12),
                                            dtype=np.float32)}
    for name, names in LABEL_NAMES.items():
      features[name] = tfds.features.Tensor(shape=(len(names),),
                                            dtype=np.float32)
    for name in ("ecg_id", "patient_id", "strat_fold", "sex"):
      features[name] = tfds.features.Scalar(dtype=np.int32)
    features["age"] = tfds.features.Scalar(dtype=np.float32)
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=tfds.features.FeaturesDict(features),
        homepage="https://physionet.org/content/ptb-xl/",
        citation=CITATION,
        license=LICENSE,
        metadata=tfds.core.MetadataDict(
            sampling_rate_hz=rate, length=length, units="mV", license=LICENSE,
            lead_names=list(leads_lib.STANDARD_12),
            label_names={k: list(v) for k, v in LABEL_NAMES.items()},
            folds_by_split={k: list(v) for k, v in FOLDS_BY_SPLIT.items()}))

  def _split_generators(self, dl_manager):
    root = self.raw_dir(dl_manager, ["ptbxl_database.csv",
                                     "scp_statements.csv"])
    table = aggregation_table(root / "scp_statements.csv")
    rows = read_database(root / "ptbxl_database.csv")
    column = "filename_lr" if self.builder_config.sampling_rate == 100 else (
        "filename_hr")
    root = self.raw_dir(dl_manager, [f"{row[column]}.{ext}" for row in rows
                                     for ext in ("hea", "dat")])
    present = [r for r in rows if (root / f"{r[column]}.hea").is_file()]
    if len(present) < len(rows):
      found = {r["ecg_id"] for r in present}
      missing = [r[column] for r in rows if r["ecg_id"] not in found]
      if not self._skip_missing_records:
        raise FileNotFoundError(
            f"{root}: {len(missing)} records in ptbxl_database.csv are "
            f"missing, e.g. {missing[0]}.hea; expected all (or set "
            "--config.data.skip_missing_records=True to use the others)")
      logging.warning("PTB-XL: skipping %d rows without record files in %s",
                      len(missing), root)
    self.info.metadata["num_rows_in_database"] = len(rows)
    self.info.metadata["num_records_skipped"] = len(rows) - len(present)
    indices = splits_lib.split_by_fold([r["strat_fold"] for r in present],
                                       FOLDS_BY_SPLIT)
    splits_lib.assert_disjoint({
        name: [present[i]["patient_id"] for i in idx]
        for name, idx in indices.items()})
    return {name: self._generate_examples(root, [present[i] for i in idx],
                                          table, column)
            for name, idx in indices.items() if len(idx)}

  def _generate_examples(self, root, rows, table, column):
    rate = self.builder_config.sampling_rate
    for row in rows:
      try:
        labels = aggregate_labels(row["scp_codes"], table)
      except ValueError as e:
        raise ValueError(f"{root / 'ptbxl_database.csv'}: ecg_id "
                         f"{row['ecg_id']}: {e}") from e
      path = root / row[column]
      yield row["ecg_id"], {
          "ecg": quality.repaired_for_training(
              read_ptbxl_record(path, rate), rate, leads_lib.STANDARD_12,
              f"{path}.hea"),
          **labels,
          "ecg_id": row["ecg_id"],
          "patient_id": row["patient_id"],
          "strat_fold": row["strat_fold"],
          "sex": row["sex"],
          "age": row["age"],
      }


# Loading for training: `load(config.data)`; see `cardiojax.datasets`.

_TARGETS = ("labels", "age", "leads")


def load(data_config) -> splits_lib.Splits:
  """PTB-XL for one of three targets (`config.data.target`).

  - 'labels': multi-label classification on `config.data.label_set`;
    targets (K,) float32 multi-hot over `LABEL_NAMES[label_set]`; records
    without a label of the set are dropped, as the benchmark does.
  - 'age': regression of age in years; records without an age are dropped
    and ages above `config.data.max_age_years` (PTB-XL codes ages above 89
    as 300) are set to it.
  - 'leads': the 12 leads (T, 12) in mV from `config.data.input_leads`
    (lead reconstruction): inputs keep 12 channels with the leads not given
    set to zero; targets are the 12 unnormalised leads in mV.

  Splits by `strat_fold` (`config.data.*_folds`); no patient in two splits.
  Bootstrap unit: the patient (`patient_id`).
  """
  if data_config.target not in _TARGETS:
    raise ValueError(f"config.data.target: expected one of {_TARGETS}, got "
                     f"{data_config.target!r}")
  keys = {"labels": (data_config.label_set,), "age": ("age",),
          "leads": ()}[data_config.target]
  if data_config.target == "labels" and data_config.label_set not in LABEL_NAMES:
    raise ValueError(f"config.data.label_set: expected one of "
                     f"{sorted(LABEL_NAMES)}, got {data_config.label_set!r}")
  builder = prepared.prepared_builder(
      Ptbxl, data_config.builder_config, data_config,
      skip_missing_records=data_config.skip_missing_records)
  data_sources, refs, fields = prepared.read_fields(
      builder, ("strat_fold", "patient_id", *keys))
  info = {}
  if data_config.target == "labels":
    labels = fields[data_config.label_set].astype(np.float32)
    keep = labels.sum(axis=1) > 0
    info = {"class_names": LABEL_NAMES[data_config.label_set],
            "records_without_label_dropped": int((~keep).sum())}
  elif data_config.target == "age":
    keep = np.isfinite(fields["age"].astype(np.float32))
    info = {"max_age_years": data_config.max_age_years}
  else:
    keep = np.ones(len(refs), bool)
  refs = [r for r, k in zip(refs, keep) if k]
  fields = {key: value[keep] for key, value in fields.items()}
  if data_config.target == "labels":
    targets = fields[data_config.label_set].astype(np.float32)
  elif data_config.target == "age":
    targets = np.minimum(fields["age"].astype(np.float32),
                         np.float32(data_config.max_age_years))
  else:
    targets = None
  return records.build_record_splits(
      data_config, corpus="ptbxl", data_sources=data_sources, refs=refs,
      fs=builder.info.metadata["sampling_rate_hz"],
      folds=fields["strat_fold"], patients=fields["patient_id"],
      targets=targets, zero_missing=data_config.target == "leads",
      target_units={"labels": "multi-hot", "age": "years",
                    "leads": "mV"}[data_config.target],
      info=info,
      lengths=np.full(len(refs), builder.info.features["ecg"].shape[0]),
      cluster_unit="patient")


prepare_record = records.prepare_record
