"""What `cardiojax MODE` (`python -m cardiojax.main --mode=MODE`) does, as
importable functions.

One module per mode: `train`, `eval`, `predict`, `explain`; `study` runs a
composite study (`cardiojax.studies`); `run` dispatches and ends with the
short summary of `summary.finish`.
"""

import os
import sys

MODES = ("train", "eval", "predict", "explain", "study")
# Errors a user can cause: bad files, fields, records, runs. Each names the
# file or field and the fix; `main` prints them as one line (exit status 2).
USER_ERRORS = (ValueError, OSError, FloatingPointError)


def run(config, *, mode: str, workdir: str | None, config_path: str,
        input_path: str | None = None, reference: str | None = None,
        beats: str = "detector", print_json: bool = False) -> dict:
  """Runs `mode` for `config` in `workdir` and returns its summary.

  The summary is written to `<workdir>/summary_<mode>.json` and told in a
  few lines on stderr (for train and eval the headline metric against the
  naive baseline; eval also shows the metric table of results.md); with
  `print_json` it is also printed as JSON on stdout. Train names the run
  directory when it starts. Predict and explain read the run directory only;
  eval reads the test split of the training corpus. `config_path` is the
  --config value as typed, named in errors and in the default workdir.
  """
  # Modes are imported on use, so that one mode never loads another's code.
  # pylint: disable=g-import-not-at-top
  from cardiojax.modes import summary as summary_lib
  from cardiojax.train import compilation_cache
  from cardiojax.train import program_cache
  from cardiojax.train import rundir

  if mode not in MODES:
    raise ValueError(f"--mode: expected one of {MODES}, got {mode!r}")
  # Every command reuses the programs that earlier ones traced and compiled
  # (the program cache and jax's persistent compilation cache): a rerun or a
  # resume traces and compiles nothing.
  program_cache.enable(compilation_cache.enable())
  if mode == "study":
    workdir, summary = _study(config, workdir, config_path)
    summary_lib.finish(mode, summary, workdir, config, print_json=print_json)
    return summary
  if workdir is None:
    if mode != "train":
      raise ValueError(f"--mode={mode} needs --workdir=DIR, the run "
                       f"directory to use (one trained with --mode=train)")
    name = os.path.splitext(os.path.basename(config_path.split(":")[0]))[0]
    workdir = rundir.default_workdir(name)
  is_run = os.path.isfile(os.path.join(workdir, "config.json"))
  if mode != "train" and not is_run:
    raise FileNotFoundError(f"--workdir={workdir}: not a run directory (no "
                            f"config.json); train it first with --mode=train")
  differences = rundir.config_differences(config, workdir)
  if differences:
    raise ValueError(f"--config={config_path}: {differences[0]}"
                     f"{f' and {len(differences) - 1} more' if len(differences) > 1 else ''}"
                     f"; use the config the run was trained with, or another "
                     f"--workdir")
  if mode == "train":
    from cardiojax.modes import train
    print(f"run directory: {os.path.abspath(workdir)}", file=sys.stderr)
    summary = train.train(config, workdir)
  elif mode == "eval":
    from cardiojax.modes import eval as eval_mode
    summary = eval_mode.evaluate_run(config, workdir)
    for line in summary_lib.summary_table(summary["results_md"]):
      print(line, file=sys.stderr)
  elif mode == "predict":
    from cardiojax.modes import predict
    if input_path is None:
      raise ValueError("--mode=predict needs --input=PATH: a record file, a "
                       "folder or a glob")
    summary = predict.predict_files(config, workdir, input_path,
                                    reference=reference, beats=beats)
  else:
    from cardiojax.modes import explain
    summary = explain.explain_workdir(config, workdir, input_path)
  summary_lib.finish(mode, summary, workdir, config, print_json=print_json)
  return summary


def _study(config, workdir, config_path: str) -> tuple[str, dict]:
  """Runs the study of `config` in `workdir` (default: studies/<config
  name>); returns the study directory and its summary."""
  # pylint: disable=g-import-not-at-top
  from cardiojax import studies
  if "study" not in config:
    raise ValueError(f"--config={config_path}: not a study config (no "
                     f"`study` section); see configs/studies/")
  if workdir is None:
    name = os.path.splitext(os.path.basename(config_path.split(":")[0]))[0]
    workdir = os.path.join("studies", name)
  print(f"study directory: {os.path.abspath(workdir)}", file=sys.stderr)
  return workdir, studies.run(config, workdir)
