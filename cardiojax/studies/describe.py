"""What a corpus holds, split by split, and what its records look like.

For the corpus of `config.base` (loaded as its training loader loads it, so
the splits are the ones the models see), per split:
  - records and patients (the bootstrap clusters, `Splits.clusters`);
  - records per class (a multi-label record counts once for each label);
  - record lengths (s) and sampling rates (Hz) of the prepared records and of
    the model;
  - beats per record: Pan-Tompkins R peaks (`signal.pan_tompkins`) on
    `config.study.rhythm_lead` of the prepared record;
  - age (years) and sex where the prepared rows carry them (PTB-XL from
    ptbxl_database.csv, whose ages above 89 are written 300 and are counted
    here as 90; CPSC 2018 from the .mat files' ECG.age and ECG.sex);
    sex is 0 male, 1 female in both.
Writes results.json / results.md (a column per split and one for all) and
the figures: class_distribution.png (one panel per split), distributions.png
(record length, beats per record, age), ecg_12lead.png (the clinical print
of record `config.study.print_index` of split `config.study.print_split`),
and seed 001's two figures of an annotated MIT-BIH record
(`config.study.mitdb_dir`, record `config.study.mitdb_record`):
mitdb_strip.png (a seeded random `strip_s` stretch) and
mitdb_abnormal_beat.png (`window_s` centred on a seeded random beat whose
reference symbol is not 'N'), with the annotation symbols above the beats.
"""

import dataclasses
import pathlib

import numpy as np
from absl import logging

from cardiojax import datasets
from cardiojax import tasks
from cardiojax.datasets import mitdb
from cardiojax.datasets import wfdb_io
from cardiojax.evaluate import report
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import pan_tompkins
from cardiojax.studies import plots
from cardiojax.train import loop

SPLITS = ("train", "validation", "test")
# Prepared-row fields naming a record (CPSC 2018, PTB-XL).
RECORD_ID_FIELDS = ("record_id", "ecg_id")
PTBXL_AGE_OVER_89 = 300.0  # PTB-XL writes ages above 89 as 300.


def _record_source(splits, split: str):
  """The whole records of `split` (a windowed split holds them in
  `records`)."""
  return getattr(splits.sources[split], "records", splits.sources[split])


def _prepared_rows(records):
  """The prepared row (dict of 'ecg' and the corpus's fields) of each record
  of a `RecordSource`, in its order."""
  for split, row in records.refs:
    yield records.data_sources[split][row]


def class_counts(task, targets) -> np.ndarray:
  """(K,) records with each class (multi-label: each label counted)."""
  targets = np.asarray(targets)
  if hasattr(task, "multi_hot"):
    return task.multi_hot(targets).sum(axis=0).astype(np.int64)
  return np.bincount(targets.astype(np.int64),
                     minlength=len(task.class_names))


def record_id(row) -> str:
  """The record's id in its corpus (CPSC 'A0001', PTB-XL ecg_id)."""
  for field in RECORD_ID_FIELDS:
    if field in row:
      value = np.asarray(row[field]).item()
      return value.decode() if isinstance(value, bytes) else str(value)
  raise ValueError(f"prepared record: none of {RECORD_ID_FIELDS}")


def split_statistics(records, rhythm_lead: str) -> dict[str, np.ndarray]:
  """Per record of a `RecordSource`: length (s), beats, age, sex (NaN when
  the corpus has none).

  Raises:
    ValueError: `rhythm_lead` is not a standard lead.
  """
  lead = leads_lib.find_lead(leads_lib.STANDARD_12, (rhythm_lead,))
  lengths, beats, ages, sexes = [], [], [], []
  for row in _prepared_rows(records):
    ecg = np.asarray(row["ecg"], np.float64)
    lengths.append(len(ecg) / records.fs)
    beats.append(len(pan_tompkins.pan_tompkins(ecg[:, lead], records.fs)))
    age = float(row["age"]) if "age" in row else np.nan
    ages.append(min(age, 90.0) if age >= PTBXL_AGE_OVER_89 else age)
    sexes.append(float(row["sex"]) if "sex" in row else np.nan)
  return {"length_s": np.asarray(lengths), "beats": np.asarray(beats, float),
          "age": np.asarray(ages), "sex": np.asarray(sexes)}


