"""PTB Diagnostic ECG Database (PhysioNet ptbdb 1.0.0) as a tfds builder.

Input contract: one example per record, 15 signals at 1000 Hz in mV,
(time, 15) with time = the record's length (about 38.4 s to 2 min): the 12
standard leads in `LEAD_NAMES` order (I, II, III, aVR, aVL, aVF, V1-V6; `.dat`)
and the Frank leads vx, vy, vz (`.xyz`). Age, sex and the diagnosis
('Reason for admission') come from the header comments.

Task: myocardial infarction (1) vs healthy control (0). Records with another
diagnosis are skipped and listed in `info.metadata['skipped_records']`.
Splits are by patient: `patient_bucket(patient, seed)` puts 20 % of patients
in `test`, 10 % in `validation`, the rest in `train` (stable for any subset
of records).

Prepare: `cardiojax prepare ptbdb --manual_dir=DIR` with the PhysioNet layout
(`RECORDS`, `patientNNN/sNNNN_re.{hea,dat,xyz}`), or `--download` (the
official files at `DOWNLOAD_URL`); in Python `download.prepare(Ptbdb,
data_dir, manual_dir=...)` or with `download_url=`. A custom
`PtbdbConfig(name=..., records=('patient001/s0010_re',))` reads a subset
without a `RECORDS` file.
"""

import dataclasses
import pathlib
import zlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import wfdb_io
from cardiojax.signal import leads

FS = 1000
LEAD_NAMES = leads.STANDARD_12 + ("vx", "vy", "vz")
LABEL_NAMES = ("healthy_control", "myocardial_infarction")
DIAGNOSES = {"healthy control": 0, "myocardial infarction": 1}
SEX_NAMES = ("female", "male", "unknown")
CITATION = """\
@article{bousseljot1995nutzung,
  title={Nutzung der EKG-Signaldatenbank CARDIODAT der PTB {\\"u}ber das
         Internet},
  author={Bousseljot, R and Kreiseler, D and Schnabel, A},
  journal={Biomedizinische Technik}, volume={40}, number={S1},
  pages={317--318}, year={1995}}
@article{goldberger2000physiobank,
  title={PhysioBank, PhysioToolkit, and PhysioNet},
  author={Goldberger, Ary L and others},
  journal={Circulation}, volume={101}, number={23}, pages={e215--e220},
  year={2000}}"""
LICENSE = "Open Data Commons Attribution License v1.0 (ODC-By 1.0)"
HOMEPAGE = "https://physionet.org/content/ptbdb/1.0.0/"


@dataclasses.dataclass(eq=False)
class PtbdbConfig(tfds.core.BuilderConfig):
  """Options of the PTB builder.

  Attributes:
    records: record names ('patient001/s0010_re'); None reads `RECORDS`.
    seed: seed of the patient split.
  """
  records: tuple[str, ...] | None = None
  seed: int = 0


def patient_bucket(patient: str, seed: int) -> str:
  """The split of a patient: 'test' (20 %), 'validation' (10 %) or 'train'."""
  bucket = zlib.crc32(f"{seed}:{patient}".encode()) % 10
  return "test" if bucket < 2 else "validation" if bucket == 2 else "train"


def list_records(builder: download.Builder, dl_manager,
                 records: tuple[str, ...] | None) -> tuple[pathlib.Path,
                                                           tuple[str, ...]]:
  """The raw folder and the records (from `records` or the RECORDS file)."""
  if records is None:
    index = builder.raw_dir(dl_manager, ["RECORDS"]) / "RECORDS"
    if not index.is_file():
      raise FileNotFoundError(f"{index}: file not found (the list of PTB "
                              "records); or set the config's records")
    records = tuple(line.strip() for line in index.read_text().splitlines()
                    if line.strip())
  files = [f"{r}.{ext}" for r in records for ext in ("hea", "dat", "xyz")]
  return builder.raw_dir(dl_manager, files), records


