"""Recursive lead elimination on the shared PTB-XL records, 12 -> 3 leads.

The study is killed inside its third member's training (after one step of
it), rerun to the end, then rerun once more: the finished members are never
retrained, the interrupted one resumes, and the last run reads every step
from elimination.json.
"""

import json
import pathlib

import numpy as np
import pytest

from cardiojax import experiment as experiment_lib
from cardiojax import studies
from cardiojax.signal import leads as leads_lib
from cardiojax.studies import lead_elimination
from cardiojax.studies import members
from cardiojax.studies import scoring
from cardiojax.train import loop
from configs.studies import lead_elimination as study_config


class Killed(Exception):
  """The simulated kill of the study."""


@pytest.fixture(scope="module")
def runs(shared_data, tmp_path_factory):
  """The killed run, the resumed run and the cached rerun of one study."""
  workdir = tmp_path_factory.mktemp("lead_elimination")
  config = study_config.get_config("smoke")
  real_train_run = experiment_lib.train_run
  trained = []

  def killed_at_third(member_config, run_dir, **kwargs):
    trained.append(pathlib.Path(run_dir).name)
    if len(trained) == 3:
      real_train_run(member_config, run_dir, interrupt_after=1)
      raise Killed()
    return real_train_run(member_config, run_dir, **kwargs)

  def counted(member_config, run_dir, **kwargs):
    trained.append(pathlib.Path(run_dir).name)
    return real_train_run(member_config, run_dir, **kwargs)

  with pytest.MonkeyPatch.context() as patch:
    patch.setattr(experiment_lib, "train_run", killed_at_third)
    with pytest.raises(Killed):
      studies.run(config, workdir)
    killed = list(trained)
    finished = {name: (workdir / name / "evaluation.json").stat().st_mtime_ns
                for name in ("leads_12", "leads_11")}
    trained.clear()
    patch.setattr(experiment_lib, "train_run", counted)
    resumed = studies.run(config, workdir)
    retrained = list(trained)
    cache_mtime = (workdir / lead_elimination.CACHE_FILE).stat().st_mtime_ns
    trained.clear()
    cached = studies.run(config, workdir)
  return dict(workdir=workdir, config=config, killed=killed,
              finished=finished, resumed=resumed, retrained=retrained,
              cached=cached, cached_trained=list(trained),
              cache_mtime=cache_mtime)


def test_runs_from_12_to_3_leads(runs):
  order, left = runs["resumed"]["order"], runs["resumed"]["leads_left"]
  assert len(order) == 9 and len(left) == 3
  assert sorted(order + left) == sorted(leads_lib.STANDARD_12)
  assert list(runs["resumed"]["curve"]) == list(range(12, 2, -1))
  for point, low, high in runs["resumed"]["curve"].values():
    assert 0.0 <= low <= point <= high <= 1.0
  assert (runs["workdir"] / "metric_vs_leads.png").stat().st_size > 10_000


def test_each_step_removes_the_lead_that_leaves_the_best_subset(runs):
  steps = json.loads((runs["workdir"] / lead_elimination.CACHE_FILE)
                     .read_text())["entries"]
  leads = list(leads_lib.STANDARD_12)
  for num_leads in range(12, 2, -1):
    step = steps[lead_elimination.member_name(num_leads)]
    assert step["leads"] == leads
    if num_leads == 3:
      assert step["removed"] is None and step["subset_scores"] is None
      break
    scores = step["subset_scores"]
    assert len(scores) == num_leads
    assert all(0.0 <= value <= 1.0 for value in scores)
    assert step["removed"] == leads[int(np.argmax(scores))]
    leads.remove(step["removed"])


