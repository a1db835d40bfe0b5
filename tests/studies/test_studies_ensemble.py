"""Ensembles of three beat models on the shared Kaggle MIT-BIH sample."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from sklearn import linear_model

from cardiojax import studies
from cardiojax.input import contract as contract_lib
from cardiojax.studies import ensemble
from cardiojax.studies import members
from configs.studies import ensemble as study_config

MEMBERS = ("bilstm_seed2", "resnet_seed0", "resnet_seed1")


@pytest.fixture(scope="module")
def study(shared_data, tmp_path_factory):
  workdir = tmp_path_factory.mktemp("ensemble")
  config = study_config.get_config("smoke")
  summary = studies.run(config, workdir)
  outputs = {name: ensemble.load_outputs(workdir / "outputs" / f"{name}.npz")
             for name in MEMBERS}
  return dict(workdir=workdir, config=config, summary=summary,
              outputs=outputs)


def _by_hand(study, name, split):
  """A member's predictions, straight from its best checkpoint."""
  config = study["config"].members[name]
  experiment, state = members.load_trained(config, study["workdir"] / name)
  return members.outputs(experiment, state, split)


def test_the_average_is_the_mean_of_the_members(study):
  test = [_by_hand(study, name, "test") for name in MEMBERS]
  assert test[0].predictions.shape == (10, 5)
  average = ensemble.load_outputs(study["workdir"] / "outputs" /
                                  "ensemble_average.npz")["test"]
  np.testing.assert_allclose(
      average.predictions,
      (test[0].predictions + test[1].predictions + test[2].predictions) / 3,
      atol=1e-6)
  np.testing.assert_allclose(average.predictions.sum(axis=1), 1.0, atol=1e-5)
  accuracy = np.mean(average.predictions.argmax(axis=1) == test[0].targets)
  assert study["summary"]["results"]["average"]["accuracy"][0] == (
      pytest.approx(accuracy))


def test_the_stacker_is_a_logistic_regression_fitted_on_validation(study):
  outputs = study["outputs"]
  features = np.concatenate([outputs[name]["validation"].predictions
                             for name in MEMBERS], axis=1).astype(np.float64)
  targets = outputs[MEMBERS[0]]["validation"].targets
  assert np.bincount(targets).tolist() == [20] * 5
  by_hand = linear_model.LogisticRegression(C=1.0, max_iter=1000).fit(
      features, targets)
  saved = json.loads((study["workdir"] / "stacker.json").read_text())
  assert saved["kind"] == "multi_class"
  np.testing.assert_allclose(saved["models"][0]["coef"], by_hand.coef_,
                             atol=1e-6)
  test_features = np.concatenate([outputs[name]["test"].predictions
                                  for name in MEMBERS], axis=1).astype(
                                      np.float64)
  stacking = ensemble.load_outputs(study["workdir"] / "outputs" /
                                   "ensemble_stacking.npz")["test"]
  np.testing.assert_allclose(stacking.predictions,
                             by_hand.predict_proba(test_features), atol=1e-5)


def test_test_targets_do_not_change_the_stacker(study):
  outputs = study["outputs"]
  changed = {name: {"validation": output["validation"],
                    "test": dataclasses.replace(
                        output["test"], targets=(output["test"].targets + 3) % 5)}
             for name, output in outputs.items()}
  task = members.load_trained(study["config"].members[MEMBERS[0]],
                              study["workdir"] / MEMBERS[0])[0].task
  _, original = ensemble.ensembles(outputs, task, "multi_class", 1.0)
  _, refitted = ensemble.ensembles(changed, task, "multi_class", 1.0)
  np.testing.assert_array_equal(original.models[0].coef_,
                                refitted.models[0].coef_)


def test_members_and_ensembles_are_scored_side_by_side(study):
  results = json.loads((study["workdir"] / "results.json").read_text())
  assert list(results["results"]) == [*MEMBERS, "average", "stacking"]
  for column in results["results"].values():
    for metric in ("accuracy", "macro_f1"):
      value = column[metric]
      assert 0.0 <= value["low"] <= value["value"] <= value["high"] <= 1.0
    assert column["macro_auroc"]["value"] is None  # Test holds only N beats.
  assert (study["workdir"] / "ensemble.png").stat().st_size > 10_000


def test_finished_runs_can_be_ensembled_by_path(study, tmp_path):
  config = study_config.get_config("smoke")
  config.study.runs = tuple(str(study["workdir"] / name) for name in MEMBERS)
  summary = studies.run(config, tmp_path)
  assert list(summary["results"]) == [f"{i}_{name}" for i, name in
                                      enumerate(MEMBERS)] + ["average",
                                                             "stacking"]
  np.testing.assert_equal(summary["results"]["stacking"],
                          study["summary"]["results"]["stacking"])


def test_members_of_another_task_or_data_are_refused(study, tmp_path):
  other = tmp_path / "other_classes"
  shutil.copytree(study["workdir"] / MEMBERS[1], other)
  contract = contract_lib.load(other)
  dataclasses.replace(contract, label_names=("N", "S", "V", "F", "X")).save(
      other)
  config = study_config.get_config("smoke")
  config.study.runs = (str(study["workdir"] / MEMBERS[0]), str(other))
  with pytest.raises(ValueError, match=f"{other}: task multi_class with "
                     "classes .* differs"):
    studies.run(config, tmp_path / "refused")
  unfinished = tmp_path / "unfinished"
  unfinished.mkdir()
  config.study.runs = (str(unfinished),)
  with pytest.raises(ValueError, match="is not a finished run"):
    studies.run(config, tmp_path / "refused")
  config = study_config.get_config("smoke")
  config.members.resnet_seed1.data.validation_fraction = 0.3
  runs = {name: (config.members[name], study["workdir"] / name)
          for name in ("resnet_seed0", "resnet_seed1")}
  with pytest.raises(ValueError, match="resnet_seed1: config.data differs"):
    ensemble.check_compatible(runs)


def test_a_rerun_reads_the_member_outputs_from_the_cache(study):
  def refuse(*args, **kwargs):
    raise AssertionError("a member was loaded again")

  config = study_config.get_config("smoke")
  with pytest.MonkeyPatch.context() as patch:
    patch.setattr(members, "load_trained", refuse)
    again = studies.run(config, study["workdir"])
    np.testing.assert_equal(again["results"], study["summary"]["results"])
    config.study.stacking_c = 0.01
    weaker = studies.run(config, study["workdir"])
  strong = np.abs(study["summary"]["stacker"]["models"][0]["coef"]).sum()
  assert np.abs(weaker["stacker"]["models"][0]["coef"]).sum() < strong
  config.members.resnet_seed0.seed = 5  # a finished member is never reused
  with pytest.raises(ValueError, match=r"resnet_seed0: this member run was "
                     r"trained with another config \(config.seed=5"):
    studies.run(config, study["workdir"])
  studies.run(study["config"], study["workdir"])  # Leaves C = 1 results.