def header_info(path: pathlib.Path) -> dict[str, object]:
  """Age (-1 if unknown), sex and diagnosis from a PTB header's comments."""
  fields = wfdb_io.header_fields(tuple(wfdb_io.read_header(path).comments))
  age = fields.get("age", "n/a")
  sex = fields.get("sex", "unknown").lower()
  return {"age": int(age) if age.lstrip("-").isdigit() else -1,
          "sex": sex if sex in SEX_NAMES else "unknown",
          "diagnosis": fields.get("reason for admission", "")}


def check_leads(path: pathlib.Path, lead_names: tuple[str, ...]) -> None:
  """Raises ValueError unless the header's leads are PTB's 15 in order."""
  if tuple(n.lower() for n in lead_names) != tuple(n.lower() for n in
                                                   LEAD_NAMES):
    raise ValueError(f"{path}.hea: signal names are {lead_names}; expected "
                     f"{LEAD_NAMES} (case-insensitive)")


class Ptbdb(download.Builder):
  """PTB Diagnostic records, MI vs healthy control; see the module docstring."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("patient[0-9][0-9][0-9]",)
  MANUAL_DIR_REQUIRED = ("RECORDS",)
  CORPUS_NAME = "the PTB Diagnostic ECG Database"
  DOWNLOAD_URL = "https://physionet.org/files/ptbdb/1.0.0/"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [PtbdbConfig(name="mi_vs_control",
                                 description="MI and healthy-control records.")]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the unzipped PTB Diagnostic folder from https://physionet.org/content/"
      "ptbdb/1.0.0/ (RECORDS, patientNNN/*.hea, .dat, .xyz)")

  def _info(self) -> tfds.core.DatasetInfo:
    metadata = tfds.core.MetadataDict(
        sampling_rate_hz=FS, length_samples="per record", units="mV",
        layout="(time, leads)", lead_names=LEAD_NAMES,
        label_names=LABEL_NAMES, citation=CITATION, license=LICENSE,
        split_policy="patient-wise: crc32(f'{seed}:{patient}') % 10, "
                     "0-1 test, 2 validation, 3-9 train")
    return tfds.core.DatasetInfo(
        builder=self, description=__doc__,
        features=tfds.features.FeaturesDict({
            "ecg": tfds.features.Tensor(shape=(None, 15), dtype=np.float32),
            "record_id": tfds.features.Text(),
            "patient_id": tfds.features.Text(),
            "age": tfds.features.Scalar(dtype=np.int32),
            "sex": tfds.features.ClassLabel(names=SEX_NAMES),
            "diagnosis": tfds.features.Text(),
            "label": tfds.features.ClassLabel(names=LABEL_NAMES),
        }),
        supervised_keys=("ecg", "label"), homepage=HOMEPAGE,
        citation=CITATION, license=LICENSE, metadata=metadata)

  def _split_generators(self, dl_manager):
    config = self.builder_config
    root, records = list_records(self, dl_manager, config.records)
    splits, skipped = {}, {}
    for record in records:
      diagnosis = header_info(root / record)["diagnosis"]
      if diagnosis.lower() not in DIAGNOSES:
        skipped[record] = diagnosis
        continue
      split = patient_bucket(record.split("/")[0], config.seed)
      splits.setdefault(split, []).append(record)
    self.info.metadata["skipped_records"] = skipped
    self.info.metadata["split_records"] = splits
    return {split: self._generate_examples(root, members)
            for split, members in splits.items()}

  def _generate_examples(self, root: pathlib.Path, records: list[str]):
    for record in records:
      rec = wfdb_io.read_record(root / record, name=record)
      check_leads(root / record, rec.lead_names)
      info = header_info(root / record)
      yield record, {
          "ecg": rec.signal, "record_id": record,
          "patient_id": record.split("/")[0], "age": info["age"],
          "sex": info["sex"], "diagnosis": info["diagnosis"],
          "label": DIAGNOSES[info["diagnosis"].lower()]}