def test_a_subset_score_is_the_metric_with_that_lead_at_zero(runs):
  """The 4-lead member rescored by hand: its normalised validation inputs
  with one lead set to 0 (the lead's training mean), each record scored by
  its windows as training scores it, macro AUPRC."""
  config, workdir = runs["config"], runs["workdir"]
  step = json.loads((workdir / lead_elimination.CACHE_FILE).read_text())[
      "entries"]["leads_04"]
  member_config = scoring.derive(config.base,
                                 {"data.input_leads": tuple(step["leads"])})
  experiment, state = members.load_trained(member_config,
                                           workdir / "leads_04")
  source = experiment.splits.sources["validation"]
  inputs = scoring.split_examples(source)["inputs"]
  assert np.allclose(inputs.mean(axis=(0, 1)), 0.0, atol=0.5)
  lead = 2
  occluded = inputs.copy()
  occluded[..., lead] = 0.0
  predictions = scoring.per_record(
      experiment, source, scoring.predict_inputs(experiment, state, occluded,
                                                 16))
  by_hand = experiment.task.metrics(predictions, loop.all_targets(source))
  assert step["subset_scores"][lead] == pytest.approx(by_hand["macro_auprc"],
                                                      abs=1e-6)


def test_a_killed_study_resumes_without_retraining_finished_members(runs):
  assert runs["killed"] == ["leads_12", "leads_11", "leads_10"]
  assert runs["retrained"] == [lead_elimination.member_name(n)
                               for n in range(10, 2, -1)]
  for name, mtime in runs["finished"].items():
    assert (runs["workdir"] / name / "evaluation.json").stat().st_mtime_ns == (
        mtime)
  interrupted = runs["workdir"] / "leads_10"
  assert members.is_finished(interrupted)
  logged = [(record["step"], record["split"]) for record in map(
      json.loads, (interrupted / "metrics.jsonl").read_text().splitlines())]
  assert len(logged) == len(set(logged))  # No step logged twice.


def test_the_rerun_reads_every_step_from_the_cache(runs):
  assert runs["cached_trained"] == []
  assert runs["cached"]["order"] == runs["resumed"]["order"]
  assert runs["cached"]["curve"] == runs["resumed"]["curve"]
  assert (runs["workdir"] / lead_elimination.CACHE_FILE).stat(
  ).st_mtime_ns == runs["cache_mtime"]
  results = json.loads((runs["workdir"] / "results.json").read_text())
  assert list(results["results"]) == [f"{n} leads" for n in range(12, 2, -1)]
  assert results["protocol"]["elimination order"] == ", ".join(
      runs["resumed"]["order"])


def test_a_cache_of_another_config_is_refused(runs):
  config = study_config.get_config("smoke")
  config.study.metric = "macro_auroc"
  with pytest.raises(ValueError, match="elimination.json: computed for "
                     "another study config"):
    lead_elimination.eliminate(config, runs["workdir"])


def test_chosen_leads_reads_the_finished_study(runs, tmp_path):
  assert lead_elimination.chosen_leads(runs["workdir"]) == tuple(
      runs["resumed"]["leads_left"])
  with pytest.raises(ValueError, match="not a finished lead elimination"):
    lead_elimination.chosen_leads(tmp_path)


def test_choose_removal_breaks_ties_by_lead_order():
  leads = ("I", "II", "V1")
  assert lead_elimination.choose_removal(leads, [0.5, 0.7, 0.7], "max") == "II"
  assert lead_elimination.choose_removal(leads, [0.5, 0.7, 0.5], "min") == "I"
  assert lead_elimination.choose_removal(
      leads, [np.nan, 0.2, 0.3], "min") == "II"
  with pytest.raises(ValueError, match="config.study.metric"):
    lead_elimination.choose_removal(leads, [np.nan] * 3, "max")


def test_bad_study_fields_are_named(tmp_path):
  config = study_config.get_config("smoke")
  config.study.min_leads = 12
  with pytest.raises(ValueError, match="config.study.min_leads=12"):
    lead_elimination.eliminate(config, tmp_path)
  config = study_config.get_config("age,smoke")
  assert config.study.metric_mode == "min" and config.base.model.num_outputs == 1
  config.study.metric_mode = "lowest"
  with pytest.raises(ValueError, match="config.study.metric_mode"):
    lead_elimination.eliminate(config, tmp_path)
