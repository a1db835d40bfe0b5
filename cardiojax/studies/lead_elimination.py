"""Recursive lead elimination: which leads can a model do without?

Seed 003 (RashtyShahar/ECG-Final-Project, after Han and Shi 2020's ML-ResNet):
start from the N = 12 leads of `config.base.data.input_leads`; train a member
on the N current leads; on the validation split score each of the N subsets
of N - 1 leads by occluding one lead in the trained model's inputs; remove the
lead whose removal leaves the best subset (highest macro AUPRC for the seed's
classification, lowest MAE for its age regression); repeat until
`config.study.min_leads` remain. An occluded lead is set to 0 in model-input
units, i.e. to its training mean after standard normalisation (as
`explain.lead_importance` occludes), so one trained model scores every
subset. Ties go to the lead that comes first in the current
order, so the order is deterministic for a seed.

Study fields:
  metric: the `task.metrics` value that picks the lead to remove and that the
    curve shows (e.g. 'macro_auprc', 'mae').
  metric_mode: 'max' or 'min' (better is higher or lower).
  test_metrics: further test metrics in the table (e.g. 'macro_auroc').
  min_leads: leads left at the end (>= 1).
  bootstrap_samples, bootstrap_seed: the clustered bootstrap of test metrics.

Writes into the study folder: one member run per step (`leads_12`, ...),
`elimination.json` (the finished steps; a rerun recomputes none of them),
results.json / results.md (a column per step: the member's test metrics with
95% intervals and the validation score of every N - 1 subset) and
`metric_vs_leads.png`.
"""

import dataclasses
import json
import pathlib

import numpy as np
from absl import logging

from cardiojax.evaluate import report
from cardiojax.studies import members
from cardiojax.studies import scoring
from cardiojax.train import loop

CACHE_FILE = "elimination.json"
_MODES = ("max", "min")


def choose_removal(leads, subset_scores, mode: str) -> str:
  """The lead whose removal leaves the best subset.

  Args:
    leads: the current leads, in order.
    subset_scores: (N,) validation score without each lead.
    mode: 'max' (higher is better) or 'min'.

  Returns:
    The lead; ties go to the first in `leads`; NaN scores never win.

  Raises:
    ValueError: every score is NaN (the metric is undefined on validation).
  """
  values = np.asarray(subset_scores, np.float64)
  if np.all(np.isnan(values)):
    raise ValueError("config.study.metric: undefined (NaN) on the validation "
                     "split for every subset; choose a metric defined there "
                     "or a larger validation split")
  signed = values if mode == "max" else -values
  return leads[int(np.nanargmax(signed))]


class OccludedSource:
  """An evaluation source with one lead of every input at 0.

  Holds the split's inputs in memory (read once for all the leads); keeps
  the record-level `targets` and `window_record` of a source that cuts
  records into windows, so `loop.evaluate` scores it as the original.
  """

  def __init__(self, source, examples: dict, lead: int):
    self.examples = examples
    self.lead = lead
    self.targets = getattr(source, "targets", None)
    self.window_record = getattr(source, "window_record", None)

  def __len__(self) -> int:
    return len(self.examples["inputs"])

  def take(self, indices) -> dict:
    inputs = self.examples["inputs"][indices].copy()
    inputs[..., self.lead] = 0.0
    return {"inputs": inputs, "targets": self.examples["targets"][indices]}

  def __getitem__(self, index: int) -> dict:
    return {key: value[0] for key, value in self.take([index]).items()}


def subset_scores(experiment, state, task, split: str,
                  metric: str) -> list[float]:
  """`metric` on `split` with each lead occluded in turn (C,).

  The occluded lead is 0 in model-input units, as
  `explain.lead_importance` occludes; the split is scored as training
  scores it (`loop.evaluate`, whose compiled step is reused) by `task`
  (with its fitted thresholds).
  """
  source = experiment.splits.sources[split]
  examples = scoring.split_examples(source)
  values = []
  for lead in range(experiment.contract.input_shape[-1]):
    splits = dataclasses.replace(
        experiment.splits,
        sources={split: OccludedSource(source, examples, lead)})
    view = dataclasses.replace(experiment, splits=splits, task=task)
    values.append(float(loop.evaluate(view, state, split)[0][metric]))
  return values


def _check(study, leads):
  if study.metric_mode not in _MODES:
    raise ValueError(f"config.study.metric_mode: expected one of {_MODES}, "
                     f"got {study.metric_mode!r}")
  if not 1 <= study.min_leads < len(leads):
    raise ValueError(f"config.study.min_leads={study.min_leads}: expected 1 "
                     f"to {len(leads) - 1} (config.base.data.input_leads has "
                     f"{len(leads)} leads)")


def member_name(num_leads: int) -> str:
  """The member run folder of a step: 'leads_12', ..."""
  return f"leads_{num_leads:02d}"


