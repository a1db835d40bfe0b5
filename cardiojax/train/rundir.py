"""The run directory: config, provenance, metrics log, curves, progress.

`workdir/config.json` (the locked config), `run_info.json` (cardiojax version,
git commit, devices), `metrics.jsonl` (one JSON object per logged step, with
`split` 'train' or 'validation'), the same values as TensorBoard event files
in `workdir/tensorboard/` (`MetricsLog`), `training_curve.png`. Progress bars
(`progress`, tqdm) go to stderr; `CARDIOJAX_PROGRESS=0` turns them off.
"""

import datetime
import json
import math
import os
import pathlib
import re
import subprocess
import sys

import jax
import tqdm

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


TENSORBOARD_DIR = "tensorboard"
# tensorboardX writes events from a queue on a thread and flushes its file at
# most this often, so an event reaches the disk within about this many
# seconds; `flush` (each validation) writes what the thread has taken, and
# `close` everything.
_TENSORBOARD_FLUSH_S = 2


def tensorboard_tag(split: str, name: str) -> str:
  """The TensorBoard tag of metric `name` of `split`: '<split>/<name>', any
  character other than a letter, digit or -_./ replaced by '_' (the
  characters TensorBoard accepts; e.g. 'validation/_p/N' for AAMI's '+p/N')."""
  return re.sub(r"[^-/\w.]", "_", f"{split}/{name}")


class MetricsLog:
  """Metrics of a run in workdir/metrics.jsonl and as TensorBoard scalars.

  Each record of `write` is one JSON line and one scalar per metric, tagged
  `tensorboard_tag(split, name)` ('train/loss', 'validation/macro_auroc'),
  in event files under workdir/tensorboard/ (tensorboardX; TensorBoard
  stores scalars as float32, so an event holds the float32 of the JSON value).

  On resume from step S, records of steps after S (written by the interrupted
  run after its last checkpoint) are dropped from metrics.jsonl so each step
  appears once. Event files are append-only: each session writes its own
  (its name ends with the step it started from; none is created before the
  first record), which starts with a purge at step S + 1 (tensorboardX's
  `purge_step`, a SessionLog START): TensorBoard's Python reader then drops
  the earlier files' points of steps > S, and its Rust data server (the
  default) replaces a tag's points from a step written again. Either way
  TensorBoard shows the values of metrics.jsonl.
  Create it on process 0 only, and `close` it (also on errors).
  """

  def __init__(self, workdir: pathlib.Path, resume_step: int):
    self.path = workdir / "metrics.jsonl"
    self.tensorboard_dir = workdir / TENSORBOARD_DIR
    self._resume_step = int(resume_step)
    self._writer = None
    kept = [line for line in self.read() if line["step"] <= resume_step]
    temporary = self.path.with_name(self.path.name + ".tmp")
    temporary.write_text("".join(json.dumps(line) + "\n" for line in kept))
    os.replace(temporary, self.path)

  def read(self) -> list[dict]:
    if not self.path.exists():
      return []
    return [json.loads(line) for line in self.path.read_text().splitlines()
            if line.strip()]

  def write(self, step: int, split: str, metrics: dict) -> None:
    """Appends `metrics` (name -> number; NaN is null in JSON) of `step`."""
    values = {key: float(value) for key, value in metrics.items()}
    record = {"step": int(step), "split": split, **values}
    with self.path.open("a") as stream:
      stream.write(json.dumps(to_json(record), allow_nan=False) + "\n")
    writer = self._tensorboard()
    for key, value in values.items():
      writer.add_scalar(tensorboard_tag(split, key), value, int(step))

  def flush(self) -> None:
    """Writes the pending TensorBoard events to disk."""
    if self._writer is not None:
      self._writer.flush()

  def close(self) -> None:
    """Writes every pending event and closes the event file."""
    if self._writer is not None:
      self._writer.close()
      self._writer = None

  def _tensorboard(self):
    if self._writer is None:
      self._writer = _import_tensorboardx().SummaryWriter(
          str(self.tensorboard_dir), purge_step=self._resume_step + 1,
          flush_secs=_TENSORBOARD_FLUSH_S,
          filename_suffix=f".{self._resume_step:010d}")
    return self._writer


