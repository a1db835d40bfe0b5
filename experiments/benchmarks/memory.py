r"""Peak memory, CPU time and page faults of a training job, measured from outside.

Runs the job a user runs,

  python -m cardiojax.main --config=CONFIG --config.train.num_steps=N \
      --config.train.eval_every=E --workdir=TMP

(training, the periodic validations and checkpoints, and the final scoring of
the best checkpoint: thresholds, bootstrap, figures) in a child process from
the checkout `--repo`, and records what the kernel accounts for it when it
exits (`os.wait4`, the same rusage GNU `/usr/bin/time -v` prints): peak
resident set, user and system CPU seconds, minor and major page faults,
context switches, wall time. The child gets a fresh, empty compilation cache
($CARDIOJAX_COMPILATION_CACHE), so every run is a first run. System time close
to user time with hundreds of thousands of minor faults a step is memory
churn: big buffers returned to the kernel and faulted in again each step.

`--xla_plan` also compiles the config's train and eval steps (in another child
process, with the same checkout) and records XLA's buffer plan
(`jit(...).lower(...).compile().memory_analysis()`: arguments, outputs,
temporaries), the memory a step needs beyond the data.

  python experiments/benchmarks/memory.py --config=configs/seq2seq.py \
      --steps=100 --eval_every=50 --label=after --xla_plan \
      --json_out=experiments/benchmarks/memory.json
  git worktree add /tmp/before <commit>      # the same job on an older checkout
  python experiments/benchmarks/memory.py --config=configs/seq2seq.py \
      --steps=100 --eval_every=50 --label=before --repo=/tmp/before \
      --json_out=experiments/benchmarks/memory.json
  python experiments/benchmarks/memory.py --config=configs/seq2seq.py:smoke  # CI, seconds

`--json_out` keeps the runs already in the file (a run of the same label,
config and steps is replaced), so one file holds before and after; the
markdown table of all its runs is printed. `--child_env=KEY=VALUE` adds to the
child's environment (e.g. glibc's MALLOC_ARENA_MAX, for an experiment).
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags

_HERE = pathlib.Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
sys.path.insert(0, str(_HERE))
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position

_CONFIG = flags.DEFINE_string("config", "configs/seq2seq.py",
                              "The config (configs/NAME.py[:variant]), relative to --repo.")
_STEPS = flags.DEFINE_integer("steps", None, "config.train.num_steps (default: the config's).")
_EVAL_EVERY = flags.DEFINE_integer("eval_every", None,
                                   "config.train.eval_every (default: the config's).")
_LABEL = flags.DEFINE_string("label", "current", "Name of this run in the table (before, after).")
_REPO = flags.DEFINE_string("repo", str(_ROOT), "The checkout whose cardiojax runs the job.")
_CHILD_ENV = flags.DEFINE_multi_string("child_env", [], "KEY=VALUE added to the job's environment.")
_XLA_PLAN = flags.DEFINE_bool("xla_plan", False,
                              "Also record XLA's buffer plan of the train and eval steps.")
_JSON_OUT = flags.DEFINE_string("json_out", None, "JSON to write (runs already there are kept).")
_PLAN_CHILD = flags.DEFINE_bool("plan_child", False, "Internal: print the XLA plan as JSON.")

_MB = 1e6


def job_command(config: str, steps: int | None, eval_every: int | None,
                workdir: str) -> list[str]:
  """The training command line that is measured."""
  command = [sys.executable, "-m", "cardiojax.main", f"--config={config}",
             f"--workdir={workdir}"]
  if steps is not None:
    command.append(f"--config.train.num_steps={steps}")
  if eval_every is not None:
    command.append(f"--config.train.eval_every={eval_every}")
  return command


def measure(command: list[str], cwd: str, env: dict[str, str], log_path: str) -> dict:
  """Runs `command` and returns the kernel's account of it (rusage at exit).

  Raises:
    RuntimeError: the job failed; the message ends with its last log lines.
  """
  load_before = os.getloadavg()
  start = time.perf_counter()
  with open(log_path, "w") as log:
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
  child.returncode = os.waitstatus_to_exitcode(status)
  wall = time.perf_counter() - start
  if child.returncode:
    tail = pathlib.Path(log_path).read_text().splitlines()[-15:]
    raise RuntimeError(f"{' '.join(command)}: exit status {child.returncode}; "
                       f"its last lines:\n" + "\n".join(tail))
  return {"wall_s": wall, "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
          "sys_over_user": usage.ru_stime / usage.ru_utime,
          "peak_rss_mb": usage.ru_maxrss * 1024 / _MB,  # ru_maxrss is in KiB
          "minor_faults": usage.ru_minflt, "major_faults": usage.ru_majflt,
          "voluntary_switches": usage.ru_nvcsw, "involuntary_switches": usage.ru_nivcsw,
          "loadavg_before": load_before, "loadavg_after": os.getloadavg()}


def checkout(repo: str) -> dict:
  """The commit of `repo` and whether its tree differs from it."""
  def git(*args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                          check=False).stdout.strip()
  return {"repo": os.path.abspath(repo), "commit": git("rev-parse", "HEAD"),
          "modified": bool(git("status", "--porcelain", "--untracked-files=no"))}


def xla_plan(config_arg: str, steps: int | None, eval_every: int | None) -> dict:
  """XLA's buffer plan (MB) of the config's train step (at train.batch_size)
  and eval step (at train.eval_batch_size), built in this process (whose
  working directory holds `configs/`)."""
  # pylint: disable=g-import-not-at-top
  import importlib
  import numpy as np
  from cardiojax import experiment as experiment_lib
  from cardiojax.train import sharding
  sys.path.insert(0, os.getcwd())
  path, _, variant = config_arg.partition(":")
  module = importlib.import_module(
      pathlib.Path(path).with_suffix("").as_posix().replace("/", "."))
  config = module.get_config(variant)
  if steps is not None:
    config.train.num_steps = steps
  if eval_every is not None:
    config.train.eval_every = eval_every
  experiment = experiment_lib.build_experiment(config)
  shape = experiment.contract.input_shape
  target = experiment.splits.sources["train"][0]["targets"]
  plans = {}
  for name, fn, batch_size in (("train", experiment.train_fn, config.train.batch_size),
                               ("eval", experiment.eval_fn, config.train.eval_batch_size)):
    batch = {"inputs": np.zeros((batch_size, *shape), np.float32),
             "targets": np.zeros((batch_size, *np.shape(target)), np.asarray(target).dtype),
             "mask": np.ones(batch_size, np.float32)}
    compiled = fn.lower(experiment.initial_state,
                        sharding.global_batch(batch, experiment.mesh)).compile()
    analysis = compiled.memory_analysis()
    plans[name] = {"batch_size": batch_size,
                   **{key: getattr(analysis, f"{key}_size_in_bytes") / _MB
                      for key in ("argument", "output", "alias", "temp")}}
  return plans


def markdown(runs: list[dict]) -> str:
  """One row per run."""
  lines = ["| label | config | steps | peak RSS MB | user s | sys s | sys/user | minor faults | "
           "wall s | load before | commit |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
  for run in runs:
    m = run["measured"]
    commit = run["checkout"]["commit"][:9] + ("+" if run["checkout"]["modified"] else "")
    lines.append(
        f"| {run['label']} | `{run['config']}` | {run['steps'] or 'config'} | "
        f"{m['peak_rss_mb']:.0f} | {m['user_s']:.1f} | {m['sys_s']:.1f} | "
        f"{m['sys_over_user']:.2f} | {m['minor_faults'] / 1e6:.2f} M | {m['wall_s']:.0f} | "
        f"{m['loadavg_before'][0]:.1f} | {commit} |")
  return "\n".join(lines)


def main(argv):
  del argv
  if _PLAN_CHILD.value:
    print(json.dumps(xla_plan(_CONFIG.value, _STEPS.value, _EVAL_EVERY.value)))
    return
  bad = [item for item in _CHILD_ENV.value if "=" not in item]
  if bad:
    raise app.UsageError(f"--child_env={bad[0]}: expected KEY=VALUE")
  load_before = os.getloadavg()
  repo = os.path.abspath(_REPO.value)
  with tempfile.TemporaryDirectory(prefix="memory_bench_") as tmp:
    # The checkout's cardiojax before any installed one; a cold cache.
    env = {**os.environ, "PYTHONPATH": repo,
           "CARDIOJAX_COMPILATION_CACHE": os.path.join(tmp, "cache"),
           **dict(item.split("=", 1) for item in _CHILD_ENV.value)}
    command = job_command(_CONFIG.value, _STEPS.value, _EVAL_EVERY.value,
                          os.path.join(tmp, "run"))
    measured = measure(command, repo, env, os.path.join(tmp, "job.log"))
    run = {"label": _LABEL.value, "config": _CONFIG.value, "steps": _STEPS.value,
           "eval_every": _EVAL_EVERY.value, "command": " ".join(command[1:]),
           "child_env": list(_CHILD_ENV.value), "checkout": checkout(repo),
           "measured": measured}
    if _XLA_PLAN.value:
      plan = subprocess.run(
          [sys.executable, __file__, "--plan_child", f"--config={_CONFIG.value}"]
          + [f"--{name}={value}" for name, value in (("steps", _STEPS.value),
                                                    ("eval_every", _EVAL_EVERY.value))
             if value is not None],
          cwd=repo, env=env, capture_output=True, text=True, check=True)
      run["xla_plan_mb"] = json.loads(plan.stdout.strip().splitlines()[-1])
  runs = []
  if _JSON_OUT.value and os.path.exists(_JSON_OUT.value):
    with open(_JSON_OUT.value) as f:
      key = (run["label"], run["config"], run["steps"])
      runs = [r for r in json.load(f)["runs"]
              if (r["label"], r["config"], r["steps"]) != key]
  runs.append(run)
  print(markdown(runs))
  document = {**bench_common.environment("memory", ("jax", "jaxlib", "flax", "numpy", "grain"),
                                         None, load_before),
              "runs": runs}
  bench_common.write_json(_JSON_OUT.value, document)


if __name__ == "__main__":
  app.run(main)