def _step(config, workdir: pathlib.Path, leads: tuple[str, ...]) -> dict:
  """Trains (or reuses) the member of `leads` and scores it."""
  study = config.study
  member_config = scoring.derive(config.base, {"data.input_leads": leads})
  run = members.ensure_trained(member_config,
                               workdir / member_name(len(leads)))
  experiment, state = members.load_trained(member_config, run)
  validation = members.outputs(experiment, state, "validation")
  task = scoring.fit_thresholds(experiment.task, validation)
  test_metrics = tuple(dict.fromkeys((study.metric, *study.test_metrics)))
  test = scoring.scores(task, members.outputs(experiment, state, "test"),
                        test_metrics, n_boot=study.bootstrap_samples,
                        seed=study.bootstrap_seed,
                        field="config.study.metric, test_metrics")
  unit = ("" if scoring.is_classifier(task)
          else experiment.contract.target_units)
  step = {"leads": list(leads), "member": run.name, "test": test,
          "unit": unit,
          "validation": task.metrics(validation.predictions,
                                     validation.targets)[study.metric],
          "subset_scores": None, "removed": None}
  if len(leads) > study.min_leads:
    scores = subset_scores(experiment, state, task, "validation",
                           study.metric)
    step["subset_scores"] = scores
    step["removed"] = choose_removal(leads, scores, study.metric_mode)
  return step


def eliminate(config, workdir) -> list[dict]:
  """The elimination steps, each computed once (cached in elimination.json).

  Returns:
    One dict per step: 'leads', 'member' (its run folder), 'test' (metric ->
    [point, low, high]), 'validation' (the metric with every lead),
    'subset_scores' (the validation metric without each lead, in the
    order of 'leads'; None at the last step), 'removed' (None at the last step) and 'unit' (of a regression
    metric, e.g. 'years'; '' for classifiers).
  """
  workdir = pathlib.Path(workdir)
  study = config.study
  leads = tuple(config.base.data.input_leads)
  _check(study, leads)
  cache = scoring.Cache(workdir / CACHE_FILE, config)
  steps = []
  while True:
    name = member_name(len(leads))
    step = cache.get(name)
    if step is None:
      logging.info("lead elimination: %d leads", len(leads))
      step = cache.put(name, _step(config, workdir, leads))
    steps.append(step)
    if step["removed"] is None:
      return steps
    leads = tuple(lead for lead in leads if lead != step["removed"])


def chosen_leads(study_dir) -> tuple[str, ...]:
  """The leads left by the finished lead elimination study in `study_dir`.

  Raises:
    ValueError: no finished study there (the folder named).
  """
  path = pathlib.Path(study_dir) / CACHE_FILE
  finished = []
  if path.is_file():
    entries = json.loads(path.read_text())["entries"]
    finished = [step for step in entries.values() if step["removed"] is None]
  if not finished:
    raise ValueError(f"config.study.lead_elimination_dir={study_dir}: not a "
                     f"finished lead elimination study (no last step in "
                     f"{CACHE_FILE}); run it to the end first or set "
                     f"config.study.subset")
  return tuple(finished[0]["leads"])


def _number(value) -> float:
  """A cached number (None: NaN, as strict JSON stores it)."""
  return float("nan") if value is None else float(value)


def run(config, workdir) -> dict:
  """Runs the study (module docstring); returns the order and the curve."""
  workdir = pathlib.Path(workdir)
  study = config.study
  steps = eliminate(config, workdir)
  results = {}
  for step in steps:
    column = f"{len(step['leads'])} leads"
    results[column] = {f"test {name}": scoring.as_interval(value)
                       for name, value in step["test"].items()}
    results[column][f"validation {study.metric}"] = _number(step["validation"])
    for lead, value in zip(step["leads"], step["subset_scores"] or ()):
      results[column][f"validation {study.metric} without lead/{lead}"] = (
          _number(value))
  order = [step["removed"] for step in steps if step["removed"]]
  protocol = {
      "study": "recursive lead elimination (seed 003)",
      "data": config.base.data.name,
      "members": "one run per step, trained on the step's leads "
                 "(config.base with data.input_leads changed)",
      "subset scoring": (f"validation {study.metric} with one lead occluded "
                         "(set to 0 in model-input units: its training mean "
                         "after standard normalisation); the removed lead "
                         f"leaves the {'highest' if study.metric_mode == 'max' else 'lowest'} "
                         "score; ties go to the earlier lead"),
      "elimination order": ", ".join(order),
      "leads left": ", ".join(steps[-1]["leads"]),
      "confidence intervals": scoring.interval_protocol(study),
  }
  for step in steps:
    protocol[f"{len(step['leads'])} leads"] = (
        ", ".join(step["leads"]) +
        (f"; removed {step['removed']}" if step["removed"] else ""))
  report.write_results(workdir, results, protocol)
  curve = [scoring.as_interval(step["test"][study.metric]) for step in steps]
  plot = scoring.plot_metric_vs_leads(
      workdir / "metric_vs_leads.png", [len(s["leads"]) for s in steps], curve,
      [step["removed"] for step in steps],
      ylabel=f"test {scoring.metric_label(study.metric, steps[0]['unit'])}",
      title=f"recursive lead elimination, {config.base.data.name}")
  return {"order": order, "leads_left": steps[-1]["leads"],
          "curve": {len(step["leads"]): value
                    for step, value in zip(steps, curve)},
          "results_md": str(workdir / "results.md"), "plot": str(plot)}
