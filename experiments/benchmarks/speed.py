r"""Training and inference speed of cardiojax models against PyTorch references.

For each case the cardiojax model (the real jitted, donated, mesh-sharded
`train_step` with Adam) and its PyTorch twin (`torch_models.py`, eager, NCW,
same parameter count, asserted) get identical data. Both warm up, then their
repetitions alternate (JAX, torch, torch, JAX, ...) so both see the same load.
Reported: training examples/s (forward + backward + Adam), inference examples/s
at a large batch, latency at batch 1, the first step (JAX: compile + run) and
peak memory: in a fresh process, the peak resident set over 3 training steps
above the resident set before the model is built (glibc told to mmap blocks >=
64 KiB, so freed buffers leave the RSS), and for JAX also XLA's own buffer plan
of the step (arguments + outputs - donated + temporaries). Medians, and the
spread as half the interquartile range in percent of the median; the JAX/torch
ratio is the median of per-repetition time ratios.

  python experiments/benchmarks/speed.py --json_out=experiments/benchmarks/speed.json
  python experiments/benchmarks/speed.py --quick   # fewer repetitions, no memory probes
  python experiments/benchmarks/speed.py --tiny    # CI: one small case, seconds
  python experiments/benchmarks/speed.py --scaling --json_out=.../scaling.json
  python experiments/benchmarks/speed.py --cases=resnet34 --train_batch=256 \
      --compute_dtype=bfloat16 --torch_autocast --mfu   # GPU (experiments/benchmarks/gpu.sh)

`--profile=CASE` writes the per-operation times of CASE's JAX train step (XLA's
thunks, from a `jax.profiler` trace of 5 steps; loops are both a `while` entry
and their body's thunks) to --json_out:

  python experiments/benchmarks/speed.py --profile=bilstm \
      --json_out=experiments/benchmarks/profile_bilstm.json

`--scaling` measures training examples/s over batch sizes, input lengths
and (JAX) 1, 2 and 4 CPU devices (a child process with
`--xla_force_host_platform_device_count=4`) and draws the curves to PNG.
Without torch installed (the `[torch]` extra) only cardiojax is measured.

On a GPU (`jax.default_backend() == 'gpu'`) torch runs on CUDA too (cuDNN
benchmark mode); `--compute_dtype=bfloat16` trains cardiojax in mixed precision
(`config.train.compute_dtype`), `--torch_autocast` runs torch's forward under
`torch.autocast(bfloat16)`. `--mfu` adds the FLOPs of one train step from XLA's
cost analysis of the compiled step and the model FLOPs utilisation against the
device's dense bf16 peak (`bench_common.PEAK_BF16_TFLOPS`, or `--peak_tflops`).
XLA counts a loop body once and a library call (cuDNN's LSTM and attention) not
at all, so the BiLSTM's and the fused Transformer's MFU are lower bounds.
"""

import collections
import dataclasses
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from cardiojax.models import MODELS
from cardiojax.tasks import make_task
from cardiojax.train import sharding
from cardiojax.train import state as state_lib
from cardiojax.train import steps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position

try:
  import torch
  from torch.nn import functional as F
  sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
  import torch_models  # pylint: disable=g-import-not-at-top
except ImportError:
  torch = None

_SCALING = flags.DEFINE_bool("scaling", False, "Measure the scaling curves instead.")
_CASES = flags.DEFINE_list("cases", None, "Cases to run (default: all).")
_JSON_OUT = flags.DEFINE_string("json_out", None, "Where to write the JSON results.")
_QUICK = flags.DEFINE_bool("quick", False, "Fewer repetitions, no memory probes (~2 min).")
_TINY = flags.DEFINE_bool("tiny", False,
                          "2 repetitions; without --cases one small case (CI).")
_MEMORY = flags.DEFINE_bool("memory", True, "Peak memory probes (child processes).")
_JAX_ONLY = flags.DEFINE_bool("jax_only", False, "Skip PyTorch even if installed.")
_MEMORY_ONLY = flags.DEFINE_bool("memory_only", False,
                                  "Only the memory probes, merged into --json_out.")