def _import_tensorboardx():
  """tensorboardX, imported on first use without torch.

  tensorboardX's writer imports torch whenever it is installed, only to
  accept torch tensors (`tensorboardX/writer.py`), which cardiojax never
  passes: 1.3 s and 180 MB of resident memory on this machine. Unless torch
  is already loaded, the import runs with torch marked unavailable
  (`sys.modules['torch'] = None`, the documented way to block an import),
  and the mark is removed at once, so a later `import torch` works.
  """
  if "tensorboardX" in sys.modules or "torch" in sys.modules:
    import tensorboardX  # pylint: disable=g-import-not-at-top
    return tensorboardX
  sys.modules["torch"] = None
  try:
    import tensorboardX  # pylint: disable=g-import-not-at-top
  finally:
    del sys.modules["torch"]
  return tensorboardX


def plot_training_curve(log: MetricsLog, path: pathlib.Path) -> None:
  """Plots the train and validation loss against the step as a PNG."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top
  from matplotlib import ticker  # pylint: disable=g-import-not-at-top

  records = log.read()
  figure, axis = plt.subplots(figsize=(7, 4))
  all_losses = []
  for split in ("train", "validation"):
    points = [(r["step"], r["loss"]) for r in records
              if r["split"] == split and "loss" in r]
    if points:
      steps, losses = zip(*points)
      all_losses += losses
      axis.plot(steps, losses, marker="o" if split == "validation" else None,
                label=split)
  axis.set_xlabel("step")
  axis.set_ylabel("loss")
  axis.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
  positive = [loss for loss in all_losses if loss > 0]
  if positive and max(positive) > 10 * min(positive):  # a log scale only over a decade
    axis.set_yscale("log")
  axis.grid(alpha=0.3)
  axis.legend()
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  plt.close(figure)


PROGRESS_ENV = "CARDIOJAX_PROGRESS"
# Seconds between the lines of a progress bar when stderr is not a terminal
# (a log file, CI): a line at the start, every LOG_INTERVAL_S, and at the end.
LOG_INTERVAL_S = 30.0
# A transient bar (leave=False) appears only after this many seconds.
_TRANSIENT_DELAY_S = 1.0


def progress_enabled() -> bool:
  """Whether progress bars show: on process 0 unless CARDIOJAX_PROGRESS=0."""
  return (os.environ.get(PROGRESS_ENV, "1") != "0"
          and jax.process_index() == 0)


class _LogLines:
  """What tqdm writes, as whole lines: for a stream that is not a terminal,
  where carriage returns and cursor moves would pile up on one line."""

  def __init__(self, stream):
    self.stream = stream

  def write(self, text: str) -> None:
    line = text.replace("\r", "").replace("\x1b[A", "").strip()
    if line:
      self.stream.write(line + "\n")

  def flush(self) -> None:
    self.stream.flush()


def progress(iterable=None, *, desc: str, total: int | None = None,
             unit: str = "it", initial: int = 0, transient: bool = False,
             bar_format: str | None = None, stream=None) -> tqdm.tqdm:
  """A tqdm progress bar on stderr (elapsed time, rate, ETA when `total` is
  known); a no-op bar when `progress_enabled()` is False.

  On a terminal it redraws in place; elsewhere (a log file, CI) it prints a
  whole line at the start, at most every `LOG_INTERVAL_S` seconds, and at the
  end. A `transient` bar (e.g. one validation inside training) shows only
  once it has run for a second (on a terminal) or `LOG_INTERVAL_S` (in a
  log), and a terminal erases it when done.

  Args:
    iterable: what to iterate over, or None to call `update` by hand.
    desc: the bar's name ('train', 'predict').
    total: the number of units (default `len(iterable)` where it has one).
    unit: what one update counts ('step', 'record', 'example').
    initial: units already done (a resumed run's step).
    transient: see above.
    bar_format: tqdm's `bar_format`, None for its default.
    stream: where to write; default sys.stderr at call time.
  """
  stream = sys.stderr if stream is None else stream
  terminal = getattr(stream, "isatty", lambda: False)()
  interval = {} if terminal else dict(mininterval=LOG_INTERVAL_S,
                                      maxinterval=LOG_INTERVAL_S, miniters=1)
  delay = 0.0
  if transient:
    delay = _TRANSIENT_DELAY_S if terminal else LOG_INTERVAL_S
  return tqdm.tqdm(iterable, desc=desc, total=total, unit=unit,
                   initial=initial, leave=not transient, delay=delay,
                   file=stream if terminal else _LogLines(stream),
                   dynamic_ncols=terminal, bar_format=bar_format,
                   disable=not progress_enabled(), **interval)
