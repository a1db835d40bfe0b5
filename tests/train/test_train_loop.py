"""The training loop end to end on the simulator: run directory, resume,
non-finite steps, damaged checkpoints, bad work directories."""

import json
import shutil

import jax
import numpy as np
import pytest

from cardiojax import experiment as experiment_lib
from cardiojax.datasets import intracardiac
from cardiojax.input import pipeline
from cardiojax.input import sources
from cardiojax.input import splits as splits_lib
from cardiojax.modes import train as train_mode
from cardiojax.train import checkpoints as checkpoints_lib
from cardiojax.train import loop
from cardiojax.train import rundir
from configs import activation_map


def tiny_config(**train):
  config = activation_map.get_config("smoke")
  config.data.num_samples = 48
  config.train.num_steps = 6
  config.train.eval_every = 3
  config.train.update(train)
  return config


def latest_state(config, workdir):
  experiment = experiment_lib.build_experiment(config)
  checkpoints = checkpoints_lib.Checkpoints(workdir)
  try:
    state, meta = checkpoints.restore_latest(
        experiment.initial_state, pipeline.train_iterator(
            experiment.splits.sources["train"], batch_size=8, seed=0),
        experiment.replicated)
  finally:
    checkpoints.close()
  return state, meta


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
  workdir = tmp_path_factory.mktemp("run")
  evaluation = train_mode.train(tiny_config(), str(workdir))
  return workdir, evaluation


def test_run_directory_holds_everything(finished_run):
  workdir, evaluation = finished_run
  for name in ("config.json", "run_info.json", "metrics.jsonl",
               "training_curve.png", "evaluation.json", "input_contract.json",
               experiment_lib.BASELINE_FILE):
    assert (workdir / name).is_file(), name
  info = json.loads((workdir / "run_info.json").read_text())
  assert info["cardiojax_version"] and "git_commit" in info
  assert json.loads((workdir / "config.json").read_text())["train"]["num_steps"] == 6
  records = [json.loads(line) for line in (workdir / "metrics.jsonl").open()]
  assert [r["step"] for r in records if r["split"] == "validation"] == [3, 6]
  assert [r["step"] for r in records if r["split"] == "train"] == [2, 4, 6]
  saved = json.loads((workdir / "evaluation.json").read_text())
  assert saved == json.loads(json.dumps(rundir.to_json(evaluation)))
  for split in ("validation", "test"):
    result = saved["splits"][split]
    assert result["num_examples"] == 8  # one heart of the 6, 48 samples
    assert result["model"]["mae"] > 0 and result["naive_baseline"]["mae"] > 0


def test_rerun_of_a_finished_run_trains_no_more(finished_run):
  workdir, evaluation = finished_run
  again = train_mode.train(tiny_config(), str(workdir))
  assert again["best_step"] == evaluation["best_step"]
  records = [json.loads(line) for line in (workdir / "metrics.jsonl").open()]
  assert len([r for r in records if r["split"] == "validation"]) == 2


def test_interrupted_run_resumes_bit_identically(finished_run, tmp_path):
  straight_dir, _ = finished_run
  interrupted = train_mode.train(tiny_config(), str(tmp_path),
                                 interrupt_after=4)
  assert interrupted["best_step"] == 3  # stopped at step 4, checkpoint at 3
  train_mode.train(tiny_config(), str(tmp_path))
  straight, _ = latest_state(tiny_config(), straight_dir)
  resumed, meta = latest_state(tiny_config(), tmp_path)
  assert int(resumed.step) == int(straight.step) == 6 == meta["step"]
  for a, b in zip(jax.tree.leaves(straight.params), jax.tree.leaves(resumed.params)):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
  for a, b in zip(jax.tree.leaves(straight.opt_state),
                  jax.tree.leaves(resumed.opt_state)):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
  records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").open()]
  steps = [(r["step"], r["split"]) for r in records]
  assert len(steps) == len(set(steps)), "a step was logged twice after resume"


def test_damaged_latest_checkpoint_falls_back_to_the_one_before(finished_run, tmp_path):
  source, _ = finished_run
  workdir = tmp_path / "run"
  shutil.copytree(source, workdir)
  latest = workdir / "checkpoints" / "latest"
  assert sorted(p.name for p in latest.iterdir() if p.name.isdigit()) == ["3", "6"]
  for path in (latest / "6" / "state").rglob("*"):
    if path.is_file():
      path.write_bytes(b"damaged")
  state, meta = latest_state(tiny_config(), workdir)
  assert int(state.step) == 3 == meta["step"]


def test_nan_in_a_batch_stops_with_the_step_and_keeps_the_checkpoint(
    tmp_path, monkeypatch):
  config = tiny_config(eval_every=1)
  real = intracardiac.load(config.data)
  train = dict(real.sources["train"].arrays)
  train["inputs"] = train["inputs"].copy()
  train["inputs"][:, 100, 3] = np.nan  # every example: the first batch fails
  poisoned = splits_lib.Splits(
      {**real.sources, "train": sources.ArraySource(train)}, real.contract,
      real.info)
  monkeypatch.setattr(intracardiac, "load", lambda _: poisoned)
  with pytest.raises(loop.NonFiniteError, match=r"step 1: .*not finite"):
    train_mode.train(config, str(tmp_path))
  assert not (tmp_path / "checkpoints" / "latest" / "1").exists()


def test_nan_after_a_checkpoint_keeps_that_checkpoint(tmp_path, monkeypatch):
  config = tiny_config(eval_every=1)
  train_mode.train(config, str(tmp_path), interrupt_after=2)
  real = intracardiac.load(config.data)
  train = dict(real.sources["train"].arrays)
  train["inputs"] = np.full_like(train["inputs"], np.nan)
  poisoned = splits_lib.Splits(
      {**real.sources, "train": sources.ArraySource(train)}, real.contract,
      real.info)
  monkeypatch.setattr(intracardiac, "load", lambda _: poisoned)
  with pytest.raises(loop.NonFiniteError, match=r"step 3: "):
    train_mode.train(config, str(tmp_path))
  monkeypatch.undo()
  state, meta = latest_state(config, tmp_path)
  assert int(state.step) == 2 == meta["step"]
  assert all(np.isfinite(np.asarray(leaf)).all()
             for leaf in jax.tree.leaves(state.params))


def test_unwritable_workdir_is_a_clear_error(tmp_path):
  blocker = tmp_path / "a_file"
  blocker.write_text("not a folder")
  with pytest.raises(rundir.WorkdirError, match=r"--workdir=.*a_file/run"):
    train_mode.train(tiny_config(), str(blocker / "run"))
  assert blocker.read_text() == "not a folder"