def _column(stats, counts, class_names, num_patients, fs, model_fs) -> dict:
  ages = stats["age"][np.isfinite(stats["age"])]
  sexes = stats["sex"][np.isfinite(stats["sex"])]
  column = {
      "records": float(len(stats["length_s"])),
      "patients": float(num_patients),
      "sampling rate, prepared (Hz)": float(fs),
      "sampling rate, model (Hz)": float(model_fs),
      "length mean (s)": float(np.mean(stats["length_s"])),
      "length min (s)": float(np.min(stats["length_s"])),
      "length max (s)": float(np.max(stats["length_s"])),
      "beats per record, median": float(np.median(stats["beats"])),
      "beats per record, min": float(np.min(stats["beats"])),
      "beats per record, max": float(np.max(stats["beats"])),
      "age mean (years)": float(np.mean(ages)) if len(ages) else np.nan,
      "age median (years)": float(np.median(ages)) if len(ages) else np.nan,
      "age missing (records)": float(len(stats["age"]) - len(ages)),
      "female (%)": float(100.0 * np.mean(sexes)) if len(sexes) else np.nan,
  }
  for name, count in zip(class_names, counts):
    column[f"records per class/{name}"] = float(count)
  return column


def mitdb_figures(study, workdir: pathlib.Path) -> dict[str, object]:
  """Seed 001's figures of an annotated MIT-BIH record (module docstring).

  Returns:
    name -> (path, axes) of 'mitdb_strip' and 'mitdb_abnormal_beat'.

  Raises:
    ValueError: the record has no beat other than 'N' (no abnormal beat).
  """
  path = pathlib.Path(study.mitdb_dir) / study.mitdb_record
  record = wfdb_io.read_record(path)
  annotations = wfdb_io.read_annotations(path)
  fs = record.fs
  rng = np.random.default_rng(study.seed)
  strip = int(round(study.strip_s * fs))
  start = int(rng.integers(0, len(record.signal) - strip))
  figures = {}

  def draw(name, first, length, title):
    inside = (annotations.sample >= first) & (
        annotations.sample < first + length)
    figures[name] = plots.plot_ecg_strip(
        workdir / f"{name}.png", record.signal[first:first + length], fs,
        record.lead_names, title=title,
        annotation_samples=annotations.sample[inside] - first,
        annotation_symbols=annotations.symbol[inside])

  draw("mitdb_strip", start, strip,
       f"MIT-BIH record {record.name} from {start / fs:.2f} s (seed "
       f"{study.seed}), reference annotations above the beats")
  beats = mitdb.is_beat(annotations.symbol)
  abnormal = np.flatnonzero(beats & (annotations.symbol != "N"))
  if not len(abnormal):
    raise ValueError(f"config.study.mitdb_record={study.mitdb_record}: no "
                     f"beat other than 'N' in {path}.atr; choose another "
                     f"record")
  chosen = int(rng.choice(abnormal))
  window = int(round(study.window_s * fs))
  first = int(np.clip(annotations.sample[chosen] - window // 2, 0,
                      len(record.signal) - window))
  draw("mitdb_abnormal_beat", first, window,
       f"MIT-BIH record {record.name} from {first / fs:.2f} s: "
       f"{study.window_s:g} s centred on the '{annotations.symbol[chosen]}' "
       f"beat at {annotations.sample[chosen] / fs:.2f} s")
  return figures


