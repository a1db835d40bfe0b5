r"""Start-up: seconds from process start to the first training step, cold and warm.

For each config, `python -m cardiojax.main --config=CONFIG --workdir=W
--config.train.log_every=1` is started in a child process four times:

  prime   compilation cache off: prepares the corpus if needed, keeps its
          decoded columns (`cardiojax.datasets.columns`) and warms the OS
          file cache (not reported: what a user pays once per corpus);
  cold    an empty compilation cache, a new run directory: a first run;
  rerun   the same cache, a new run directory: the config run again;
  resume  the same cache and the cold run's directory, stopped after its
          first checkpoint (step `eval_every`): restore, then the next step.

A step counts as completed when its 'train' record is in metrics.jsonl
(`log_every=1`). Each child is stopped once it has shown what is timed
(the cold run after its first checkpoint and one more step). Milestones, in
seconds from the start of the process, from the files the run writes:
`contract` (input_contract.json: imports, corpus loaded, model initialised),
`provenance` (run_info.json: the explain baseline written, the loop starts),
`first_step` (the step's record; for resume the first step after the
checkpoint, which includes the restore). `imports_s` is the time of
`import cardiojax.experiment, cardiojax.main` alone in a fresh process.

  python experiments/benchmarks/startup.py --json_out=experiments/benchmarks/startup.json
  python experiments/benchmarks/startup.py --configs=seq2seq --full   # one config, full size

Default: the `:smoke` variant of every config in configs/ (not the shared
helpers, not the studies) and the full `configs/seq2seq.py` (with
`--config.train.eval_every=1`, so its first checkpoint comes after one step).
The compilation cache, with the program cache inside it, lives in a temporary
folder ($CARDIOJAX_COMPILATION_CACHE); `traced_programs` counts the programs
`cardiojax.train.program_cache` kept. Run it with $CARDIOJAX_PROGRAM_CACHE=off
for the start-up without the program cache.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags

_HERE = pathlib.Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
sys.path.insert(0, str(_HERE))
sys.path.insert(0, str(_ROOT))  # for `configs`
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position

_CONFIGS = flags.DEFINE_list("configs", None,
                             "Config names (configs/NAME.py); default: all but helpers.")
_FULL = flags.DEFINE_bool("full", False, "Only the full variant of --configs (no :smoke).")
_JSON_OUT = flags.DEFINE_string("json_out", None, "Where to write the JSON results.")
_TIMEOUT = flags.DEFINE_float("timeout", 900.0, "Seconds a child may take to reach its mark.")

_HELPERS = ("common", "beats_common", "twelve_lead_common")
_POLL_S = 0.02
TARGET_S = 2.0  # a rerun or resume reaches its first step in under 2 s


def built_in_configs() -> list[str]:
  """The experiment configs of configs/ (not the shared helper modules)."""
  return sorted(p.stem for p in (_ROOT / "configs").glob("*.py")
                if p.stem not in _HELPERS and not p.stem.startswith("_"))


def _mtime(path: pathlib.Path) -> float | None:
  try:
    return path.stat().st_mtime
  except FileNotFoundError:
    return None


def _train_steps(workdir: pathlib.Path) -> set[int]:
  try:
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
  except FileNotFoundError:
    return set()
  steps = set()
  for line in lines:
    try:
      record = json.loads(line)
    except json.JSONDecodeError:  # a line being written
      continue
    if record.get("split") == "train":
      steps.add(record["step"])
  return steps


def run_until(command: list[str], env: dict, workdir: pathlib.Path, first_step: int,
              stop_after: int, checkpoint: int | None, log_path: str) -> dict:
  """Starts `command` and returns its milestones (s from the start); stops it
  once step `stop_after` is recorded (and checkpoint `checkpoint` is on disk).

  Raises:
    RuntimeError: the child exited or timed out before; ends with its log.
  """
  with open(log_path, "w") as log:
    start_wall = time.time()
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    marks = {}
    files = {"contract": workdir / "input_contract.json", "provenance": workdir / "run_info.json"}
    while True:
      now = time.perf_counter() - start
      for name, path in files.items():
        mtime = _mtime(path)
        if name not in marks and mtime is not None and mtime >= start_wall - 1e-3:
          marks[name] = now
      steps = _train_steps(workdir)
      if "first_step" not in marks and first_step in steps:
        marks["first_step"] = now
      saved = checkpoint is None or (
          workdir / "checkpoints" / "latest" / str(checkpoint) / "_CHECKPOINT_METADATA").exists()
      if stop_after in steps and saved:
        break
      if child.poll() is not None or now > _TIMEOUT.value:
        child.kill()
        tail = pathlib.Path(log_path).read_text().splitlines()[-12:]
        raise RuntimeError(f"{' '.join(command)}: stopped (status {child.returncode}) before "
                           f"step {stop_after}; its last lines:\n" + "\n".join(tail))
      time.sleep(_POLL_S)
    child.send_signal(signal.SIGKILL)
    child.wait()
  return marks


def measure_config(name: str, smoke: bool, root: pathlib.Path) -> dict:
  """Prime, cold, rerun and resume of one config (see the module docstring)."""
  import importlib  # pylint: disable=g-import-not-at-top
  variant = "smoke" if smoke else ""
  config = importlib.import_module(f"configs.{name}").get_config(variant)
  overrides = ["--config.train.log_every=1"]
  if not smoke:
    overrides.append("--config.train.eval_every=1")
    config.train.eval_every = 1
  checkpoint = config.train.eval_every
  config_arg = f"configs/{name}.py" + (":smoke" if smoke else "")
  cache = root / f"{name}_{variant or 'full'}_cache"

  def command(workdir):
    return [sys.executable, "-m", "cardiojax.main", f"--config={config_arg}",
            f"--workdir={workdir}", *overrides]

  def env(cache_dir):
    return {**os.environ, "CARDIOJAX_COMPILATION_CACHE": cache_dir, "CARDIOJAX_PROGRESS": "0"}

  log = str(root / f"{name}.log")
  load_before = os.getloadavg()
  prime = root / f"{name}_{variant}_prime"
  run_until(command(prime), env("off"), prime, 1, 1, None, log)
  cold_dir = root / f"{name}_{variant}_cold"
  cold = run_until(command(cold_dir), env(str(cache)), cold_dir, 1, checkpoint + 1,
                   checkpoint, log)
  rerun_dir = root / f"{name}_{variant}_rerun"
  rerun = run_until(command(rerun_dir), env(str(cache)), rerun_dir, 1, 1, None, log)
  # Resume as after a stop right after the checkpoint (the records of later
  # steps are what the resumed run drops anyway).
  metrics = cold_dir / "metrics.jsonl"
  kept = [line for line in metrics.read_text().splitlines()
          if json.loads(line)["step"] <= checkpoint]
  metrics.write_text("".join(line + "\n" for line in kept))
  resume = run_until(command(cold_dir), env(str(cache)), cold_dir, checkpoint + 1,
                     checkpoint + 1, None, log)
  cache_files = [p for p in cache.iterdir() if p.is_file()] if cache.exists() else []
  programs = list((cache / "programs").glob("*.jaxexport"))
  return {"config": config_arg, "overrides": overrides, "checkpoint_step": checkpoint,
          "cold": cold, "rerun": rerun, "resume": resume,
          "cache_entries": len(cache_files),
          "cache_mb": sum(p.stat().st_size for p in cache_files) / 1e6,
          "traced_programs": len(programs),
          "loadavg_before": load_before, "loadavg_after": os.getloadavg()}


def imports_seconds() -> float:
  """`import cardiojax.experiment, cardiojax.main` in a fresh process."""
  code = ("import time; t = time.perf_counter(); import cardiojax.experiment, cardiojax.main; "
          "print(time.perf_counter() - t)")
  done = subprocess.run([sys.executable, "-c", code], cwd=_ROOT, capture_output=True,
                        text=True, check=True)
  return float(done.stdout.strip().splitlines()[-1])


def markdown(results: list[dict]) -> str:
  """One row per config: milestones of the cold, rerun and resume starts."""
  def cell(marks, key):
    return f"{marks[key]:.1f}" if key in marks else "-"
  lines = ["| config | cold: contract / first step s | rerun: contract / first step s | "
           f"resume: first step s | < {TARGET_S:.0f} s | cache entries (MB) | traced programs | "
           "load |",
           "|---|---:|---:|---:|---|---:|---:|---|"]
  for r in results:
    warm = max(r["rerun"]["first_step"], r["resume"]["first_step"])
    lines.append(
        f"| `{r['config']}` | {cell(r['cold'], 'contract')} / {cell(r['cold'], 'first_step')} | "
        f"{cell(r['rerun'], 'contract')} / {cell(r['rerun'], 'first_step')} | "
        f"{cell(r['resume'], 'first_step')} | {'yes' if warm < TARGET_S else 'no'} | "
        f"{r['cache_entries']} ({r['cache_mb']:.0f}) | {r['traced_programs']} | "
        f"{r['loadavg_before'][0]:.1f} |")
  return "\n".join(lines)


def main(argv):
  del argv
  load_before = os.getloadavg()
  names = _CONFIGS.value or built_in_configs()
  cases = [(name, False) for name in names] if _FULL.value else (
      [(name, True) for name in names] + ([] if _CONFIGS.value else [("seq2seq", False)]))
  imports = imports_seconds()
  results = []
  with tempfile.TemporaryDirectory(prefix="startup_bench_") as tmp:
    for name, smoke in cases:
      results.append(measure_config(name, smoke, pathlib.Path(tmp)))
      print(markdown(results[-1:]).splitlines()[-1], flush=True)
  print(markdown(results))
  print(f"imports alone: {imports:.2f} s")
  bench_common.write_json(_JSON_OUT.value, {
      **bench_common.environment("startup", ("jax", "jaxlib", "flax", "tensorflow-datasets"),
                                 None, load_before),
      "imports_s": imports, "target_s": TARGET_S, "results": results})


if __name__ == "__main__":
  app.run(main)
