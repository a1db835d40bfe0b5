r"""Input pipeline throughput (examples/s) through a grain MapDataset.

Synthetic in-memory examples of PTB-XL shape (1000, 12) at 100 Hz and of
MIT-BIH-window shape (1440, 2) at 360 Hz go through shuffle -> [augment] ->
normalise -> batch -> a threaded iterator, as in training; each setting runs
for a fixed time after a warm-up. Prints a markdown table; `--out` also writes
JSON with the machine, package versions, settings and results.

  python experiments/benchmarks/input_throughput.py --quick --out=/tmp/input.json

`--quick` (~10 s) runs each setting for 1.5 s instead of 10 s.
"""

import importlib.metadata
import json
import os
import platform
import time

from absl import app
from absl import flags
import grain
import numpy as np

import cardiojax
from cardiojax.input import transforms

_OUT = flags.DEFINE_string("out", None, "Where to write the JSON results.")
_QUICK = flags.DEFINE_bool("quick", False, "1.5 s per setting instead of 10 s.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 32, "Examples per batch.")
_NUM_THREADS = flags.DEFINE_integer("num_threads", 2, "grain ReadOptions.num_threads.")
_NUM_RECORDS = flags.DEFINE_integer("num_records", 512, "Distinct synthetic records.")

# (name, (time, leads), sampling rate in Hz).
_SHAPES = (("ptbxl_100hz", (1000, 12), 100.0), ("mitdb_window", (1440, 2), 360.0))


class SyntheticSource:
  """Random-access source of `num_records` random signals in mV."""

  def __init__(self, num_records: int, shape: tuple[int, int], seed: int = 0):
    rng = np.random.default_rng(seed)
    self.inputs = rng.normal(0.0, 0.5, size=(num_records, *shape)).astype(np.float32)
    self.targets = rng.integers(0, 5, size=num_records)

  def __len__(self) -> int:
    return len(self.inputs)

  def __getitem__(self, i):
    return {"inputs": self.inputs[i], "targets": self.targets[i]}


class Normalize(grain.transforms.Map):
  """Applies a fitted `transforms.Normalizer` to `example['inputs']`."""

  def __init__(self, normalizer: transforms.Normalizer):
    self.normalizer = normalizer

  def map(self, element):
    return {**element, "inputs": self.normalizer.apply(element["inputs"])}


def augmentations(fs: float) -> list[tuple[str, dict]]:
  """The augmentation chain benchmarked (all four augmentations)."""
  return [("scale_amplitude", {"low": 0.8, "high": 1.2}),
          ("time_shift", {"max_shift": int(0.1 * fs)}),
          ("gaussian_noise", {"std": 0.02}),
          ("baseline_wander", {"fs": fs, "max_amplitude": 0.1})]


def measure(source, augment, seconds: float, batch_size: int,
            num_threads: int) -> dict:
  """Runs the pipeline for `seconds` after a warm-up; returns the figures."""
  normalizer = transforms.Normalizer.fit(source.inputs)
  ds = grain.MapDataset.source(source).seed(0).shuffle().repeat(None)
  if augment:
    ds = ds.random_map(augment)
  ds = ds.map(Normalize(normalizer)).batch(batch_size, drop_remainder=True)
  it = iter(ds.to_iter_dataset(grain.ReadOptions(num_threads=num_threads,
                                                 prefetch_buffer_size=4 * num_threads)))
  for _ in range(4):
    next(it)
  batches, start = 0, time.perf_counter()
  while (elapsed := time.perf_counter() - start) < seconds:
    next(it)
    batches += 1
  examples = batches * batch_size
  return {"examples": examples, "seconds": elapsed,
          "examples_per_s": examples / elapsed,
          "ms_per_batch": 1e3 * elapsed / batches}


def main(argv):
  del argv
  seconds = 1.5 if _QUICK.value else 10.0
  results = []
  for name, shape, fs in _SHAPES:
    source = SyntheticSource(_NUM_RECORDS.value, shape)
    for augmented in (False, True):
      augment = transforms.Augment(augmentations(fs)) if augmented else None
      figures = measure(source, augment, seconds, _BATCH_SIZE.value, _NUM_THREADS.value)
      results.append({"data": name, "shape": list(shape), "fs_hz": fs,
                      "augment": augmented, **figures})

  print("| data | shape (time, leads) | augment | examples/s | ms/batch |")
  print("|---|---|---|---:|---:|")
  for r in results:
    print(f"| {r['data']} | {tuple(r['shape'])} | {'yes' if r['augment'] else 'no'} "
          f"| {r['examples_per_s']:,.0f} | {r['ms_per_batch']:.2f} |")

  if _OUT.value:
    report = {
        "benchmark": "input_throughput",
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "usable_cpus": len(os.sched_getaffinity(0))},
        "versions": {"cardiojax": cardiojax.__version__,
                     **{p: importlib.metadata.version(p) for p in ("grain", "numpy", "scipy")}},
        "settings": {"quick": _QUICK.value, "seconds_per_setting": seconds,
                     "batch_size": _BATCH_SIZE.value, "num_threads": _NUM_THREADS.value,
                     "num_records": _NUM_RECORDS.value, "pipeline":
                     "source -> shuffle -> [Augment] -> Normalizer -> batch -> ReadOptions threads",
                     "augmentations": {name: augmentations(fs) for name, _, fs in _SHAPES}},
        "results": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(_OUT.value)), exist_ok=True)
    with open(_OUT.value, "w") as f:
      json.dump(report, f, indent=2)
    print(f"Wrote {_OUT.value}")


if __name__ == "__main__":
  app.run(main)
