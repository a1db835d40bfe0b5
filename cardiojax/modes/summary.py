"""The end of a command: a few lines on stderr, the full summary in a file.

`finish` writes the summary of a mode to `<workdir>/summary_<mode>.json`
(atomically), prints `lines` on stderr and, when asked (`--json`), the JSON
on stdout. For train and eval the first line is the headline: the monitored
validation metric (`config.train.monitor`) on the test split against the
naive baseline, from the run's results.json, or the first metric both
columns report when the monitored one is the loss (the naive baseline has
none).
"""

import collections
import json
import pathlib
import sys

import jax

from cardiojax.train import rundir

_SHOWN_RECORDS = 3  # predict names this many records, then counts the rest
_SHOWN_LEADS = 3  # explain names the most important leads


def _value(entry: dict) -> str:
  """'0.8123 (95% CI [0.80, 0.83])' of a results.json entry."""
  text = f"{entry['value']:.4g}"
  if entry.get("low") is not None and entry.get("high") is not None:
    text += f" (95% CI [{entry['low']:.4g}, {entry['high']:.4g}])"
  return text


def headline(evaluation: dict, results: dict, train_config) -> str:
  """The headline metric against the naive baseline, one line.

  Args:
    evaluation: the run's evaluation.json ('best_step', 'splits').
    results: the 'results' of its results.json ('model', 'naive baseline':
      metric -> {'value', 'low', 'high'}), scored on test (validation when the
      corpus has no test split).
    train_config: `config.train` ('monitor', 'monitor_mode').
  """
  split = "test" if "test" in evaluation["splits"] else "validation"
  model, naive = results["model"], results["naive baseline"]
  both = [name for name, entry in model.items()
          if entry["value"] is not None
          and naive.get(name, {}).get("value") is not None]
  facts = (f"{evaluation['splits'][split]['num_examples']} {split} examples, "
           f"best checkpoint: step {evaluation['best_step']}")
  if not both:
    return (f"{split}: no metric has a value for both the model and the naive "
            f"baseline ({facts}); see results.md")
  name = train_config.monitor if train_config.monitor in both else both[0]
  better = ("" if name != train_config.monitor else
            f", {'higher' if train_config.monitor_mode == 'max' else 'lower'}"
            f" is better")
  return (f"{split} {name}: model {_value(model[name])} vs naive baseline "
          f"{_value(naive[name])} ({facts}{better})")


def summary_table(results_md) -> list[str]:
  """The '## Summary' table of results.md (metric | model | naive baseline)."""
  text = pathlib.Path(results_md).read_text()
  if "## Summary\n" not in text:
    return []
  section = text.split("## Summary\n", 1)[1].split("\n## ", 1)[0]
  return [line for line in section.splitlines() if line.startswith("|")]


def _run_lines(summary: dict, workdir: pathlib.Path, config) -> list[str]:
  """Train and eval: the headline, the run directory, the full results."""
  results_md = pathlib.Path(summary["results_md"]).absolute()
  results = json.loads(pathlib.Path(summary["results_json"]).read_text())
  evaluation = summary.get("evaluation", summary)
  return [headline(evaluation, results["results"], config.train),
          f"run directory: {workdir}",
          f"full results: {results_md} (also results.json, evaluation.json "
          f"and {len(summary['plots'])} figures there)"]


def _predict_lines(summary: dict) -> list[str]:
  records = summary["records"]
  findings = sum(len(record["findings"]) for record in records)
  scored = sum(record.get("reference") is not None for record in records)
  lines = [f"predicted {len(records)} record{'s' * (len(records) != 1)} "
           f"({findings} signal-check findings"
           f"{f', {scored} scored against the reference' if scored else ''}"
           f"): a .json and a .csv per record in {summary['predictions_dir']}"]
  lines += [f"  {record['input']} -> {pathlib.Path(record['json']).name}"
            for record in records[:_SHOWN_RECORDS]]
  if len(records) > _SHOWN_RECORDS:
    lines.append(f"  ... and {len(records) - _SHOWN_RECORDS} more")
  return lines


def _explain_lines(summary: dict, workdir: pathlib.Path) -> list[str]:
  reasons = collections.Counter(record["reason"]
                                for record in summary["records"])
  lines = [f"explained {len(summary['records'])} inputs ("
           + ", ".join(f"{count} {reason}" for reason, count in
                       reasons.items())
           + f") in {workdir / 'explain'} (attribution arrays, plots, "
           f"lead_importance.md)"]
  ranked = sorted(summary["lead_importance"], key=lambda row: row["drop_rank"])
  if ranked:
    metric = summary["metric"]
    lines.append(f"most important leads ({metric} drop when a lead is "
                 f"flattened): " + ", ".join(
                     f"{row['lead']} {row['drop']:.3g}"
                     for row in ranked[:_SHOWN_LEADS]))
  return lines


def _study_lines(summary: dict, workdir: pathlib.Path) -> list[str]:
  members = sum((path / "config.json").is_file()
                for path in workdir.iterdir() if path.is_dir())
  results_md = summary.get("results_md", workdir / "results.md")
  return [f"study directory: {workdir} ({members} member runs)",
          f"full results: {results_md}"]


def lines(mode: str, summary: dict, workdir, config) -> list[str]:
  """The short end-of-command summary of `mode` (module docstring)."""
  workdir = pathlib.Path(workdir).absolute()
  if mode in ("train", "eval"):
    return _run_lines(summary, workdir, config)
  if mode == "predict":
    return _predict_lines(summary)
  if mode == "explain":
    return _explain_lines(summary, workdir)
  return _study_lines(summary, workdir)


def finish(mode: str, summary: dict, workdir, config, *,
           print_json: bool = False) -> pathlib.Path:
  """Writes `<workdir>/summary_<mode>.json`, prints `lines` on stderr and,
  with `print_json`, the JSON on stdout; returns the file's path."""
  path = pathlib.Path(workdir).absolute() / f"summary_{mode}.json"
  if jax.process_index() == 0:
    rundir.write_json_atomic(path, summary)
  for line in lines(mode, summary, workdir, config):
    print(line, file=sys.stderr)
  print(f"summary: {path}{'' if print_json else ' (--json prints it)'}",
        file=sys.stderr)
  if print_json:
    print(json.dumps(rundir.to_json(summary), indent=2))
  return path