_PROBE = flags.DEFINE_string("probe", None, "Internal: 'case:framework' memory probe.")
_DEVICE_CURVE = flags.DEFINE_string("device_curve", None,
                                    "Internal: 'case:batch' over 1, 2, 4 devices.")
_LENGTH = flags.DEFINE_integer("length", None, "Input length of every case (default: its own).")
_TRAIN_BATCH = flags.DEFINE_integer("train_batch", None, "Training batch of every case.")
_INFER_BATCH = flags.DEFINE_integer("infer_batch", None, "Inference batch of every case.")
_COMPUTE_DTYPE = flags.DEFINE_enum("compute_dtype", "float32", list(state_lib.COMPUTE_DTYPES),
                                   "cardiojax's computation dtype (config.train.compute_dtype).")
_TORCH_AUTOCAST = flags.DEFINE_bool("torch_autocast", False,
                                    "torch forward passes under autocast(bfloat16).")
_PROFILE = flags.DEFINE_string("profile", None,
                               "Per-operation profile of this case's JAX train step.")
_MFU = flags.DEFINE_bool("mfu", False, "Train-step FLOPs (XLA cost analysis) and MFU.")
_PEAK_TFLOPS = flags.DEFINE_float("peak_tflops", None,
                                  "Peak TFLOP/s for the MFU (default: by device name).")


@dataclasses.dataclass(frozen=True)
class Case:
  """A model at its reference input, with the batch sizes to time it at."""
  model: str
  length: int
  leads: int
  outputs: int
  train_batch: int
  infer_batch: int
  torch_model: Callable[[int], Any]
  task: str = "multi_class"
  kwargs: dict = dataclasses.field(default_factory=dict)

  def flax_model(self, length: int, dtype=jnp.float32):
    return MODELS[self.model](num_outputs=self.outputs, dtype=dtype, **self.kwargs)


def _torch(name: str, **kwargs) -> Callable[[int], Any]:
  return lambda length: getattr(torch_models, name)(**kwargs, length=length)


CASES = {
    "resnet34": Case("resnet34", 5000, 12, 9, 4, 16,
                     lambda length: torch_models.ResNet1D(9)),
    "ribeiro_resnet": Case("ribeiro_resnet", 4096, 12, 6, 4, 16,
                           _torch("RibeiroResNet", num_outputs=6)),
    "bilstm": Case("bilstm", 187, 1, 5, 64, 1024, _torch("BiLSTMNet", num_outputs=5)),
    "dilated_cnn_bilstm": Case("dilated_cnn_bilstm", 187, 1, 5, 64, 1024,
                               lambda length: torch_models.DilatedCNNBiLSTM(5)),
    "transformer": Case("transformer", 1000, 12, 5, 32, 256,
                        lambda length: torch_models.Transformer1D(5)),
    "ecg_to_vm": Case("ecg_to_vm", 500, 12, 75, 16, 64,
                      _torch("ECGToVm", num_outputs=75), task="dense_regression"),
}
TINY_CASE = ("transformer", 256, 4, 8)  # case, length, train batch, inference batch

# (warm-up, timed) repetitions of the training step, inference and batch-1 latency.
_REPS = {"full": ((2, 7), (1, 5), (3, 11)), "quick": ((1, 3), (1, 3), (2, 5)),
         "tiny": ((1, 2), (1, 2), (1, 2))}


def _task(case: Case):
  if case.task == "dense_regression":
    return make_task({"name": "dense_regression"})
  return make_task({"name": "multi_class",
                    "class_names": tuple(str(i) for i in range(case.outputs))})


def _data(case: Case, length: int, batch: int, seed: int = 0) -> dict:
  rng = np.random.default_rng(seed)
  inputs = rng.normal(0.0, 0.5, (batch, length, case.leads)).astype(np.float32)
  if case.task == "dense_regression":
    targets = rng.normal(size=(batch, length, case.outputs)).astype(np.float32)
  else:
    targets = rng.integers(0, case.outputs, batch).astype(np.int32)
  return {"inputs": inputs, "targets": targets, "mask": np.ones(batch, np.float32)}


def num_params(tree) -> int:
  return sum(int(np.prod(x.shape)) for x in jax.tree.leaves(tree))


