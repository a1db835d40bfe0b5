"""The model card script runs and lists every model, as the committed docs/models.md does."""

import importlib.util
import pathlib
import re

from cardiojax import models

_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load_script():
  spec = importlib.util.spec_from_file_location(
      "model_card", _ROOT / "experiments" / "model_card.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def _rows(text):
  """name -> parameter count, from the markdown table."""
  return {m.group(1): m.group(2)
          for m in re.finditer(r"^\| `(\w+)` \|.*\| ([\d,]+) \| [^|]+ \|$", text, re.M)}


def test_model_card_lists_every_model(tmp_path):
  card = _load_script()
  assert sorted(card.CARDS) == sorted(models.MODELS)
  text = card.render()
  (tmp_path / "models.md").write_text(text)
  rows = _rows(text)
  assert sorted(rows) == sorted(models.MODELS)
  assert rows["resnet34"] == "16,610,185"
  assert rows["kachuee_resnet"] == "55,013"
  assert _rows((_ROOT / "docs" / "models.md").read_text()) == rows  # The committed card is current.
