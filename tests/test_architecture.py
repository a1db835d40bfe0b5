"""The layer rule of docs/ARCHITECTURE.md, enforced with import-linter.

Each layer imports only the layers below it; a backward import (say, evaluate
importing train) breaks the contract and fails this test. The contract lives
in setup.cfg ([importlinter]). Also what importing the training path costs:
no heavy library it does not use.
"""

import configparser
import pathlib
import subprocess
import sys
import textwrap

from importlinter import cli

REPO = pathlib.Path(__file__).resolve().parents[1]
LAYERS = ["cli", "main", "modes", "config_names", "studies | serve", "predictor", "experiment",
          "train", "tasks", "datasets", "explain", "evaluate", "input", "simulate | models",
          "signal"]


def test_contract_names_every_layer_and_package():
  parser = configparser.ConfigParser()
  parser.read(REPO / "setup.cfg")
  contract = parser["importlinter:contract:layers"]
  assert contract["type"] == "layers"
  layers = [line.strip() for line in contract["layers"].splitlines()
            if line.strip()]
  assert layers == LAYERS
  named = {name.strip() for layer in layers for name in layer.split("|")}
  packages = {path.stem if path.is_file() else path.name
              for path in (REPO / "cardiojax").iterdir()
              if path.name != "__init__.py" and not path.name.startswith("_")
              and (path.suffix == ".py" or (path / "__init__.py").is_file())}
  assert packages == named, "every module of cardiojax/ sits in a layer"


def test_import_linter_contract_is_kept(monkeypatch):
  monkeypatch.chdir(REPO)
  assert cli.lint_imports(config_filename=str(REPO / "setup.cfg")) == 0


def test_a_training_run_imports_no_heavy_library_it_does_not_use():
  # What a run imports before its first step, every corpus included: the
  # libraries below cost 0.1-1.3 s each and are reached on use only (scipy's
  # submodules through `scipy.X` attributes, wfdb through
  # `datasets.wfdb_io._wfdb`, torch never: tensorboardX's writer is imported
  # with torch blocked, `train.rundir`).
  script = textwrap.dedent("""
      import importlib, pkgutil, sys
      import cardiojax.main, cardiojax.experiment, cardiojax.modes.train
      from cardiojax import datasets
      from cardiojax.train import rundir
      for module in pkgutil.iter_modules(datasets.__path__):
        importlib.import_module(f"cardiojax.datasets.{module.name}")
      rundir._import_tensorboardx()  # pylint: disable=protected-access
      heavy = ("scipy.signal", "scipy.ndimage", "scipy.io", "scipy.stats",
               "wfdb", "pandas", "sklearn", "matplotlib", "torch",
               "tensorflow", "fastapi")
      print(sorted(name for name in heavy if name in sys.modules))
      """)
  result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, check=False)
  assert result.returncode == 0, result.stderr
  assert result.stdout.strip() == "[]"