def _clinical_print(study, splits, task, stats, path):
  """The 12-lead print of the first record of `study.print_split` from
  index `study.print_index` on that lasts 10 s or more.

  Raises:
    ValueError: no such record.
  """
  long_enough = np.flatnonzero(stats["length_s"] >= 10.0)
  long_enough = long_enough[long_enough >= study.print_index]
  if not len(long_enough):
    raise ValueError(f"config.study.print_index={study.print_index}: no "
                     f"record of {study.print_split} from there lasts 10 s; "
                     f"choose a smaller index or another split")
  index = int(long_enough[0])
  records = _record_source(splits, study.print_split)
  row = records.data_sources[records.refs[index][0]][records.refs[index][1]]
  target = loop.all_targets(splits.sources[study.print_split])[index]
  labels = class_counts(task, np.asarray(target)[None])
  names = [name for name, on in zip(task.class_names, labels) if on]
  return plots.plot_clinical_12lead(
      path, np.asarray(row["ecg"]), records.fs, leads_lib.STANDARD_12,
      title=(f"{splits.contract.corpus} record {record_id(row)} "
             f"({study.print_split}): {', '.join(names) or 'no label'}"))


def run(config, workdir) -> dict:
  """Describes the corpus of `config.base` (module docstring)."""
  workdir = pathlib.Path(workdir)
  study = config.study
  data_config = config.base.data.copy_and_resolve_references()
  data_config.normalization = "none"
  splits = datasets.corpus(data_config.name).load(data_config)
  task = tasks.make_task(config.base.task)
  if not task.class_names:
    task = dataclasses.replace(task,
                               class_names=tuple(splits.info["class_names"]))
  class_names = task.class_names
  present = [split for split in SPLITS if split in splits.sources]
  stats, counts, results = {}, {}, {}
  for split in present:
    logging.info("describe: %s", split)
    records = _record_source(splits, split)
    stats[split] = split_statistics(records, study.rhythm_lead)
    counts[split] = class_counts(task, loop.all_targets(splits.sources[split]))
    results[split] = _column(stats[split], counts[split], class_names,
                             len(np.unique(splits.clusters(split))),
                             records.fs, splits.contract.sampling_rate_hz)
  everything = {key: np.concatenate([stats[s][key] for s in present])
                for key in stats[present[0]]}
  results["all"] = _column(
      everything, sum(counts.values()), class_names,
      len(np.unique(np.concatenate([splits.clusters(s) for s in present]))),
      _record_source(splits, present[0]).fs, splits.contract.sampling_rate_hz)
  protocol = {
      "study": "corpus description",
      "data": (f"{data_config.name} from {data_config.manual_dir}, splits of "
               f"the training loader (config.base.data)"),
      "patients": f"distinct {splits.cluster_unit}s (bootstrap clusters)",
      "beats": (f"Pan-Tompkins R peaks on lead {study.rhythm_lead} of the "
                f"prepared record"),
      "age and sex": ("from the prepared rows; PTB-XL's 300 (age above 89) "
                      "counted as 90; female = sex 1"),
  }
  json_path, md_path = report.write_results(workdir, results, protocol)

  figures = {"class_distribution": plots.plot_class_distribution(
      workdir / "class_distribution.png", counts, class_names,
      title=f"{data_config.name}: records per class and split")}
  panels = {"record length (s)": {s: stats[s]["length_s"] for s in present},
            f"beats per record (Pan-Tompkins, lead {study.rhythm_lead})":
            {s: stats[s]["beats"] for s in present}}
  if np.isfinite(everything["age"]).any():
    panels["age (years)"] = {s: stats[s]["age"] for s in present}
  figures["distributions"] = plots.plot_histograms(
      workdir / "distributions.png", panels,
      title=f"{data_config.name}: records per split")
  figures["ecg_12lead"] = _clinical_print(study, splits, task,
                                          stats[study.print_split],
                                          workdir / "ecg_12lead.png")
  figures.update(mitdb_figures(study, workdir))
  return {"results": results, "results_json": str(json_path),
          "results_md": str(md_path),
          "plots": {name: str(path) for name, (path, _) in figures.items()},
          "panels": {name: len(axes) for name, (_, axes) in figures.items()}}