class JaxRunner:
  """The cardiojax side: the real train step over a mesh of `devices` devices."""

  def __init__(self, case: Case, length: int, batch: int, infer_batch: int, devices: int = 1,
               dtype=jnp.float32):
    self.model = case.flax_model(length, dtype)
    self.mesh = Mesh(np.asarray(jax.devices()[:devices]), ("data",))
    example = jnp.zeros((1, length, case.leads))
    self.state = jax.device_put(
        state_lib.create_train_state(self.model, optax.adam(1e-3), example, seed=0),
        NamedSharding(self.mesh, PartitionSpec()))
    self.num_params = num_params(self.state.params)
    self.train, _ = steps.compile_steps(_task(case), self.mesh)
    self.batch = sharding.global_batch(_data(case, length, batch), self.mesh)
    self.forward = jax.jit(lambda variables, x: self.model.apply(variables, x, train=False)[0])
    self.infer_x = sharding.global_batch({"x": _data(case, length, infer_batch, 1)["inputs"]},
                                         self.mesh)["x"]
    self.one_x = jnp.asarray(_data(case, length, 1, 2)["inputs"])

  def compiled_step(self):
    return self.train.lower(self.state, self.batch).compile()

  def xla_peak_mb(self) -> float:
    """XLA's buffer plan of the step: arguments + outputs - aliased + temporaries."""
    m = self.compiled_step().memory_analysis()
    return (m.argument_size_in_bytes + m.output_size_in_bytes - m.alias_size_in_bytes
            + m.temp_size_in_bytes) / 2**20

  def step_flops(self) -> float:
    """FLOPs of one train step by XLA's cost analysis of the compiled step."""
    return float(self.compiled_step().cost_analysis()["flops"])

  def train_step(self):
    self.state, metrics = self.train(self.state, self.batch)
    jax.block_until_ready(metrics["loss"])

  def infer(self):
    jax.block_until_ready(self.forward(self.state.variables, self.infer_x))

  def latency(self):
    jax.block_until_ready(self.forward(self.state.variables, self.one_x))


class TorchRunner:
  """The PyTorch side: eager, NCW, Adam, default threads; on `device` ('cpu' or
  'cuda'), the forward passes under bfloat16 autocast if `autocast`."""

  def __init__(self, case: Case, length: int, batch: int, infer_batch: int,
               num_params: int | None, device: str = "cpu", autocast: bool = False):
    torch.manual_seed(0)
    self.device = device
    self.autocast = torch.autocast(device, dtype=torch.bfloat16, enabled=autocast)
    self.model = case.torch_model(length).to(device)
    self.num_params = torch_models.num_params(self.model)
    if num_params is not None and self.num_params != num_params:
      raise AssertionError(f"{case.model}: torch has {self.num_params:,} parameters, "
                           f"cardiojax {num_params:,}")
    self.opt = torch.optim.Adam(self.model.parameters(), 1e-3)
    ncw = lambda x: torch.from_numpy(  # noqa: E731
        np.ascontiguousarray(x.transpose(0, 2, 1))).to(device)
    data = _data(case, length, batch)
    self.x, self.y = ncw(data["inputs"]), torch.from_numpy(data["targets"]).to(device)
    if case.task == "dense_regression":
      self.loss = F.mse_loss
    else:
      self.loss = lambda out, y: F.cross_entropy(out, y.long())
    self.infer_x = ncw(_data(case, length, infer_batch, 1)["inputs"])
    self.one_x = ncw(_data(case, length, 1, 2)["inputs"])

  def _sync(self):
    if self.device == "cuda":
      torch.cuda.synchronize()

  def train_step(self):
    self.model.train()
    self.opt.zero_grad(set_to_none=True)
    with self.autocast:
      loss = self.loss(self.model(self.x).float(), self.y)
    loss.backward()
    self.opt.step()
    self._sync()

  def _forward(self, x):
    self.model.eval()
    with torch.inference_mode(), self.autocast:
      self.model(x)
    self._sync()

  def infer(self):
    self._forward(self.infer_x)

  def latency(self):
    self._forward(self.one_x)


def _timed(fn) -> float:
  start = time.perf_counter()
  fn()
  return time.perf_counter() - start


