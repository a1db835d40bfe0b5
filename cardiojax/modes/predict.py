"""--mode=predict: a trained run's predictions for record files.

`--input` is a file, a folder (every record in it: WFDB headers, CPSC .mat,
LLNL .npy, CSV) or a glob. Reads the run directory only, never the training
corpus (`cardiojax.predictor`). Each record gets
`workdir/predictions/<record>-<hash>.json` (everything: per-window or
per-beat outputs and decisions with their spans, the aggregate, what was done
to the record, the signal check's findings, the beat-by-beat comparison with
`--reference`) and a `.csv` with one row per window or beat; the hash of the
record's full path keeps two inputs of the same name apart. A progress bar
on stderr counts the records (`cardiojax.train.rundir.progress`).
"""

import csv
import glob
import pathlib

from cardiojax import predictor
from cardiojax.train import rundir

# What a folder of records holds: one file per record (WFDB signal files and
# annotations are read through their header).
_RECORD_SUFFIXES = (".hea", ".mat", ".npy", ".csv")


def input_files(spec: str) -> list[pathlib.Path]:
  """The record files of a file, folder or glob, sorted.

  Raises:
    FileNotFoundError: nothing matches (the message names `--input`).
  """
  path = pathlib.Path(spec)
  if path.is_dir():
    candidates = sorted(p for p in path.rglob("*")
                        if p.suffix.lower() in _RECORD_SUFFIXES)
  elif path.exists():
    candidates = [path]
  else:
    candidates = sorted(pathlib.Path(p) for p in glob.glob(spec, recursive=True))
  # A .mat beside a .hea is the WFDB record's signal file, read via the header.
  files = [p for p in candidates
           if not (p.suffix.lower() == ".mat" and p.with_suffix(".hea").exists()
                   and len(candidates) > 1)]
  if not files:
    raise FileNotFoundError(f"--input={spec}: no record file (expected a file, "
                            f"a folder or a glob of {list(_RECORD_SUFFIXES)})")
  return files


def write_prediction(prediction: predictor.Prediction, out_dir: pathlib.Path,
                     stem: str) -> tuple[pathlib.Path, pathlib.Path]:
  """Writes `<stem>.json` and `<stem>.csv` atomically; returns their paths."""
  out_dir.mkdir(parents=True, exist_ok=True)
  json_path, csv_path = out_dir / f"{stem}.json", out_dir / f"{stem}.csv"
  rundir.write_json_atomic(json_path, prediction.to_json())
  rows = prediction.rows()
  tmp = csv_path.with_suffix(".csv.tmp")
  with open(tmp, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["index"])
    writer.writeheader()
    writer.writerows(rows)
  tmp.replace(csv_path)
  return json_path, csv_path


def predict_files(config, workdir, input_spec: str, *,
                  reference: str | None = None,
                  beats: str = "detector") -> dict:
  """Predicts every record of `input_spec`; returns a short summary.

  Returns:
    {'records': [{'input', 'json', 'csv', 'aggregate'}], 'predictions_dir'}.
  """
  model = predictor.Predictor(workdir, config)
  out_dir = pathlib.Path(workdir) / "predictions"
  records = []
  paths = input_files(input_spec)
  for path in rundir.progress(paths, desc="predict", unit="record"):
    prediction = model.predict_record(path, reference=reference, beats=beats)
    json_path, csv_path = write_prediction(prediction, out_dir,
                                           predictor.output_stem(path))
    records.append({"input": str(path), "json": str(json_path),
                    "csv": str(csv_path), "aggregate": prediction.aggregate,
                    "findings": prediction.findings,
                    "reference": None if prediction.reference is None else
                    prediction.reference["per_class"]})
  return {"records": records, "predictions_dir": str(out_dir)}
