"""The run directory: config, provenance, metrics log, curves, progress.

`workdir/config.json` (the locked config), `run_info.json` (cardiojax version,
git commit, devices), `metrics.jsonl` (one JSON object per logged step, with
`split` 'train' or 'validation'), `training_curve.png`.
"""

import datetime
import json
import math
import os
import pathlib
import subprocess
import sys
import time

import jax

from cardiojax import _version


class WorkdirError(OSError):
  """The run directory cannot be created or written."""


def default_workdir(config_name: str) -> str:
  """A new timestamped folder under runs/ for a run without --workdir."""
  stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
  return os.path.join("runs", f"{config_name}-{stamp}")


def prepare(workdir: str) -> pathlib.Path:
  """Creates `workdir` if needed and checks that it is writable."""
  path = pathlib.Path(workdir).absolute()
  try:
    path.mkdir(parents=True, exist_ok=True)
    probe = path / ".write_probe"
    probe.write_text("ok")
    probe.unlink()
  except OSError as error:
    raise WorkdirError(f"--workdir={workdir}: cannot create or write the run "
                       f"directory ({error.strerror or error})") from error
  return path


def write_json_atomic(path: pathlib.Path, payload) -> None:
  """Writes strict JSON (NaN as null) to a temporary file, renames it."""
  temporary = path.with_name(path.name + ".tmp")
  temporary.write_text(json.dumps(to_json(payload), indent=2, sort_keys=True,
                                  allow_nan=False))
  os.replace(temporary, path)


def to_json(value):
  """Plain JSON values: numpy to Python, NaN and infinities to None."""
  if isinstance(value, dict):
    return {str(key): to_json(item) for key, item in value.items()}
  if isinstance(value, (list, tuple)):
    return [to_json(item) for item in value]
  if hasattr(value, "tolist"):
    return to_json(value.tolist())
  if isinstance(value, float) and not math.isfinite(value):
    return None
  if value is None or isinstance(value, (bool, int, float, str)):
    return value
  return str(value)


# The config sections that fix a run's shapes and meaning; paths may differ.
_RUN_DEFINING = ("data", "task", "model")
_PATH_FIELDS = ("data.data_dir", "data.manual_dir", "data.label_map_dir")


def config_differences(config, workdir,
                       sections=_RUN_DEFINING) -> list[str]:
  """Fields of `config` that differ from the run's config.json, one line each
  (of `sections`, by default the data, task and model fields; never paths);
  [] for a new run."""
  path = pathlib.Path(workdir) / "config.json"
  if not path.is_file():
    return []
  saved = json.loads(path.read_text())
  given = to_json(config.to_dict())
  differences = []

  def walk(prefix, a, b):
    if isinstance(a, dict) and isinstance(b, dict):
      for key in sorted(set(a) | set(b)):
        walk(f"{prefix}.{key}", a.get(key), b.get(key))
    elif a != b and prefix not in _PATH_FIELDS:
      differences.append(f"config.{prefix}={a!r} (the run has {b!r})")

  for section in sections:
    walk(section, given.get(section), saved.get(section))
  return differences


def write_provenance(workdir: pathlib.Path, config) -> None:
  """Writes config.json and run_info.json (version, git commit, devices)."""
  write_json_atomic(workdir / "config.json", config.to_dict())
  write_json_atomic(workdir / "run_info.json", {
      "cardiojax_version": _version.__version__,
      "git_commit": _git_commit(),
      "python": sys.version.split()[0],
      "jax_version": jax.__version__,
      "devices": [str(device) for device in jax.devices()],
      "process_count": jax.process_count(),
      "command": sys.argv,
      "started": datetime.datetime.now().isoformat(timespec="seconds"),
  })


def _git_commit() -> str | None:
  try:
    root = pathlib.Path(_version.__file__).resolve().parents[1]
    result = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                            capture_output=True, text=True, timeout=10, check=True)
    return result.stdout.strip()
  except (OSError, subprocess.SubprocessError):
    return None


class MetricsLog:
  """Appends metrics to workdir/metrics.jsonl.

  On resume from step S, records of steps after S (written by the interrupted
  run after its last checkpoint) are dropped so each step appears once.
  """

  def __init__(self, workdir: pathlib.Path, resume_step: int):
    self.path = workdir / "metrics.jsonl"
    kept = [line for line in self.read() if line["step"] <= resume_step]
    self.path.write_text("".join(json.dumps(line) + "\n" for line in kept))

  def read(self) -> list[dict]:
    if not self.path.exists():
      return []
    return [json.loads(line) for line in self.path.read_text().splitlines()
            if line.strip()]

  def write(self, step: int, split: str, metrics: dict) -> None:
    record = {"step": int(step), "split": split,
              **{key: float(value) for key, value in metrics.items()}}
    with self.path.open("a") as stream:
      stream.write(json.dumps(to_json(record), allow_nan=False) + "\n")


def plot_training_curve(log: MetricsLog, path: pathlib.Path) -> None:
  """Plots the train and validation loss against the step as a PNG."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top

  records = log.read()
  figure, axis = plt.subplots(figsize=(7, 4))
  for split in ("train", "validation"):
    points = [(r["step"], r["loss"]) for r in records
              if r["split"] == split and "loss" in r]
    if points:
      steps, losses = zip(*points)
      axis.plot(steps, losses, marker="o" if split == "validation" else None,
                label=split)
  axis.set_xlabel("step")
  axis.set_ylabel("loss")
  axis.set_yscale("log")
  axis.grid(alpha=0.3)
  axis.legend()
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  plt.close(figure)


class Progress:
  """A one-line progress bar (on a terminal) or periodic log lines."""

  def __init__(self, total_steps: int, start_step: int, stream=sys.stderr):
    self.total = total_steps
    self.stream = stream
    self.interactive = stream.isatty()
    self._last_step, self._last_time = start_step, time.perf_counter()

  def update(self, step: int, examples_per_step: int, loss: float) -> str:
    """Shows and returns the line for `step` (examples/s since last update)."""
    now = time.perf_counter()
    rate = (step - self._last_step) * examples_per_step / max(now - self._last_time, 1e-9)
    self._last_step, self._last_time = step, now
    filled = int(30 * step / max(self.total, 1))
    line = (f"step {step}/{self.total} [{'#' * filled}{'.' * (30 - filled)}] "
            f"loss {loss:.4g}  {rate:,.0f} examples/s")
    self.stream.write(("\r" + line) if self.interactive else (line + "\n"))
    self.stream.flush()
    return line

  def close(self) -> None:
    if self.interactive:
      self.stream.write("\n")
