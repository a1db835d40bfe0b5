"""Task heads: loss, output activation and metrics, apart from architectures.

`make_task(config.task, metric_names=config.eval.metrics)` builds the task
named by `config.task.name` with the remaining fields of `config.task` as
keyword arguments; the named corpus metrics (e.g. 'aami', see
`cardiojax.evaluate.named_metrics`) go to the classification heads.
"""

import dataclasses
import importlib
from typing import Sequence

# name -> "module:Class" or "module:Class.factory", imported on use so that no
# task pulls in another's code. The three regression names are the one
# `Regression` head with the defaults of their kind of target.
TASKS = {
    "binary": "cardiojax.tasks.classification:BinaryClassification",
    "multi_class": "cardiojax.tasks.classification:MultiClassClassification",
    "multi_label": "cardiojax.tasks.classification:MultiLabelClassification",
    "regression": "cardiojax.tasks.regression:Regression",
    "dense_regression": "cardiojax.tasks.regression:Regression.dense",
    "scalar_regression": "cardiojax.tasks.regression:Regression.scalar",
    "lead_reconstruction":
        "cardiojax.tasks.regression:Regression.lead_reconstruction",
}


def make_task(task_config, metric_names: Sequence[str] = ()):
  """Builds a task from a config with a `name` field and the task's fields.

  Args:
    task_config: `config.task`: `name` (a key of `TASKS`) and the fields.
    metric_names: `config.eval.metrics`, named corpus metrics for the
      classification heads; a task without `metric_names` takes none.
  """
  fields = dict(task_config)
  name = fields.pop("name")
  if name not in TASKS:
    raise ValueError(f"config.task.name: unknown task {name!r}; expected one "
                     f"of {sorted(TASKS)}")
  module_name, attribute = TASKS[name].split(":")
  class_name, _, factory = attribute.partition(".")
  cls = getattr(importlib.import_module(module_name), class_name)
  metric_names = tuple(metric_names)
  if metric_names:
    if "metric_names" not in {f.name for f in dataclasses.fields(cls)}:
      raise ValueError(f"config.eval.metrics: {metric_names} apply to "
                       f"classification tasks, not config.task.name={name!r}")
    fields["metric_names"] = metric_names
  return getattr(cls, factory)(**fields) if factory else cls(**fields)
