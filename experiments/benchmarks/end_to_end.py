r"""One epoch of a PTB-XL-sized synthetic dataset through the real input pipeline and step.

21,799 records of (1000, 12) float32 (PTB-XL at 100 Hz, 1.05 GB in memory, 5
classes) sit in an `ArraySource`; `pipeline.train_iterator` (grain: shuffle,
per-lead normalisation, batch, 2 reader threads, prefetch 8) feeds
`sharding.global_batch` and the jitted, donated `train_step` exactly as
`train.loop` does (the metrics are fetched every step). Per step it records the
time spent waiting for the next batch (`next`, plus `global_batch`, also
reported alone) and in the step;
the input-wait fraction is wait / (wait + step). `--max_steps` stops early and
projects the full-epoch time from the measured steps.

  python experiments/benchmarks/end_to_end.py --model=transformer \
      --e2e_json=experiments/benchmarks/end_to_end.json
"""

import json
import os
import sys
import time

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import NamedSharding, PartitionSpec

from cardiojax.input import pipeline
from cardiojax.input import sources
from cardiojax.input import transforms
from cardiojax.models import MODELS
from cardiojax.tasks import make_task
from cardiojax.train import sharding
from cardiojax.train import state as state_lib
from cardiojax.train import steps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position
import speed  # pylint: disable=g-import-not-at-top,wrong-import-position

_MODEL = flags.DEFINE_string("model", "transformer", "A `MODELS` name taking (B, T, 12).")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 32, "Global batch size.")
_RECORDS = flags.DEFINE_integer("records", 21799, "Records in the synthetic train split.")
_MAX_STEPS = flags.DEFINE_integer("max_steps", None, "Stop after this many steps.")
_E2E_JSON = flags.DEFINE_string("e2e_json", None, "JSON path (a PNG goes beside it).")

_LENGTH, _LEADS, _CLASSES = 1000, 12, 5


class _Normalize:
  """Per-example transform: per-lead normalisation of `inputs`."""

  def __init__(self, normalizer):
    self.normalizer = normalizer

  def __call__(self, example):
    return {**example, "inputs": self.normalizer.apply(example["inputs"])}


def synthetic_source(records: int, seed: int = 0) -> sources.ArraySource:
  rng = np.random.default_rng(seed)
  inputs = np.empty((records, _LENGTH, _LEADS), np.float32)
  for start in range(0, records, 2048):
    rng.standard_normal(out=inputs[start:start + 2048], dtype=np.float32)
  inputs *= 0.5
  return sources.ArraySource({"inputs": inputs,
                              "targets": rng.integers(0, _CLASSES, records).astype(np.int32)})


def main(argv):
  del argv
  start = time.perf_counter()
  source = synthetic_source(_RECORDS.value)
  normalizer = transforms.Normalizer.fit(source.arrays["inputs"][:1000])
  setup_s = time.perf_counter() - start
  mesh = sharding.data_mesh()
  model = MODELS[_MODEL.value](num_outputs=_CLASSES)
  task = make_task({"name": "multi_class",
                    "class_names": tuple(str(i) for i in range(_CLASSES))})
  state = jax.device_put(
      state_lib.create_train_state(model, optax.adam(1e-3), jnp.zeros((1, _LENGTH, _LEADS)), 0),
      NamedSharding(mesh, PartitionSpec()))
  train, _ = steps.compile_steps(task, mesh)
  iterator = pipeline.train_iterator(source, batch_size=_BATCH_SIZE.value, seed=0,
                                     transform=_Normalize(normalizer))
  steps_per_epoch = _RECORDS.value // _BATCH_SIZE.value
  num_steps = min(_MAX_STEPS.value or steps_per_epoch, steps_per_epoch)
  load_before = os.getloadavg()
  compile_start = time.perf_counter()
  state, metrics = train(state, sharding.global_batch(next(iterator), mesh))
  jax.device_get(metrics)
  first_step_s = time.perf_counter() - compile_start
  wait, put, compute = [], [], []
  epoch_start = time.perf_counter()
  for _ in range(num_steps - 1):
    t0 = time.perf_counter()
    host_batch = next(iterator)
    t1 = time.perf_counter()
    batch = sharding.global_batch(host_batch, mesh)
    t2 = time.perf_counter()
    state, metrics = train(state, batch)
    metrics = jax.device_get(metrics)
    wait.append(t2 - t0)
    put.append(t2 - t1)
    compute.append(time.perf_counter() - t2)
  measured_s = time.perf_counter() - epoch_start
  fraction = sum(wait) / (sum(wait) + sum(compute))
  per_step = measured_s / len(wait)
  result = {
      "model": _MODEL.value, "params": speed.num_params(state.params),
      "records": _RECORDS.value, "input": [_LENGTH, _LEADS], "batch_size": _BATCH_SIZE.value,
      "steps_per_epoch": steps_per_epoch, "steps_measured": len(wait) + 1,
      "full_epoch": num_steps == steps_per_epoch, "data_setup_s": setup_s,
      "first_step_s": first_step_s, "measured_s": measured_s,
      "input_wait_fraction": fraction,
      "median_wait_ms": 1e3 * float(np.median(wait)),
      "median_global_batch_ms": 1e3 * float(np.median(put)),
      "median_step_ms": 1e3 * float(np.median(compute)),
      "examples_per_s": _BATCH_SIZE.value / per_step,
      "epoch_s": first_step_s + measured_s if num_steps == steps_per_epoch else None,
      "projected_epoch_s": first_step_s + per_step * (steps_per_epoch - 1),
      "final_loss": float(metrics["loss"]),
  }
  print(json.dumps(result, indent=2))
  if _E2E_JSON.value:
    report = speed.report({"pipeline": "ArraySource -> train_iterator(shuffle, normalise, "
                                        "batch; 2 threads, prefetch 8) -> global_batch -> "
                                        "train_step (metrics fetched each step)"},
                           [result], load_before)
    bench_common.write_json(_E2E_JSON.value, report)
    _plot(wait, compute, os.path.splitext(_E2E_JSON.value)[0] + ".png", result)


def _plot(wait, compute, path, result):
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  fig, ax = plt.subplots(figsize=(6.4, 2.8))
  steps_axis = np.arange(2, len(wait) + 2)
  ax.plot(steps_axis, 1e3 * np.asarray(compute), lw=0.6, label="train step")
  ax.plot(steps_axis, 1e3 * np.asarray(wait), lw=0.6, label="waiting for input")
  ax.set_yscale("log")
  ax.set_xlabel("step", fontsize=8)
  ax.set_ylabel("ms", fontsize=8)
  ax.set_title(f"{result['model']}, {result['records']:,} x (1000, 12), batch "
               f"{result['batch_size']}: input wait {100 * result['input_wait_fraction']:.1f}%",
               fontsize=9)
  ax.tick_params(labelsize=7)
  ax.legend(fontsize=7)
  fig.tight_layout()
  fig.savefig(path, dpi=80)
  plt.close(fig)
  print(f"Wrote {path}")


if __name__ == "__main__":
  app.run(main)