def _alternate(fns: dict[str, Callable], warmup: int, reps: int) -> dict[str, list[float]]:
  """Warms each function up, then times them alternately (ABBA order)."""
  for fn in fns.values():
    for _ in range(warmup):
      fn()
  times = {name: [] for name in fns}
  for r in range(reps):
    for name in (list(fns) if r % 2 == 0 else list(fns)[::-1]):
      times[name].append(_timed(fns[name]))
  return times


def _summary(times: list[float], examples: int) -> dict:
  """Median examples/s and time, spread as half the IQR in % of the median."""
  q1, median, q3 = np.percentile(times, [25, 50, 75])
  return {"examples_per_s": float(examples / median), "median_s": float(median),
          "spread_pct": float(100 * (q3 - q1) / 2 / median), "times_s": list(times)}


def _ratio(times: dict[str, list[float]]) -> float | None:
  if "torch" not in times:
    return None
  return float(np.median(np.asarray(times["jax"]) / np.asarray(times["torch"])))


def _memory_probe(case_name: str, framework: str) -> float:
  """Runs a fresh process measuring the peak RSS growth of 3 training steps."""
  env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
  out = subprocess.run([sys.executable, os.path.abspath(__file__),
                        f"--probe={case_name}:{framework}"],
                       env=env, capture_output=True, text=True, check=True).stdout
  return json.loads(out.strip().splitlines()[-1])["peak_rss_mb"]


def _rss_kb(field: str) -> int:
  with open("/proc/self/status") as f:
    return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def run_probe(spec: str):
  """Child process: peak RSS over 3 training steps above the RSS before the model.

  Counts the model, optimizer state, data, retained buffers and the steps'
  transient peak; not the compilation or first-step peak (reset after step 1).
  """
  case_name, framework = spec.split(":")
  case = CASES[case_name]
  jnp.zeros(()).block_until_ready()  # starts the JAX client before the baseline
  before = _rss_kb("VmRSS")
  runner = (JaxRunner(case, case.length, case.train_batch, 1) if framework == "jax" else
            TorchRunner(case, case.length, case.train_batch, 1, None))
  runner.train_step()
  with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM, the peak resident set
  for _ in range(3):
    runner.train_step()
  print(json.dumps({"peak_rss_mb": (_rss_kb("VmHWM") - before) / 1024}))


@dataclasses.dataclass(frozen=True)
class Precision:
  """How both sides compute: cardiojax's dtype, torch's device and autocast, MFU."""
  compute_dtype: str = "float32"
  torch_device: str = "cpu"
  torch_autocast: bool = False
  mfu: bool = False
  peak_tflops: float | None = None


def run_case(name: str, case: Case, length: int, batch: int, infer_batch: int,
             reps: tuple, use_torch: bool, memory: bool,
             precision: Precision = Precision()) -> dict:
  """All figures of one case; JAX and torch alternate."""
  jx = JaxRunner(case, length, batch, infer_batch,
                 dtype=state_lib.compute_dtype(precision.compute_dtype))
  sides = {"jax": jx}
  result = {"case": name, "model": case.model, "input": [length, case.leads],
            "train_batch": batch, "infer_batch": infer_batch, "params": jx.num_params,
            "device": jax.devices()[0].device_kind, "compute_dtype": precision.compute_dtype,
            "torch_device": precision.torch_device if use_torch else None,
            "torch_autocast": precision.torch_autocast if use_torch else None}
  first = {"jax": _timed(jx.train_step)}
  if use_torch:
    sides["torch"] = TorchRunner(case, length, batch, infer_batch, jx.num_params,
                                 precision.torch_device, precision.torch_autocast)
    first["torch"] = _timed(sides["torch"].train_step)
  result["first_step_s"] = first
  for kind, (warmup, count), examples in zip(("train", "infer", "latency"), reps,
                                             (batch, infer_batch, 1)):
    times = _alternate({k: getattr(s, kind if kind != "train" else "train_step")
                        for k, s in sides.items()}, warmup, count)
    result[kind] = {k: _summary(v, examples) for k, v in times.items()}
    result[kind]["jax_over_torch_time"] = _ratio(times)
  result["xla_peak_mb"] = jx.xla_peak_mb()
  if precision.mfu:
    flops = jx.step_flops()
    peak = precision.peak_tflops or bench_common.peak_bf16_tflops(result["device"])
    result["train_step_tflop"] = flops / 1e12
    result["train_tflop_s"] = flops / result["train"]["jax"]["median_s"] / 1e12
    result["peak_tflop_s"] = peak
    result["mfu"] = result["train_tflop_s"] / peak if peak else None
  if memory:
    result["peak_rss_mb"] = {k: _memory_probe(name, k) for k in sides}
  return result


