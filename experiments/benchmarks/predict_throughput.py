r"""End-to-end predict throughput of trained runs, with PyTorch model references.

What is timed is `cardiojax.load(workdir).predict(signal, fs, lead_names)`:
the signal check, the corpus's preparation (resampling, lead order, QRS
detection and beat windows or sliding windows, normalisation), the model on
all local devices (compiled once per batch-size bucket) and the aggregation.
The runs are trained here, 2 steps each, into a temporary folder (corpora
prepared there too from the shared subsets in ../shared/data):

  holter   `configs/beats_mitdb.py`: `get_config('smoke')` with the FULL model
           section of `get_config('')` (deep_cnn 32-32-64-64-128, 814,817
           parameters) copied over it. Input: a 24 h two-lead record at 360 Hz,
           MIT-BIH records 100, 103 and 106 (`wfdb.rdrecord(...).p_signal`,
           MLII and the chest lead) concatenated and tiled to 24 h; lead names
           from record 100's header (MLII, V5; the chest lead of each 30 min
           segment is its record's own: V5, V2 or V1; the model reads MLII).
           Reported: beats/s, seconds per 24 h record, and the split of each
           predict into `prepare` (signal check + preparation), `outputs`
           (the model: cutting and normalising each batch, the forward pass,
           the copy back) and the rest (decisions, aggregation) -- the two
           methods are timed by wrapping them on the predictor, so the three
           parts add up to the same predict call. Target (issue): a 24 h
           Holter record in under 60 s on 2 CPU cores.
  ptbxl    `configs/ptbxl.py` (100 Hz, full xresnet1d101) and
  cpsc2018 `configs/cpsc2018_resnet34.py` (500 Hz, full ResNet-34; the full
           config's 30 s window, so a 10 s record is padded to one window, as
           a real run predicts it), each `smoke` with the full model section
           (and the full config's train/eval lengths) copied over it. Input:
           the 10 s 12-lead PTB-XL records 00001-00100 at 500 Hz
           (records500/00000/000NN_hr), predicted one by one: records/s.

Model alone, beside PyTorch (when torch is importable, the `[torch]` extra):
the prepared inputs are taken once (`predictor.prepare(...)` and
`ModelInputs.inputs`, converted to NCW for torch) and run in batches of
`config.predict.batch_size` through the predictor's own jitted forward (model
+ output activation; batches padded only to a multiple of the device count)
and through the torch twin of the model (`torch_models.py`: DeepCNN,
XResNet1D, ResNet1D; same parameter count, asserted) in eval mode under
`torch.inference_mode()`, same activation. Repetitions alternate (cardiojax,
torch, torch, cardiojax, ...) after one warm-up of each batch shape; the
cardiojax/torch ratio is the median of per-repetition time ratios (below 1:
cardiojax is faster). Medians over repetitions throughout; the machine, the
versions and the load average before and after go into the JSON.

  python experiments/benchmarks/predict_throughput.py \
      --json_out=experiments/benchmarks/predict_throughput.json
  python experiments/benchmarks/predict_throughput.py --tiny   # CI: seconds
  python experiments/benchmarks/predict_throughput.py --jax_only --holter_hours=1

`--tiny`: a 10 min Holter record, 3 PTB-XL records, the smoke-size models
(`get_config('smoke')` unchanged), 2 repetitions. The model runs on every
local JAX device: by default one CPU device, whose XLA thread pool uses both
cores (torch: 2 threads). `--tiny`, `--json_out` and `--jax_only` mean what
they mean in speed.py; they are defined here with `allow_override`, and
speed.py is not imported, so both benchmarks load in one process (the tests).
"""

import contextlib
import importlib
import os
import pathlib
import sys
import tempfile
import time

from absl import app
from absl import flags
import jax
import numpy as np
import wfdb

import cardiojax
from cardiojax.modes import train as train_mode
from cardiojax.signal import quality

_HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parents[1]))  # the repository root, for `configs`
from configs import common  # pylint: disable=g-import-not-at-top,wrong-import-position

sys.path.insert(0, str(_HERE))
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position

try:
  import torch  # pylint: disable=g-import-not-at-top
  sys.path.insert(0, str(_HERE))
  import torch_models  # pylint: disable=g-import-not-at-top
except ImportError:
  torch = torch_models = None

_TINY = flags.DEFINE_bool("tiny", False, "CI: a 10 min Holter record, 3 records, smoke "
                          "models, 2 repetitions (seconds).", allow_override=True)
_JSON_OUT = flags.DEFINE_string("json_out", None, "Where to write the JSON results.",
                                allow_override=True)
_JAX_ONLY = flags.DEFINE_bool("jax_only", False, "Skip PyTorch even if installed.",
                              allow_override=True)

_HOLTER_HOURS = flags.DEFINE_float("holter_hours", None,
                                   "Holter record length (default 24 h; --tiny 10 min).",
                                   allow_override=True)
_RECORDS = flags.DEFINE_integer("twelve_lead_records", None,
                                "PTB-XL 500 Hz records (default 100; --tiny 3).",
                                allow_override=True)
_PREDICT_REPS = flags.DEFINE_integer("predict_reps", None,
                                     "Timed repetitions (default 3; --tiny 2).",
                                     allow_override=True)
_RUNS_DIR = flags.DEFINE_string("runs_dir", None,
                                "Where the runs are trained and their corpora prepared "
                                "(default: a temporary folder, removed at the end).",
                                allow_override=True)

MITDB_FS = 360.0
HOLTER_RECORDS = ("100", "103", "106")
PTBXL_FS = 500.0
TARGET_S = 60.0  # a 24 h Holter record, 2 CPU cores
TRAIN_STEPS = 2
# case -> (config module, what it predicts)
CASES = {"holter": ("beats_mitdb", "2-lead Holter record (MIT-BIH 100, 103, 106 tiled)"),
         "ptbxl": ("ptbxl", "10 s 12-lead PTB-XL records at 500 Hz"),
         "cpsc2018": ("cpsc2018_resnet34", "10 s 12-lead PTB-XL records at 500 Hz")}
_LEVELS = {"full": {"holter_s": 24 * 3600.0, "records": 100, "reps": 3},
           "tiny": {"holter_s": 600.0, "records": 3, "reps": 2}}


# ----------------------------------------------------------------------------- runs


def run_config(name: str, full_model: bool, data_dir: str):
  """`get_config('smoke')` of `configs/<name>.py`, with the full config's model
  section (and train/eval lengths) when `full_model`, trained `TRAIN_STEPS`."""
  module = importlib.import_module(f"configs.{name}")
  config = module.get_config("smoke")
  if full_model:
    full = module.get_config("")
    config.model = full.model
    for key in ("train_length", "eval_length"):
      if key in config.data:
        config.data[key] = full.data[key]
  config.data.data_dir = data_dir
  config.train.num_steps = TRAIN_STEPS
  config.train.eval_every = TRAIN_STEPS
  config.train.log_every = TRAIN_STEPS
  config.optimizer.warmup_steps = 1
  return config


def train_run(name: str, full_model: bool, root: pathlib.Path) -> tuple[pathlib.Path, float]:
  """Trains the run of `configs/<name>.py`; returns its workdir and seconds."""
  config = run_config(name, full_model, str(root / "tfds"))
  workdir = root / name
  start = time.perf_counter()
  train_mode.train(config, str(workdir))
  return workdir, time.perf_counter() - start


# ----------------------------------------------------------------------------- inputs


