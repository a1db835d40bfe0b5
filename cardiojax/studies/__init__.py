"""Composite studies: member runs combined into one result (the seed studies).

A study config has a `study` section (`study.name`, one of `STUDIES`, and the
study's own fields) and the config of its member runs (`base`, an ordinary
experiment config). Run one with

    python -m cardiojax.main --mode=study --config=configs/studies/NAME.py \
        --workdir=studies/NAME

Every member is an ordinary run directory inside the study's folder
(`cardiojax.studies.members`), so a killed study resumes where it stopped and
never retrains a finished member. Each study writes results.md and
results.json (with confidence intervals) and its plots into the folder.
"""

import importlib
import pathlib

STUDIES = ("lead_elimination", "reconstruct_then_classify", "single_lead",
           "expert_baseline", "ensemble", "describe")


def run(config, workdir) -> dict:
  """Runs the study `config.study.name` in `workdir`; returns its summary.

  Raises:
    ValueError: `config.study.name` is not one of `STUDIES`.
  """
  name = config.study.name
  if name not in STUDIES:
    raise ValueError(f"config.study.name: unknown study {name!r}; expected "
                     f"one of {STUDIES}")
  workdir = pathlib.Path(workdir)
  workdir.mkdir(parents=True, exist_ok=True)
  module = importlib.import_module(f"cardiojax.studies.{name}")
  return module.run(config, workdir)