def _fmt(entry: dict) -> str:
  return f"{entry['examples_per_s']:,.1f} ±{entry['spread_pct']:.0f}%"


def _ms(entry: dict) -> str:
  return f"{1e3 * entry['median_s']:.1f} ±{entry['spread_pct']:.0f}%"


def markdown(results: list[dict]) -> str:
  """The case table: JAX, torch and the JAX/torch time ratio per figure."""
  na = "n/a"
  lines = ["| case | input (T, C) | params | batch train/infer | train ex/s JAX | torch | "
           "JAX/torch time | infer ex/s JAX | torch | JAX/torch time | latency ms JAX | "
           "torch | JAX/torch | first step s JAX | torch | peak MB JAX (XLA plan) | torch "
           "| device, JAX dtype, torch | train TFLOP/s JAX (MFU) |",
           "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
           "---:|---|---:|"]
  for r in results:
    row = [r["case"], f"{r['input'][0]} x {r['input'][1]}", f"{r['params']:,}",
           f"{r['train_batch']}/{r['infer_batch']}"]
    for kind, fmt in (("train", _fmt), ("infer", _fmt), ("latency", _ms)):
      ratio = r[kind]["jax_over_torch_time"]
      row += [fmt(r[kind]["jax"]), fmt(r[kind]["torch"]) if "torch" in r[kind] else na,
              f"{ratio:.2f}x" if ratio else na]
    row += [f"{r['first_step_s']['jax']:.1f}",
            f"{r['first_step_s']['torch']:.2f}" if "torch" in r["first_step_s"] else na]
    rss = r.get("peak_rss_mb", {})
    row += [f"{rss['jax']:,.0f} ({r['xla_peak_mb']:,.0f})" if "jax" in rss
            else f"({r['xla_peak_mb']:,.0f})",
            f"{rss['torch']:,.0f}" if "torch" in rss else na]
    torch_side = na if r.get("torch_device") is None else (
        r["torch_device"] + (" autocast bf16" if r["torch_autocast"] else " fp32"))
    row.append(f"{r.get('device', na)}, {r.get('compute_dtype', 'float32')}, {torch_side}")
    mfu = r.get("mfu")
    row.append(na if "train_tflop_s" not in r else f"{r['train_tflop_s']:.3g}" + (
        f" ({100 * mfu:.1f}%)" if mfu is not None else ""))
    lines.append("| " + " | ".join(row) + " |")
  return "\n".join(lines)


def report(settings: dict, results, load_before) -> dict:
  return {
      **bench_common.environment(
          "speed", ("jax", "jaxlib", "flax", "optax", "numpy"),
          torch, load_before),
      "settings": settings,
      "results": results,
  }


def run_cases() -> dict:
  """The case table (or the tiny CI case)."""
  use_torch = torch is not None and not _JAX_ONLY.value
  level = "tiny" if _TINY.value else "quick" if _QUICK.value else "full"
  memory = _MEMORY.value and level == "full"
  precision = Precision(
      _COMPUTE_DTYPE.value, "cuda" if jax.default_backend() == "gpu" else "cpu",
      _TORCH_AUTOCAST.value, _MFU.value, _PEAK_TFLOPS.value)
  if use_torch and precision.torch_device == "cuda":
    torch.backends.cudnn.benchmark = True
  results = []
  if _TINY.value and not _CASES.value:
    name, length, batch, infer_batch = TINY_CASE
    results.append(run_case(name, CASES[name], length, batch, infer_batch, _REPS[level],
                            use_torch, False, precision))
  else:
    for name in _CASES.value or list(CASES):
      case = CASES[name]
      results.append(run_case(
          name, case, _LENGTH.value or case.length, _TRAIN_BATCH.value or case.train_batch,
          _INFER_BATCH.value or case.infer_batch, _REPS[level], use_torch, memory, precision))
      print(markdown(results[-1:]).splitlines()[-1], flush=True)
  return {"level": level, "torch": use_torch, "memory_probes": memory,
          "precision": dataclasses.asdict(precision),
          "reps_warmup_timed": dict(zip(("train", "infer", "latency"), _REPS[level]))}, results