def holter_record(seconds: float, shared: pathlib.Path):
  """(T, 2) float32 mV at 360 Hz: records 100, 103, 106 (MLII, chest lead)
  concatenated and tiled to `seconds`; lead names of record 100's header."""
  parts, names = [], None
  for record in HOLTER_RECORDS:
    rec = wfdb.rdrecord(str(shared / "mitdb" / record))
    if rec.fs != MITDB_FS:
      raise ValueError(f"mitdb/{record}: {rec.fs} Hz, expected {MITDB_FS}")
    mlii = rec.sig_name.index("MLII")
    chest = 1 - mlii
    parts.append(rec.p_signal[:, [mlii, chest]].astype(np.float32))
    names = names or ("MLII", rec.sig_name[chest])
  base = np.concatenate(parts)
  num = int(round(seconds * MITDB_FS))
  return np.tile(base, (-(-num // len(base)), 1))[:num], names


def ptbxl_records(count: int, shared: pathlib.Path) -> list[tuple]:
  """[(record id, (5000, 12) mV, lead names)] of PTB-XL records 1..count at 500 Hz."""
  records = []
  for number in range(1, count + 1):
    rec = wfdb.rdrecord(str(shared / "ptbxl" / "records500" / "00000" / f"{number:05d}_hr"))
    if rec.fs != PTBXL_FS:
      raise ValueError(f"{rec.record_name}: {rec.fs} Hz, expected {PTBXL_FS}")
    records.append((rec.record_name, rec.p_signal.astype(np.float32), tuple(rec.sig_name)))
  return records


# ----------------------------------------------------------------------------- timing


class _Timer:
  """Wraps a method on an instance; accumulates the seconds of its calls."""

  def __init__(self, obj, name: str):
    self.seconds = 0.0
    method = getattr(obj, name)

    def timed(*args, **kwargs):
      start = time.perf_counter()
      try:
        return method(*args, **kwargs)
      finally:
        self.seconds += time.perf_counter() - start

    setattr(obj, name, timed)


def _timed(fn) -> float:
  start = time.perf_counter()
  fn()
  return time.perf_counter() - start


def alternate(fns: dict, reps: int) -> dict[str, list[float]]:
  """Times the functions alternately (ABBA order), as speed.py."""
  times = {name: [] for name in fns}
  for r in range(reps):
    for name in (list(fns) if r % 2 == 0 else list(fns)[::-1]):
      times[name].append(_timed(fns[name]))
  return times


def num_params(tree) -> int:
  return sum(int(np.prod(x.shape)) for x in jax.tree.leaves(tree))


def _median(values) -> float:
  return float(np.median(values))


def _summary(times: list[float], items: int) -> dict:
  """Median items/s and time, spread as half the IQR in % of the median."""
  q1, median, q3 = np.percentile(times, [25, 50, 75])
  return {"items_per_s": float(items / median), "median_s": float(median),
          "spread_pct": float(100 * (q3 - q1) / 2 / median), "times_s": list(times)}


def time_predict(predictor, records: list[tuple], fs: float, reps: int) -> dict:
  """Predicts every record one by one: a first pass (compiles), then `reps`
  timed passes, each split into prepare / outputs / the rest."""
  prepare = _Timer(predictor, "prepare")
  outputs = _Timer(predictor, "_outputs")  # what `predict` (and `outputs`) calls
  items = []

  def one_pass():
    prepare.seconds = outputs.seconds = 0.0
    items.clear()
    start = time.perf_counter()
    for record_id, signal, names in records:
      prediction = predictor.predict(signal, fs, names, record_id=record_id)
      items.append(len(prediction.outputs))
    return time.perf_counter() - start, prepare.seconds, outputs.seconds

  first_s, _, _ = one_pass()
  totals, prepares, models, rests, checks = [], [], [], [], []
  for _ in range(reps):
    total, prep, model = one_pass()
    totals.append(total)
    prepares.append(prep)
    models.append(model)
    rests.append(total - prep - model)
    policy = predictor.config.predict
    checks.append(sum(_timed(lambda s=signal, n=names: quality.apply_policy(
        s, fs, n, policy=policy.signal_policy, max_repair_s=policy.max_repair_s))
                      for _, signal, names in records))
  del predictor.prepare, predictor._outputs  # back to the class's methods
  return {"records": len(records), "items": int(sum(items)),
          "record_seconds": float(sum(len(s) for _, s, _ in records) / fs),
          "first_pass_s": first_s,
          "predict": _summary(totals, len(records)),
          "items_per_s": float(sum(items) / _median(totals)),
          "split_s": {"prepare": _median(prepares), "model": _median(models),
                      "rest": _median(rests), "signal_check_alone": _median(checks)},
          "split_times_s": {"prepare": prepares, "model": models, "rest": rests,
                            "signal_check_alone": checks}}


# ----------------------------------------------------------------------------- model alone


def torch_twin(model_config, input_shape):
  """The torch twin of a run's model, or None when there is none."""
  fields = dict(model_config)
  name = fields.pop("name")
  outputs = fields.pop("num_outputs")
  length, leads = input_shape
  if name == "deep_cnn":
    return torch_models.DeepCNN(outputs, length=length, in_features=leads, **fields)
  if name in ("resnet18", "resnet34"):
    from cardiojax.models import MODELS  # pylint: disable=g-import-not-at-top
    fields.pop("dropout_rate", None)  # no layer at eval; the flax model has none either
    return torch_models.ResNet1D(outputs, in_features=leads,
                                 stage_sizes=MODELS[name].keywords["stage_sizes"], **fields)
  if name.startswith("xresnet1d"):
    from cardiojax.models import MODELS  # pylint: disable=g-import-not-at-top
    keywords = MODELS[name].keywords
    return torch_models.XResNet1D(outputs, in_features=leads,
                                  stage_sizes=keywords["stage_sizes"],
                                  expansion=keywords["expansion"], **fields)
  return None


def _activation(task_kind: str):
  if task_kind in ("binary", "multi_label"):
    return torch.sigmoid
  if task_kind == "multi_class":
    return lambda x: torch.softmax(x, dim=-1)
  return lambda x: x


def model_alone(predictor, x: np.ndarray, reps: int, use_torch: bool) -> dict:
  """The prepared inputs `x` (n, T, C) in batches of `config.predict.batch_size`
  through the predictor's jitted forward and the torch twin, alternately."""
  batch = int(predictor.config.predict.batch_size)
  devices = predictor._devices  # pylint: disable=protected-access
  chunks = [x[i:i + batch] for i in range(0, len(x), batch)]
  padded = [np.concatenate([c, np.zeros((-len(c) % devices,) + c.shape[1:], c.dtype)])
            for c in chunks]
  forward = predictor._forward  # pylint: disable=protected-access
  variables = predictor._variables  # pylint: disable=protected-access
  params = num_params(variables["params"])
  result = {"items": len(x), "input": list(x.shape[1:]), "batch_size": batch,
            "padded_rows": int(sum(len(p) - len(c) for p, c in zip(padded, chunks))),
            "params": params, "torch_twin": None}

  def run_jax(batches=padded):
    for b in batches:
      np.asarray(forward(variables, b))

  sides = {"cardiojax": run_jax}
  twin = torch_twin(predictor.config.model, x.shape[1:]) if use_torch else None
  if use_torch and twin is None:
    result["torch_twin"] = "no torch twin"
  if twin is not None:
    twin_params = torch_models.num_params(twin)
    if twin_params != params:
      raise AssertionError(f"{predictor.config.model.name}: torch has {twin_params:,} "
                           f"parameters, cardiojax {params:,}")
    twin.eval()
    activation = _activation(predictor.contract.task_kind)
    ncw = [torch.from_numpy(np.ascontiguousarray(c.transpose(0, 2, 1))) for c in chunks]

    def run_torch(batches=ncw):
      with torch.inference_mode():
        for b in batches:
          activation(twin(b)).numpy()

    sides["torch"] = run_torch
    result["torch_twin"] = {"name": type(twin).__name__, "params": twin_params,
                            "threads": torch.get_num_threads()}
  # Warm-up: each batch shape once (compiles the cardiojax forward).
  run_jax([padded[0], padded[-1]])
  if "torch" in sides:
    run_torch([ncw[0], ncw[-1]])
  times = alternate(sides, reps)
  result.update({k: _summary(v, len(x)) for k, v in times.items()})
  result["cardiojax_over_torch_time"] = (
      float(np.median(np.asarray(times["cardiojax"]) / np.asarray(times["torch"])))
      if "torch" in times else None)
  return result


def prepared_inputs(predictor, records: list[tuple], fs: float) -> np.ndarray:
  """(n, T, C) every model input of `records`, as `predict` builds them."""
  return np.concatenate([predictor.prepare(signal, fs, names, record_id=record_id)[0].inputs
                         for record_id, signal, names in records])


# ----------------------------------------------------------------------------- cases


def run_case(case: str, workdir: pathlib.Path, train_s: float, records: list[tuple],
             fs: float, reps: int, use_torch: bool) -> dict:
  start = time.perf_counter()
  predictor = cardiojax.load(workdir)
  load_s = time.perf_counter() - start
  result = {"case": case, "config": f"configs/{CASES[case][0]}.py", "input": CASES[case][1],
            "model": predictor.config.model.name,
            "model_config": {k: v for k, v in predictor.config.model.items()},
            "contract": {"sampling_rate_hz": predictor.contract.sampling_rate_hz,
                         "input_shape": list(predictor.contract.input_shape),
                         "lead_names": list(predictor.contract.lead_names),
                         "preparation": predictor.contract.preparation},
            "devices": predictor._devices,  # pylint: disable=protected-access
            "predict_batch_size": int(predictor.config.predict.batch_size),
            "train_s": train_s, "load_s": load_s,
            "predict": time_predict(predictor, records, fs, reps)}
  print(f"{case}: predict {result['predict']['predict']['median_s']:.2f} s "
        f"({result['predict']['items']} inputs)", flush=True)
  result["model_alone"] = model_alone(predictor, prepared_inputs(predictor, records, fs),
                                      reps, use_torch)
  result["params"] = result["model_alone"]["params"]
  if case == "holter":
    per_day = result["predict"]["predict"]["median_s"] * 86400.0 / result["predict"][
        "record_seconds"]
    result["seconds_per_24h"] = per_day
    result["target"] = {"seconds_per_24h": TARGET_S, "met": bool(per_day < TARGET_S),
                        "measured_on_24h": bool(
                            result["predict"]["record_seconds"] >= 86400.0)}
  else:
    result["seconds_per_record"] = result["predict"]["predict"]["median_s"] / len(records)
  return result


# ----------------------------------------------------------------------------- report


def _seconds(seconds: float) -> str:
  return f"{seconds:.2f} s" if seconds >= 1 else f"{1e3 * seconds:.1f} ms"


def _split(r: dict, part: str) -> str:
  seconds = r["predict"]["split_s"][part]
  total = r["predict"]["predict"]["median_s"]
  return f"{_seconds(seconds)} ({100 * seconds / total:.0f}%)"


def markdown(results: list[dict]) -> str:
  lines = ["| case | model (params) | input (T x C) | inputs per pass | predict rate | time | "
           "first pass s (compile) | check + prep | check alone | model | rest | "
           "model alone inputs/s cardiojax | torch | cardiojax/torch time |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
  for r in results:
    p, m = r["predict"], r["model_alone"]
    unit = "beats" if r["case"] == "holter" else "windows"
    if r["case"] == "holter":
      rate = f"{p['items_per_s']:,.0f} beats/s"
      time_text = (f"{r['seconds_per_24h']:.1f} s per 24 h"
                   + ("" if r["target"]["measured_on_24h"] else " (extrapolated)"))
    else:
      rate = f"{p['records'] / p['predict']['median_s']:,.1f} records/s"
      time_text = f"{1e3 * r['seconds_per_record']:.0f} ms per record"
    rate += f" ±{p['predict']['spread_pct']:.0f}%"
    if "torch" in m:
      torch_text = f"{m['torch']['items_per_s']:,.1f} ({m['torch_twin']['name']})"
      ratio = f"{m['cardiojax_over_torch_time']:.2f}x"
    else:
      torch_text, ratio = m["torch_twin"] or "torch not run", "n/a"
    row = [r["case"], f"{r['model']} ({r['params']:,})",
           f"{m['input'][0]} x {m['input'][1]}", f"{p['items']:,} {unit}", rate, time_text,
           f"{p['first_pass_s']:.1f}", _split(r, "prepare"),
           _seconds(p["split_s"]["signal_check_alone"]), _split(r, "model"),
           _split(r, "rest"), f"{m['cardiojax']['items_per_s']:,.1f}", torch_text, ratio]
    lines.append("| " + " | ".join(row) + " |")
  return "\n".join(lines)


def target_line(results: list[dict]) -> str:
  (holter,) = [r for r in results if r["case"] == "holter"]
  target = holter["target"]
  how = "measured on a 24 h record" if target["measured_on_24h"] else (
      f"extrapolated from {holter['predict']['record_seconds'] / 60:.0f} min")
  return (f"Target: a 24 h Holter record in under {TARGET_S:.0f} s on 2 CPU cores: "
          f"{'met' if target['met'] else 'NOT met'} ({holter['seconds_per_24h']:.1f} s, "
          f"{how}, {os.cpu_count()} CPUs here).")


def report(settings: dict, results: list[dict], load_before) -> dict:
  """The JSON document: machine, versions, settings, results."""
  return {
      **bench_common.environment(
          "predict_throughput", ("jax", "jaxlib", "flax", "numpy", "wfdb"),
          torch, load_before),
      "settings": settings,
      "results": results,
      "target": target_line(results),
  }


def main(argv):
  del argv
  load_before = os.getloadavg()
  level = "tiny" if _TINY.value else "full"
  settings = dict(_LEVELS[level])
  if _HOLTER_HOURS.value is not None:
    settings["holter_s"] = 3600.0 * _HOLTER_HOURS.value
  if _RECORDS.value is not None:
    settings["records"] = _RECORDS.value
  if _PREDICT_REPS.value is not None:
    settings["reps"] = _PREDICT_REPS.value
  use_torch = torch is not None and not _JAX_ONLY.value
  shared = pathlib.Path(common.shared_data())
  settings.update({"level": level, "full_models": level == "full", "torch": use_torch,
                   "train_steps": TRAIN_STEPS, "shared_data": str(shared),
                   "holter_records": HOLTER_RECORDS,
                   "ptbxl_records": f"records500/00000/00001_hr..{settings['records']:05d}_hr"})
  with contextlib.ExitStack() as stack:
    if _RUNS_DIR.value:
      root = pathlib.Path(_RUNS_DIR.value)
    else:
      root = pathlib.Path(stack.enter_context(tempfile.TemporaryDirectory(
          prefix="predict_throughput_")))
    start = time.perf_counter()
    holter, holter_names = holter_record(settings["holter_s"], shared)
    twelve = ptbxl_records(settings["records"], shared)
    settings["read_inputs_s"] = time.perf_counter() - start
    settings["holter_lead_names"] = list(holter_names)
    inputs = {"holter": ([("holter", holter, holter_names)], MITDB_FS),
              "ptbxl": (twelve, PTBXL_FS), "cpsc2018": (twelve, PTBXL_FS)}
    results = []
    for case, (config_name, _) in CASES.items():
      workdir, train_s = train_run(config_name, level == "full", root)
      records, fs = inputs[case]
      results.append(run_case(case, workdir, train_s, records, fs, settings["reps"],
                              use_torch))
  print(markdown(results))
  print(target_line(results))
  bench_common.write_json(_JSON_OUT.value, report(settings, results, load_before))


if __name__ == "__main__":
  app.run(main)
