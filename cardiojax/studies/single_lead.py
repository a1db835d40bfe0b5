"""Each lead alone against all leads: one architecture, one member per input.

Seed 002 (Zhang et al. 2021, onlyzdd/ecg-diagnosis, CPSC 2018) trains its
ResNet-34 on every single lead and on all 12 and finds all leads best, with I,
aVR and V5 the best single leads. Here every member is `config.base` with
`data.input_leads` set to one lead of `config.study.leads` (member
`lead_<name>`), plus the base itself on all its leads (`all_leads`); the
architecture and training are the same (the model reads any number of input
channels). Each member is scored on the test split at decision thresholds
fitted on its own validation predictions (`task.with_thresholds`), with
clustered 95% bootstrap intervals.

Study fields:
  leads: the single leads to train (a subset of config.base.data.input_leads).
  metrics: test metrics of the table (e.g. 'macro_auroc', 'macro_f1').
  bootstrap_samples, bootstrap_seed: the clustered bootstrap.

Writes into the study folder: the member runs, `scores.json` (each member's
scores, computed once), results.json / results.md (a column per member) and
`single_lead.png`.
"""

import pathlib

from cardiojax.studies import members
from cardiojax.studies import scoring

CACHE_FILE = "scores.json"
ALL_LEADS = "all_leads"


def member_configs(config) -> dict:
  """Member name -> config: `lead_<name>` per study lead, then `all_leads`.

  Raises:
    ValueError: a study lead that the base model is not given (named).
  """
  base_leads = tuple(config.base.data.input_leads)
  unknown = [lead for lead in config.study.leads if lead not in base_leads]
  if unknown or not config.study.leads:
    raise ValueError(f"config.study.leads={tuple(config.study.leads)}: "
                     f"expected one or more of config.base.data.input_leads "
                     f"{base_leads}")
  configs = {f"lead_{lead}": scoring.derive(
      config.base, {"data.input_leads": (lead,)}) for lead in config.study.leads}
  configs[ALL_LEADS] = config.base.copy_and_resolve_references()
  return configs


def _score(config, member_config, run) -> dict:
  study = config.study
  experiment, state = members.load_trained(member_config, run)
  task = scoring.fit_thresholds(
      experiment.task, members.outputs(experiment, state, "validation"))
  return scoring.scores(task, members.outputs(experiment, state, "test"),
                        tuple(study.metrics), n_boot=study.bootstrap_samples,
                        seed=study.bootstrap_seed)


def run(config, workdir) -> dict:
  """Trains and scores every member (module docstring); returns the table."""
  workdir = pathlib.Path(workdir)
  study = config.study
  configs = member_configs(config)
  cache = scoring.Cache(workdir / CACHE_FILE, config)
  results = {}
  for name, member_config in configs.items():
    scored = cache.get(name)
    if scored is None:
      run_dir = members.ensure_trained(member_config, workdir / name)
      scored = cache.put(name, _score(config, member_config, run_dir))
    column = name.removeprefix("lead_") if name != ALL_LEADS else (
        f"all {len(config.base.data.input_leads)} leads")
    results[column] = {metric: scoring.as_interval(value)
                       for metric, value in scored.items()}
  protocol = {
      "study": "single-lead models against all leads (seed 002)",
      "data": config.base.data.name,
      "model": config.base.model.name,
      "members": "config.base with data.input_leads set to each lead; the "
                 "base on all its leads",
      "thresholds": "fitted on each member's validation predictions, "
                    "applied unchanged to test",
      "confidence intervals": scoring.interval_protocol(study),
  }
  written = scoring.write_table(
      workdir, results, protocol, plot_name="single_lead.png",
      metrics=study.metrics,
      title=f"single leads against all leads, {config.base.data.name}")
  return {"results": results, **written}