# Scaling curves: (case, values) for batch sizes and input lengths; device counts.
_BATCHES = {"resnet34": (1, 2, 4), "ribeiro_resnet": (1, 2, 4),
            "bilstm": (8, 32, 128, 512), "dilated_cnn_bilstm": (8, 32, 128, 512),
            "transformer": (4, 16, 64, 256), "ecg_to_vm": (2, 8, 32)}
_LENGTHS = {"resnet34": (1000, 2500, 5000, 10000, 15000),
            "ribeiro_resnet": (1024, 4096, 15360),
            "transformer": (1000, 2500, 5000, 10000, 15000)}
_LENGTH_BATCH = {"resnet34": 1, "ribeiro_resnet": 1, "transformer": 8}
_DEVICE_CASES = (("resnet34", 4), ("transformer", 32), ("bilstm", 64))


def _train_rate(case: Case, length: int, batch: int, use_torch: bool, reps: int,
                devices: int = 1) -> dict:
  jx = JaxRunner(case, length, batch, devices, devices)
  sides = {"jax": jx.train_step}
  if use_torch:
    sides["torch"] = TorchRunner(case, length, batch, 1, jx.num_params).train_step
  times = _alternate(sides, 1, reps)
  return {k: batch / float(np.median(v)) for k, v in times.items()}


def run_device_curve(spec: str):
  """Child process with 4 CPU devices: JAX training examples/s on 1, 2 and 4."""
  name, batch = spec.split(":")
  rates = {n: _train_rate(CASES[name], CASES[name].length, int(batch), False, 3, n)["jax"]
           for n in (1, 2, 4)}
  print(json.dumps(rates))


def run_scaling() -> tuple[dict, list]:
  """Training examples/s over batch sizes, lengths and device counts; PNG curves."""
  use_torch = torch is not None and not _JAX_ONLY.value
  reps = 2 if _QUICK.value else 3
  names = _CASES.value or list(CASES)
  results = []
  for name in names:
    case = CASES[name]
    for batch in _BATCHES[name]:
      results.append({"curve": "batch", "case": name, "batch": batch, "length": case.length,
                      **_train_rate(case, case.length, batch, use_torch, reps)})
      print(results[-1], flush=True)
    for length in _LENGTHS.get(name, ()):
      batch = _LENGTH_BATCH[name]
      results.append({"curve": "length", "case": name, "batch": batch, "length": length,
                      **_train_rate(case, length, batch, use_torch, reps)})
      print(results[-1], flush=True)
  env = {**os.environ, "XLA_FLAGS": (os.environ.get("XLA_FLAGS", "")
                                     + " --xla_force_host_platform_device_count=4").strip()}
  for name, batch in _DEVICE_CASES:
    if name in names:
      out = subprocess.run([sys.executable, os.path.abspath(__file__),
                            f"--device_curve={name}:{batch}"], env=env, capture_output=True,
                           text=True, check=True).stdout
      for devices, rate in json.loads(out.strip().splitlines()[-1]).items():
        results.append({"curve": "devices", "case": name, "batch": batch,
                        "length": CASES[name].length, "devices": int(devices), "jax": rate})
        print(results[-1], flush=True)
  if _JSON_OUT.value:
    plot_scaling(results, os.path.splitext(_JSON_OUT.value)[0])
  return {"reps": reps, "torch": use_torch, "batches": _BATCHES, "lengths": _LENGTHS,
          "length_batch": _LENGTH_BATCH, "device_cases": _DEVICE_CASES}, results


