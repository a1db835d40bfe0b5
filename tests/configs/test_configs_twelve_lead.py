"""The 12-lead configs: every smoke variant trains end to end on shared data,
and PTB-XL superdiagnostic learns beyond what a broken pipeline could reach."""

import json
import os
import subprocess
import sys

import pytest

from configs import ptbxl as ptbxl_config

SMOKE = [
    ("ptbxl", "smoke", "ptbxl", "macro_auroc"),
    ("ptbxl", "rhythm_smoke", "ptbxl", "macro_auroc"),
    ("ptbxl_ribeiro", "smoke", "ptbxl", "macro_auroc"),
    ("ptbxl_age", "smoke", "ptbxl", "mae"),
    ("lead_reconstruction", "smoke", "ptbxl", "rmse"),
    ("cpsc2018_resnet34", "smoke", "cpsc2018", "cpsc2018/F1"),
]
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Runs train in a subprocess: with the suite's --xla_backend_optimization_level=0
# the CPU backend gives NaN gradients after a few steps of these ResNets.
_TRAIN = """
import importlib, json, sys
import ml_collections
from cardiojax.train import loop
name, variant, manual_dir, data_dir, workdir, overrides = sys.argv[1:7]
config = importlib.import_module("configs." + name).get_config(variant)
config.data.manual_dir, config.data.data_dir = manual_dir, data_dir
exec(overrides)
print(json.dumps(loop.train_and_evaluate(config, workdir)["splits"]["test"]))
"""


def _train(name, variant, manual_dir, data_dir, workdir, overrides=""):
  """Trains configs/<name>.py:<variant> in a fresh process; the test split."""
  env = {**os.environ, "JAX_PLATFORMS": "cpu", "XLA_FLAGS": ""}
  result = subprocess.run(
      [sys.executable, "-c", _TRAIN, name, variant, str(manual_dir),
       str(data_dir), str(workdir), overrides], env=env, capture_output=True,
      text=True, check=False, cwd=_ROOT)
  assert result.returncode == 0, result.stderr[-3000:]
  return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  return str(tmp_path_factory.mktemp("tfds"))


@pytest.mark.parametrize("name, variant, corpus, metric", SMOKE)
def test_smoke_trains_end_to_end(name, variant, corpus, metric, data_dir,
                                 shared_data, tmp_path):
  test = _train(name, variant, shared_data / corpus, data_dir, tmp_path)
  assert test["num_examples"] >= 1
  assert metric in test["model"] and metric in test["naive_baseline"]


def test_variants():
  assert ptbxl_config.get_config("").data.label_set == "superdiagnostic"
  assert ptbxl_config.get_config("form").model.num_outputs == 19
  smoke = ptbxl_config.get_config("rhythm_smoke")
  assert smoke.data.label_set == "rhythm" and smoke.train.num_steps < 10
  with pytest.raises(ValueError, match="configs/ptbxl.py: unknown variant"):
    ptbxl_config.get_config("rythm")


_LEARN = """
config.model = ml_collections.ConfigDict({
    "name": "resnet18", "num_outputs": 5, "features": (16, 16, 32, 32),
    "kernel_size": 7, "stem_kernel_size": 15, "dropout_rate": 0.0})
config.train.batch_size = 32
config.train.eval_batch_size = 64
config.train.num_steps = 200
config.train.eval_every = 50
config.train.log_every = 50
config.train.monitor = "macro_auroc"
config.train.monitor_mode = "max"
config.optimizer.name = "adam"
config.optimizer.learning_rate = 3e-3
config.optimizer.schedule = "warmup_cosine"
config.optimizer.warmup_steps = 20
"""


def test_ptbxl_superdiagnostic_learns(data_dir, shared_data, tmp_path):
  """Macro AUROC on fold 10 (53 labelled records) after 200 steps at 100 Hz.

  Measured 0.76 / 0.82 / 0.78 with seeds 0 / 1 / 2 (about 30 s on 2 cores);
  the naive baseline (training prevalences) scores 0.5, and so would a
  pipeline that scrambles labels, leads or splits. Bound: 0.68.
  """
  test = _train("ptbxl", "smoke", shared_data / "ptbxl", data_dir,
                tmp_path, _LEARN)
  assert test["num_examples"] == 53
  assert test["naive_baseline"]["macro_auroc"] == pytest.approx(0.5)
  assert test["model"]["macro_auroc"] > 0.68
