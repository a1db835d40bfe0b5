"""Kaggle-format heartbeats rebuilt from raw MIT-BIH and PTB records.

Segments one lead with Kachuee et al. 2018's procedure
(`cardiojax.signal.beats.kachuee_beats`), keeping record ids so that beat
tasks can run patient-disjoint.

Input contract: (187, 1) float32, 125 Hz, unitless ([0, 1] per window).
Lead: MIT-BIH channel 0 (MLII in 45 of 48 records; the lead is kept in
`lead_name`), PTB lead II.

Configs:
  mitbih: label = AAMI class (N, S, V, F, Q) of the reference beat annotation
    nearest to the peak within 150 ms (unmatched peaks are dropped and counted
    in `info.metadata['unmatched_peaks']`); splits as `mitdb` 'beats'
    (DS1 train/validation, DS2 test, paced records in `excluded`).
  ptbdb: label = normal (healthy control) / abnormal (myocardial infarction)
    of the record; other diagnoses skipped; splits by patient as `ptbdb`.

Prepare: `download.prepare(KachueeRebuild, data_dir, 'mitbih',
manual_dir=<mitdb folder>)` (or 'ptbdb' with the ptbdb folder); a custom
`KachueeRebuildConfig(name=..., source='mitdb', records=(...))` reads a subset.
"""

import dataclasses
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import kaggle_heartbeat
from cardiojax.datasets import mitdb
from cardiojax.datasets import ptbdb
from cardiojax.datasets import wfdb_io
from cardiojax.signal import beats

FS = beats.FS
LENGTH = beats.LENGTH
MATCH_TOLERANCE_S = 0.15
LABEL_NAMES = {"mitdb": mitdb.AAMI_NAMES, "ptbdb": ("normal", "abnormal")}
CITATION = kaggle_heartbeat.CITATION


@dataclasses.dataclass(eq=False)
class KachueeRebuildConfig(tfds.core.BuilderConfig):
  """Options of the rebuild.

  Attributes:
    source: 'mitdb' or 'ptbdb' (the raw corpus in manual_dir).
    records: records to read; None reads all (mitdb) or `RECORDS` (ptbdb).
    seed: seed of the splits (see `mitdb.record_splits`,
      `ptbdb.patient_bucket`).
  """
  source: str = "mitdb"
  records: tuple[str, ...] | None = None
  seed: int = 0


def match_annotations(peaks: np.ndarray, fs: float,
                      ann: wfdb_io.Annotations) -> np.ndarray:
  """(n,) index of the nearest beat annotation within 150 ms, or -1."""
  beat_idx = np.flatnonzero(mitdb.is_beat(ann.symbol))
  if not beat_idx.size:
    return np.full(len(peaks), -1)
  times = ann.sample[beat_idx] / fs
  t = peaks / FS
  pos = np.searchsorted(times, t)
  candidates = np.clip(np.stack([pos - 1, pos]), 0, len(times) - 1)
  closer = np.argmin(np.abs(times[candidates] - t), axis=0)
  nearest = candidates[closer, np.arange(len(t))]
  ok = np.abs(times[nearest] - t) <= MATCH_TOLERANCE_S
  return np.where(ok, beat_idx[nearest], -1)


class KachueeRebuild(download.Builder):
  """Kaggle-format beats with record ids; see the module docstring."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [
      KachueeRebuildConfig(name="mitbih", source="mitdb",
                           description="From mitdb, AAMI labels."),
      KachueeRebuildConfig(name="ptbdb", source="ptbdb",
                           description="From ptbdb, MI vs healthy control."),
  ]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the unzipped PhysioNet mitdb 1.0.0 folder (config 'mitbih') or ptbdb "
      "1.0.0 folder (config 'ptbdb')")

  def _info(self) -> tfds.core.DatasetInfo:
    source = self.builder_config.source
    if source not in LABEL_NAMES:
      raise ValueError(f"KachueeRebuildConfig.source={source!r}: expected "
                       "'mitdb' or 'ptbdb'")
    names = LABEL_NAMES[source]
    metadata = tfds.core.MetadataDict(
        sampling_rate_hz=FS, length_samples=LENGTH,
        units="unitless, min-max normalised to [0, 1] per 10 s window",
        layout="(time, leads)", lead_names="per record, see lead_name",
        label_names=names, patient_disjoint=True,
        citation=CITATION + "\n" + (mitdb.CITATION if source == "mitdb"
                                    else ptbdb.CITATION),
        license=mitdb.LICENSE)
    return tfds.core.DatasetInfo(
        builder=self, description=__doc__,
        features=tfds.features.FeaturesDict({
            "ecg": tfds.features.Tensor(shape=(LENGTH, 1), dtype=np.float32),
            "label": tfds.features.ClassLabel(names=names),
            "record_id": tfds.features.Text(),
            "patient_id": tfds.features.Text(),
            "lead_name": tfds.features.Text(),
            "r_peak": tfds.features.Scalar(dtype=np.int64),
        }),
        supervised_keys=("ecg", "label"), citation=CITATION,
        license=mitdb.LICENSE, metadata=metadata)

  def _split_generators(self, dl_manager):
    config = self.builder_config
    if config.source == "mitdb":
      split_config = mitdb.MitdbConfig(name="splits", seed=config.seed)
      records = config.records or mitdb.ALL_RECORDS
      root = self.raw_dir(dl_manager, mitdb.record_files(records))
      splits = {split: [r for r in members if r in records]
                for split, members in mitdb.record_splits(split_config).items()}
    else:
      root, records = ptbdb.list_records(self, dl_manager, config.records)
      splits = {}
      for record in records:
        diagnosis = ptbdb.header_info(root / record)["diagnosis"].lower()
        if diagnosis in ptbdb.DIAGNOSES:
          patient = record.split("/")[0]
          splits.setdefault(ptbdb.patient_bucket(patient, config.seed),
                            []).append(record)
    self.info.metadata["split_records"] = splits
    self.info.metadata["unmatched_peaks"] = {}
    return {split: self._generate_examples(root, members)
            for split, members in splits.items() if members}

  def _generate_examples(self, root: pathlib.Path, records: list[str]):
    for record in records:
      rec = wfdb_io.read_record(root / record, name=record)
      if self.builder_config.source == "mitdb":
        channel, patient = 0, record
      else:
        ptbdb.check_leads(root / record, rec.lead_names)
        channel, patient = 1, record.split("/")[0]
      segments, peaks = beats.kachuee_beats(rec.signal[:, channel], rec.fs)
      if self.builder_config.source == "mitdb":
        ann = wfdb_io.read_annotations(root / record)
        match = match_annotations(peaks, rec.fs, ann)
        self.info.metadata["unmatched_peaks"][record] = int(np.sum(match < 0))
        labels = [mitdb.AAMI_CLASS[ann.symbol[m]] if m >= 0 else None
                  for m in match]
      else:
        diagnosis = ptbdb.header_info(root / record)["diagnosis"].lower()
        labels = [ptbdb.DIAGNOSES[diagnosis]] * len(peaks)
      for beat, peak, label in zip(segments, peaks, labels):
        if label is None:
          continue
        yield f"{record}_{peak}", {
            "ecg": beat[:, None], "label": label, "record_id": record,
            "patient_id": patient, "lead_name": rec.lead_names[channel],
            "r_peak": int(round(peak * rec.fs / FS))}