def plot_scaling(results: list[dict], prefix: str):
  """One PNG per curve kind: a panel per case, JAX solid, torch dashed."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  for curve, key, label in (("batch", "batch", "batch size"),
                            ("length", "length", "input length (samples)"),
                            ("devices", "devices", "CPU devices (2 cores)")):
    rows = [r for r in results if r["curve"] == curve]
    names = list(dict.fromkeys(r["case"] for r in rows))
    if not names:
      continue
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, name in zip(axes[0], names):
      case_rows = [r for r in rows if r["case"] == name]
      xs = [r[key] for r in case_rows]
      for side, style in (("jax", "o-"), ("torch", "s--")):
        if all(side in r for r in case_rows):
          ax.plot(xs, [r[side] for r in case_rows], style, label=side, ms=3)
      ax.set_xscale("log" if curve != "devices" else "linear")
      ax.set_xticks(xs, [str(x) for x in xs], rotation=45 if curve == "length" else 0)
      ax.minorticks_off()
      ax.set_title(name, fontsize=9)
      ax.set_xlabel(label, fontsize=8)
      ax.tick_params(labelsize=7)
      ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("training examples/s", fontsize=8)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{prefix}_{curve}.png", dpi=80)
    plt.close(fig)
    print(f"Wrote {prefix}_{curve}.png")


def run_profile(name: str, steps: int = 5, top: int = 30) -> dict:
  """Per-operation times of the JAX train step of case `name` (jax.profiler trace)."""
  case = CASES[name]
  runner = JaxRunner(case, _LENGTH.value or case.length, _TRAIN_BATCH.value or case.train_batch,
                     1, dtype=state_lib.compute_dtype(_COMPUTE_DTYPE.value))
  for _ in range(3):
    runner.train_step()
  with tempfile.TemporaryDirectory() as logdir:
    with jax.profiler.trace(logdir, create_perfetto_trace=True):
      start = time.perf_counter()
      for _ in range(steps):
        runner.train_step()
      traced_s = time.perf_counter() - start
    path, = glob.glob(os.path.join(logdir, "**", "perfetto_trace.json.gz"), recursive=True)
    with gzip.open(path) as f:
      events = json.load(f)
  events = events["traceEvents"] if isinstance(events, dict) else events
  total, calls = collections.Counter(), collections.Counter()
  for e in events:
    if e.get("ph") == "X" and not e["name"].startswith(("$", "ThunkExecutor", "Pjit")):
      total[e["name"]] += e.get("dur", 0)
      calls[e["name"]] += 1
  operations = [{"name": k, "ms_per_step": v / steps / 1e3, "calls_per_step": calls[k] / steps}
                for k, v in total.most_common(top)]
  print(f"{name}: {1e3 * traced_s / steps:.1f} ms per traced step")
  print("| operation | ms per step | calls per step |\n|---|---:|---:|")
  for op in operations:
    print(f"| {op['name']} | {op['ms_per_step']:.2f} | {op['calls_per_step']:.0f} |")
  return {"case": name, "train_batch": runner.batch["inputs"].shape[0], "steps": steps,
          "ms_per_traced_step": 1e3 * traced_s / steps, "operations": operations}


def merge_memory(path: str):
  """Reruns the memory probes of the cases in the JSON at `path` and rewrites it."""
  with open(path) as f:
    report = json.load(f)
  for result in report["results"]:
    frameworks = ["jax"] + (["torch"] if report["settings"]["torch"] else [])
    result["peak_rss_mb"] = {k: _memory_probe(result["case"], k) for k in frameworks}
  report["settings"]["memory_probes"] = True
  print(markdown(report["results"]))
  bench_common.write_json(path, report)


def main(argv):
  del argv
  if _PROBE.value:
    run_probe(_PROBE.value)
    return
  if _DEVICE_CURVE.value:
    run_device_curve(_DEVICE_CURVE.value)
    return
  if _MEMORY_ONLY.value:
    merge_memory(_JSON_OUT.value)
    return
  load_before = os.getloadavg()
  if _PROFILE.value:
    bench_common.write_json(_JSON_OUT.value, report(
        {"what": "jax.profiler trace of the JAX train step; per-operation (thunk) times"},
        [run_profile(_PROFILE.value)], load_before))
    return
  if _SCALING.value:
    settings, results = run_scaling()
  else:
    settings, results = run_cases()
    print(markdown(results))
  bench_common.write_json(_JSON_OUT.value, report(settings, results, load_before))


if __name__ == "__main__":
  app.run(main)
