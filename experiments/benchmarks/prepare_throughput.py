r"""Dataset builders: prepare throughput, then read throughput of the result.

Each builder prepares the real corpus subset in ../shared/data (or the
simulator's LLNL-format files) to ArrayRecord in a temporary folder, timed:
examples/s (examples written) and MB/s (raw bytes read). The prepared train
split is then read through grain (shuffle -> ECG only, whole records cropped
or padded to 5000 samples -> [augment] -> batch of 32, threaded), giving
examples/s with and without augmentation. Prints a markdown table;
`--out` also writes JSON with the machine, versions and results.

  python experiments/benchmarks/prepare_throughput.py --out=/tmp/prepare.json
"""

import importlib.metadata
import json
import os
import pathlib
import platform
import tempfile
import time

from absl import app
from absl import flags
import grain
import numpy as np
import tensorflow_datasets as tfds

import cardiojax
from cardiojax.datasets import cpsc2018
from cardiojax.datasets import download
from cardiojax.datasets import intracardiac
from cardiojax.datasets import kaggle_heartbeat
from cardiojax.datasets import mitdb
from cardiojax.datasets import ptbdb
from cardiojax.datasets import ptbxl
from cardiojax.input import transforms
from cardiojax.signal import windows
from cardiojax.simulate import intracardiac as simulator

_SHARED = flags.DEFINE_string(
    "shared_data",
    os.environ.get("CARDIOJAX_SHARED_DATA",
                   str(pathlib.Path(__file__).resolve().parents[3] / "shared" / "data")),
    "The folder of real corpus subsets.")
_OUT = flags.DEFINE_string("out", None, "Where to write the JSON results.")
_READ_SECONDS = flags.DEFINE_float("read_seconds", 3.0, "Seconds per read setting.")

_AUGMENT = transforms.Augment([("scale_amplitude", {}), ("gaussian_noise", {"std": 0.01})],
                              key="ecg")


def _prepare_tfds(builder, manual_dir):
  builder.download_and_prepare(
      download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))
  return builder


def _cases(shared: pathlib.Path, work: pathlib.Path):
  """(name, raw files read, prepare function returning the builder)."""
  records = ("100", "102", "103", "104", "106", "107", "108")
  llnl = work / "llnl"
  simulator.write_llnl_files(llnl, num_folders=5, samples_per_folder=40, seed=0)
  yield ("mitdb beats (7 records)",
         [shared / "mitdb" / f"{r}.{ext}" for r in records for ext in ("dat", "atr")],
         lambda: download.prepare(mitdb.Mitdb, work / "mitdb",
                                  mitdb.MitdbConfig(name="bench", records=records),
                                  manual_dir=shared / "mitdb"))
  yield ("kaggle mitbih (510 rows)",
         [shared / "kaggle_heartbeat" / "mitbih_train_sample.csv",
          shared / "kaggle_heartbeat" / "original_format_rows" / "mitbih_test_first10.csv"],
         lambda: download.prepare(
             kaggle_heartbeat.KaggleHeartbeat, work / "kaggle",
             kaggle_heartbeat.KaggleHeartbeatConfig(
                 name="bench", files=("mitbih_train_sample.csv",
                                      "original_format_rows/mitbih_test_first10.csv")),
             manual_dir=shared / "kaggle_heartbeat"))
  yield ("ptbdb (1 record, 15 leads)",
         list((shared / "ptbdb" / "patient001").glob("s0010_re.*")),
         lambda: download.prepare(ptbdb.Ptbdb, work / "ptbdb",
                                  ptbdb.PtbdbConfig(name="bench", records=("patient001/s0010_re",)),
                                  manual_dir=shared / "ptbdb"))
  yield ("ptbxl 100 Hz (400 records)",
         list((shared / "ptbxl" / "records100").rglob("*_lr.*")),
         lambda: _prepare_tfds(ptbxl.Ptbxl(config="100hz", data_dir=work / "ptbxl",
                                           file_format="array_record"), shared / "ptbxl"))
  yield ("cpsc2018 (10 records)",
         list((shared / "cpsc2018" / "TrainingSet_subset").glob("*.mat")),
         lambda: _prepare_tfds(cpsc2018.Cpsc2018(config="original", data_dir=work / "cpsc",
                                                 file_format="array_record"),
                               shared / "cpsc2018"))
  yield ("intracardiac (200 simulated pairs)",
         list(llnl.rglob("*.npy")),
         lambda: _prepare_tfds(intracardiac.Intracardiac(data_dir=work / "intracardiac",
                                                         file_format="array_record"), llnl))


def _ecg_only(example: dict) -> dict:
  """The ECG of an example; variable-length records cropped/padded to 5000."""
  ecg = np.asarray(example["ecg"], np.float32)
  return {"ecg": windows.crop_or_pad(ecg, 5000, align="start")
                 if ecg.shape[0] > 1440 else ecg}


def _read_rate(source, augment: bool, seconds: float) -> float:
  """Examples/s of shuffled, batched (32) reads of `source` through grain."""
  dataset = grain.MapDataset.source(source).seed(0).shuffle().repeat(None)
  dataset = dataset.map(_ecg_only)
  if augment:
    dataset = dataset.random_map(_AUGMENT)
  iterator = iter(dataset.batch(32, drop_remainder=True).to_iter_dataset(
      grain.ReadOptions(num_threads=2, prefetch_buffer_size=8)))
  next(iterator)
  count, start = 0, time.perf_counter()
  while time.perf_counter() - start < seconds:
    count += len(next(iterator)["ecg"])
  return count / (time.perf_counter() - start)


def main(argv):
  del argv
  shared = pathlib.Path(_SHARED.value)
  rows = []
  with tempfile.TemporaryDirectory() as work:
    for name, files, prepare in _cases(shared, pathlib.Path(work)):
      raw_mb = sum(f.stat().st_size for f in files) / 1e6
      start = time.perf_counter()
      builder = prepare()
      seconds = time.perf_counter() - start
      train = builder.as_data_source("train")
      examples = sum(split.num_examples for split in builder.info.splits.values())
      rows.append({
          "corpus": name, "raw_files": len(files), "raw_mb": raw_mb,
          "prepare_s": seconds, "examples": examples,
          "examples_per_s": examples / seconds, "mb_per_s": raw_mb / seconds,
          "read_examples_per_s": _read_rate(train, False, _READ_SECONDS.value),
          "read_augmented_examples_per_s": _read_rate(train, True, _READ_SECONDS.value),
      })
  print("| corpus | raw files | raw MB | prepare s | examples | examples/s | MB/s "
        "| read ex/s | read+augment ex/s |")
  print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
  for r in rows:
    print(f"| {r['corpus']} | {r['raw_files']} | {r['raw_mb']:.1f} | {r['prepare_s']:.1f} "
          f"| {r['examples']} | {r['examples_per_s']:,.0f} | {r['mb_per_s']:.2f} "
          f"| {r['read_examples_per_s']:,.0f} | {r['read_augmented_examples_per_s']:,.0f} |")
  if _OUT.value:
    versions = {p: importlib.metadata.version(p)
                for p in ("tensorflow-datasets", "grain", "array-record", "wfdb", "numpy")}
    pathlib.Path(_OUT.value).write_text(json.dumps({
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg()},
        "versions": {"cardiojax": cardiojax.__version__, **versions},
        "results": rows}, indent=2))


if __name__ == "__main__":
  app.run(main)
