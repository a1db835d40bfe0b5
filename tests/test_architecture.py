"""The layer rule of docs/ARCHITECTURE.md, enforced with import-linter.

Each layer imports only the layers below it; a backward import (say, evaluate
importing train) breaks the contract and fails this test. The contract lives
in setup.cfg ([importlinter]).
"""

import configparser
import pathlib

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
