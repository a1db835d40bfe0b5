"""Reconstruct then classify on the shared PTB-XL records (smoke members)."""

import json

import numpy as np
import pytest

from cardiojax import studies
from cardiojax.signal import leads as leads_lib
from cardiojax.studies import members
from cardiojax.studies import reconstruct_then_classify as study_lib
from cardiojax.studies import scoring
from configs.studies import reconstruct_then_classify as study_config

SUBSET = ("I", "II", "V2")


@pytest.fixture(scope="module")
def study(shared_data, tmp_path_factory):
  workdir = tmp_path_factory.mktemp("reconstruct")
  config = study_config.get_config("smoke")
  summary = studies.run(config, workdir)
  return dict(workdir=workdir, config=config, summary=summary)


def test_three_columns_and_the_reconstruction_quality(study):
  results = json.loads((study["workdir"] / "results.json").read_text())
  assert study["summary"]["subset"] == list(SUBSET)
  columns = results["results"]
  assert list(columns) == [
      "12-lead classifier, real 12 leads",
      "12-lead classifier, 12 leads rebuilt from I, II, V2",
      "classifier of I, II, V2 alone",
      "reconstruction (its own test split)"]
  for name in list(columns)[:3]:
    assert set(columns[name]) == {"macro_auroc", "macro_auprc", "macro_f1"}
    for value in columns[name].values():
      assert 0.0 <= value["low"] <= value["value"] <= value["high"] <= 1.0
  quality = columns["reconstruction (its own test split)"]
  missing = [lead for lead in leads_lib.STANDARD_12 if lead not in SUBSET]
  for lead in missing:
    r = quality[f"reconstruction pearson_r/{lead}"]
    rmse = quality[f"reconstruction rmse (mV)/{lead}"]
    assert -1.0 <= r["low"] <= r["value"] <= r["high"] <= 1.0
    assert 0.01 < rmse["low"] <= rmse["value"] <= rmse["high"] < 2.0
  assert "reconstruction rmse (mV)/I" not in quality
  assert (study["workdir"] / "reconstruct_then_classify.png").stat(
  ).st_size > 10_000


def test_the_real_column_is_the_classifiers_own_evaluation(study):
  evaluation = json.loads((study["workdir"] / "classifier_12" /
                           "evaluation.json").read_text())
  real = study["summary"]["results"]["12-lead classifier, real 12 leads"]
  for metric in ("macro_auroc", "macro_f1"):
    assert real[metric][0] == pytest.approx(
        evaluation["splits"]["test"]["model"][metric], abs=1e-9)


def test_inputs_go_to_millivolts_and_back_unchanged(study):
  """The classifier's normalised test inputs -> mV -> its own preparation
  again gives the same inputs; the reconstruction input keeps the subset in
  mV, zeroes the other leads and pads the classifier's window to its own."""
  workdir, config = study["workdir"], study["config"]
  configs = study_lib.member_configs(config, SUBSET)
  classifier, _ = members.load_trained(configs["classifier_12"],
                                       workdir / "classifier_12")
  name = "reconstruction_I_II_V2"
  reconstruction, _ = members.load_trained(configs[name], workdir / name)
  inputs = scoring.split_examples(
      classifier.splits.sources["test"])["inputs"][:4]
  millivolts = study_lib.to_millivolts(classifier.contract, inputs)
  assert 0.05 < np.std(millivolts) < 2.0  # ECG amplitudes in mV.
  rate = classifier.contract.sampling_rate_hz
  again = study_lib._prepare(classifier.contract, millivolts, rate)  # pylint: disable=protected-access
  np.testing.assert_allclose(again, inputs, atol=1e-4)
  rebuilt_input = study_lib._prepare(reconstruction.contract, millivolts, rate)  # pylint: disable=protected-access
  window = inputs.shape[1]
  assert rebuilt_input.shape == (4, *reconstruction.contract.input_shape)
  given = list(leads_lib.lead_indices(SUBSET))
  np.testing.assert_allclose(rebuilt_input[:, :window, given],
                             millivolts[..., given], atol=1e-5)
  others = [i for i in range(12) if i not in given]
  assert not rebuilt_input[..., others].any()
  assert not rebuilt_input[:, window:].any()


def test_the_subset_comes_from_a_finished_lead_elimination(tmp_path):
  config = study_config.get_config("smoke")
  assert study_lib.subset(config) == SUBSET
  config.study.lead_elimination_dir = str(tmp_path)
  with pytest.raises(ValueError, match="lead_elimination_dir"):
    study_lib.subset(config)
  (tmp_path / "elimination.json").write_text(json.dumps({"config": {}, "entries": {
      "leads_04": {"leads": ["I", "II", "V1", "V5"], "removed": "V1"},
      "leads_03": {"leads": ["I", "II", "V5"], "removed": None}}}))
  assert study_lib.subset(config) == ("I", "II", "V5")
  config.study.subset = ("I", "V9")
  with pytest.raises(ValueError, match="config.study.subset"):
    study_lib.subset(config)


def test_the_reconstruction_member_is_given_the_subset():
  config = study_config.get_config("smoke")
  member = study_lib.member_configs(config, ("I", "V5"))["reconstruction_I_V5"]
  assert member.data.input_leads == ("I", "V5")
  assert member.task.input_leads == ("I", "V5")
  assert member.input_leads == ("I", "V5")
