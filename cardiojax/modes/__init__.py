"""What `python -m cardiojax.main` does in each mode, as importable functions.

One module per mode: `train`, `eval`, `predict`, `explain`; `study` runs a
composite study (`cardiojax.studies`); `run` dispatches.
"""

import json
import os
import sys

MODES = ("train", "eval", "predict", "explain", "study")
# Errors a user can cause: bad files, fields, records, runs. Each names the
# file or field and the fix; `main` prints them as one line (exit status 2).
USER_ERRORS = (ValueError, OSError, FloatingPointError)


def run(config, *, mode: str, workdir: str | None, config_path: str,
        input_path: str | None = None, reference: str | None = None,
        beats: str = "detector") -> dict:
  """Runs `mode` for `config` in `workdir` and returns its summary.

  The summary is printed as JSON on stdout; train also names the run
  directory and eval shows results.md on stderr. Predict and explain read the
  run directory only; eval reads the test split of the training corpus.
  """
  # Modes are imported on use, so that one mode never loads another's code.
  # pylint: disable=g-import-not-at-top
  from cardiojax.train import rundir

  if mode not in MODES:
    raise ValueError(f"--mode: expected one of {MODES}, got {mode!r}")
  if mode == "study":
    return _study(config, workdir, config_path)
  if workdir is None:
    if mode != "train":
      raise ValueError(f"--mode={mode} needs --workdir, the run to use")
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
    summary = {key: value for key, value in summary.items() if key != "evaluation"}
    with open(summary["results_md"]) as f:
      print(f.read(), file=sys.stderr)
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
  print(json.dumps(rundir.to_json(summary), indent=2))
  return summary


def _study(config, workdir, config_path: str) -> dict:
  """Runs the study of `config` in `workdir` (default: studies/<config name>)."""
  from cardiojax import studies  # pylint: disable=g-import-not-at-top
  from cardiojax.train import rundir  # pylint: disable=g-import-not-at-top
  if "study" not in config:
    raise ValueError(f"--config={config_path}: not a study config (no "
                     f"`study` section); see configs/studies/")
  if workdir is None:
    name = os.path.splitext(os.path.basename(config_path.split(":")[0]))[0]
    workdir = os.path.join("studies", name)
  print(f"study directory: {os.path.abspath(workdir)}", file=sys.stderr)
  summary = studies.run(config, workdir)
  print(json.dumps(rundir.to_json(summary), indent=2))
  return summary
