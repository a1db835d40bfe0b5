"""The command line: the README's main job (smoke size) and bad flags."""

import json
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def run_main(*flags, cwd=REPO):
  return subprocess.run([sys.executable, "-m", "cardiojax.main", *flags],
                        cwd=cwd, capture_output=True, text=True, timeout=300)


def test_main_job_smoke_trains_to_completion(tmp_path):
  result = run_main("--config=configs/seq2seq.py:smoke", f"--workdir={tmp_path}")
  assert result.returncode == 0, result.stderr[-3000:]
  evaluation = json.loads((tmp_path / "evaluation.json").read_text())
  assert set(evaluation["splits"]) == {"validation", "test"}
  assert "step 6/6" in result.stderr
  # The summary goes to a file and a few lines on stderr, not to stdout.
  assert result.stdout == ""
  summary = json.loads((tmp_path / "summary_train.json").read_text())
  assert summary["splits"] == evaluation["splits"]


def test_default_workdir_is_a_new_folder_under_runs(tmp_path):
  """From a folder without configs/, the path falls back to the built-in."""
  result = run_main("--config=configs/activation_map.py:smoke",
                    "--config.train.num_steps=1", cwd=tmp_path)
  assert result.returncode == 0, result.stderr[-3000:]
  assert (f"--config: configs/activation_map.py is not a file in {tmp_path}; "
          f"using the built-in config activation_map") in result.stderr
  (run,) = (tmp_path / "runs").iterdir()
  assert run.name.startswith("activation_map-")
  assert (run / "evaluation.json").is_file()


@pytest.mark.parametrize("flag, message", [
    ("--config.train.num_stepz=3", "Did you mean"),
    ("--config.train.num_steps=1.5", "num_steps"),
    ("--config.model.name=no_such_model", "config.model.name: unknown model"),
    ("--config.data.target=heart_rate", "config.data.target"),
])
def test_bad_config_is_a_clear_error(tmp_path, flag, message):
  result = run_main("--config=configs/activation_map.py:smoke", flag,
                    f"--workdir={tmp_path / 'run'}")
  assert result.returncode == 2
  assert message in result.stderr, result.stderr[-2000:]
  assert not (tmp_path / "run" / "checkpoints").exists()


def test_unknown_variant_and_missing_config_are_clear_errors():
  result = run_main("--config=configs/seq2seq.py:huge")
  assert result.returncode == 2 and "unknown variant 'huge'" in result.stderr
  result = run_main()
  assert result.returncode == 2 and "--config is required" in result.stderr
