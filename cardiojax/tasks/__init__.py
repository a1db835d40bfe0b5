"""Task heads: loss, output activation and metrics, apart from architectures.

`make_task(config.task)` builds the task named by `config.task.name` with the
remaining fields of `config.task` as keyword arguments.
"""

import importlib

# name -> "module:Class", imported on use so that no task pulls in another's code.
TASKS = {
    "dense_regression": "cardiojax.tasks.regression:DenseRegression",
    "binary": "cardiojax.tasks.classification:BinaryClassification",
    "multi_class": "cardiojax.tasks.classification:MultiClassClassification",
    "multi_label": "cardiojax.tasks.classification:MultiLabelClassification",
    "scalar_regression": "cardiojax.tasks.scalar_regression:ScalarRegression",
    "lead_reconstruction":
        "cardiojax.tasks.lead_reconstruction:LeadReconstruction",
}


def make_task(task_config):
  """Builds a task from a config with a `name` field and the task's fields."""
  fields = dict(task_config)
  name = fields.pop("name")
  if name not in TASKS:
    raise ValueError(f"config.task.name: unknown task {name!r}; expected one "
                     f"of {sorted(TASKS)}")
  module_name, class_name = TASKS[name].split(":")
  return getattr(importlib.import_module(module_name), class_name)(**fields)
