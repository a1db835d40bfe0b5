"""One set of numbers: the end of training and --mode=eval score a run alike.

A PTB-XL smoke run is trained once. Its records are scored whole, by windows
aggregated as the benchmark does, and the figures written at the end of
training equal those of --mode=eval; a CPSC 2018 record longer than the
model's 30 s window is covered whole by its windows.
"""

import importlib
import json

import numpy as np
import pytest

import cardiojax
from cardiojax import datasets
from cardiojax import experiment as experiment_lib
from cardiojax import modes
from cardiojax.signal import leads
from cardiojax.train import evaluation as evaluation_lib
from cardiojax.train import loop


def _config(name, tmp_path_factory, variant="smoke"):
  config = importlib.import_module(f"configs.{name}").get_config(variant)
  config.data.data_dir = str(tmp_path_factory.getbasetemp() / "tfds")
  return config


@pytest.fixture(scope="module")
def ptbxl_run(smoke_runs):
  workdir = smoke_runs.workdir("ptbxl")
  evaluation = json.loads((workdir / "evaluation.json").read_text())
  return smoke_runs.config("ptbxl"), workdir, evaluation


def test_end_of_training_and_eval_mode_give_the_same_numbers(ptbxl_run):
  config, workdir, evaluation = ptbxl_run
  at_training = json.loads((workdir / "results.json").read_text())
  test = evaluation["splits"]["test"]["model"]
  for name, entry in at_training["results"]["model"].items():
    if entry["value"] is not None:
      assert test[name] == pytest.approx(entry["value"]), name
  assert "exact_match_accuracy" in test and "accuracy" not in test
  assert {"f_beta2_macro", "g_beta2_macro", "fmax"} <= set(test)
  # The thresholds fitted on validation are in the contract predict reads.
  contract = json.loads((workdir / "input_contract.json").read_text())
  assert contract["thresholds"] == pytest.approx(evaluation["thresholds"])
  modes.run(config, mode="eval", workdir=str(workdir),
            config_path="configs/ptbxl.py:smoke")
  assert json.loads((workdir / "results.json").read_text()) == at_training
  protocol = at_training["protocol"]
  assert "unit, patient (" in protocol["confidence intervals"]
  assert "max over a record's windows" in protocol["scoring"]
  assert "model, benchmark interval" in at_training["results"]


def test_records_are_scored_as_the_max_over_their_windows(ptbxl_run):
  config, workdir, _ = ptbxl_run
  experiment = experiment_lib.build_experiment(config)
  state, _ = experiment_lib.restore_best(experiment, workdir)
  _, per_record, _ = loop.evaluate(experiment, state, "test")
  source = experiment.splits.sources["test"]
  assert len(per_record) == len(source.targets) < len(source)
  model = cardiojax.load(workdir)
  for record in range(len(source.targets)):
    ecg = source.records.ecg(record)  # the prepared record, 10 s at 100 Hz
    inputs, _ = model.prepare(ecg, 100, leads.STANDARD_12, record_id="r")
    by_hand = model.outputs(inputs).max(axis=0)
    assert len(inputs) == 7  # 2.5 s windows every 1.25 s over 10 s
    np.testing.assert_allclose(per_record[record], by_hand, atol=1e-5)


def test_cpsc_records_longer_than_the_window_are_scored_whole(
    tmp_path_factory, shared_data):
  del shared_data
  config = _config("cpsc2018_resnet34", tmp_path_factory)
  config.data.eval_length = 15000  # the published 30 s window
  config.data.train_folds = tuple(range(4))
  config.data.validation_folds = (4,)
  config.data.test_folds = tuple(range(5, 10))
  splits = datasets.corpus("cpsc2018").load(config.data)
  covered = 0
  for split in ("validation", "test"):
    source = splits.sources[split]
    for record in range(len(source.targets)):
      length = len(source.records.ecg(record))
      starts = source.window_start[source.window_record == record]
      # Every sample of the record lies in a window, and no window runs past
      # its end: a 54 s record is not scored on its first 30 s.
      assert starts[0] == 0
      assert starts[-1] + 15000 == max(length, 15000)
      assert np.all(np.diff(starts) <= 15000)
      covered += length > 15000
  assert covered >= 1, "a record longer than 30 s is among the scored ones"


def test_a_class_missing_from_training_is_warned_about_and_reported(
    tmp_path_factory, shared_data, monkeypatch):
  del shared_data
  warned = []
  monkeypatch.setattr(evaluation_lib.logging, "warning",
                      lambda message, *args: warned.append(message % args))
  config = _config("beats_mitdb_aami", tmp_path_factory)
  experiment = experiment_lib.build_experiment(config)
  missing = evaluation_lib.missing_classes(experiment.task, experiment.splits)
  # Record 106 (training) has N and V beats only.
  assert missing["train"] == ["S", "F", "Q"]
  assert any("the train split has no example of S, F, Q" in message
             for message in warned)
