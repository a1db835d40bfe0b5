"""Single-lead members against all leads on the shared PTB-XL records."""

import json

import numpy as np
import pytest

from cardiojax import experiment as experiment_lib
from cardiojax import studies
from cardiojax.input import contract as contract_lib
from cardiojax.studies import scoring
from cardiojax.studies import single_lead
from configs.studies import single_lead as study_config


@pytest.fixture(scope="module")
def study(shared_data, tmp_path_factory):
  """The study run, then rerun (which must train and score nothing)."""
  workdir = tmp_path_factory.mktemp("single_lead")
  config = study_config.get_config("ptbxl,smoke")
  first = studies.run(config, workdir)
  trained = []
  with pytest.MonkeyPatch.context() as patch:
    patch.setattr(experiment_lib, "train_run",
                  lambda *args, **kwargs: trained.append(args))
    patch.setattr(experiment_lib, "build_experiment",
                  lambda *args, **kwargs: trained.append(args))
    again = studies.run(config, workdir)
  return dict(workdir=workdir, config=config, first=first, again=again,
              rebuilt=trained)


def test_one_member_per_lead_and_one_on_all_leads(study):
  workdir = study["workdir"]
  window = study["config"].base.data.eval_length
  for lead in ("I", "II", "V1"):
    contract = contract_lib.load(workdir / f"lead_{lead}")
    assert contract.lead_names == (lead,)
    assert contract.input_shape == (window, 1)
  assert contract_lib.load(workdir / "all_leads").input_shape == (window, 12)


def test_the_table_holds_every_member_with_intervals(study):
  results = json.loads((study["workdir"] / "results.json").read_text())
  assert list(results["results"]) == ["I", "II", "V1", "all 12 leads"]
  for column in results["results"].values():
    assert set(column) == {"macro_auroc", "macro_f1"}
    for value in column.values():
      assert 0.0 <= value["low"] <= value["value"] <= value["high"] <= 1.0
  markdown = (study["workdir"] / "results.md").read_text()
  assert "| macro_auroc | " in markdown and "all 12 leads" in markdown
  assert (study["workdir"] / "single_lead.png").stat().st_size > 10_000


def test_macro_f1_uses_thresholds_fitted_on_validation(study):
  """The all-leads member's F1 equals its own run's evaluation, which fits
  thresholds on validation the same way."""
  evaluation = json.loads((study["workdir"] / "all_leads" /
                           "evaluation.json").read_text())
  f1 = study["first"]["results"]["all 12 leads"]["macro_f1"][0]
  assert f1 == pytest.approx(
      evaluation["splits"]["test"]["model"]["macro_f1"], abs=1e-9)
  auroc = study["first"]["results"]["all 12 leads"]["macro_auroc"][0]
  assert auroc == pytest.approx(
      evaluation["splits"]["test"]["model"]["macro_auroc"], abs=1e-9)


def test_a_rerun_trains_and_scores_nothing(study):
  assert study["rebuilt"] == []
  for column, values in study["first"]["results"].items():
    np.testing.assert_allclose(values["macro_auroc"],
                               study["again"]["results"][column]["macro_auroc"])


def test_leads_outside_the_base_are_refused():
  config = study_config.get_config("ptbxl,smoke")
  config.study.leads = ("I", "X1")
  with pytest.raises(ValueError, match="config.study.leads"):
    single_lead.member_configs(config)


def test_derive_changes_declared_fields_of_a_copy():
  config = study_config.get_config("ptbxl,smoke")
  member = scoring.derive(config.base, {"data.input_leads": ("V1",),
                                        "train.num_steps": 7})
  assert member.data.input_leads == ("V1",) and member.train.num_steps == 7
  assert len(config.base.data.input_leads) == 12
  assert config.base.train.num_steps == 2
  with pytest.raises(ValueError, match="config.base.data.input_lead: no such"):
    scoring.derive(config.base, {"data.input_lead": ("V1",)})
