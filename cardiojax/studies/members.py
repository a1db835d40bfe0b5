"""Member runs of a study: ordinary run directories, trained once.

A study names each member run `<study workdir>/<member name>`. `ensure_trained`
trains a member that has no run yet, resumes one that was interrupted, and
leaves a finished one (its `evaluation.json` written) alone, so a study that
is killed and rerun retrains nothing it already has. A member whose config
(data, task, model, training, optimiser, seed) differs from the one asked for
is an error, never silently reused.

`outputs(config, workdir, split)` gives a member's predictions on a split of
its corpus, with the targets and the bootstrap clusters of those examples.
"""

import dataclasses
import pathlib

import numpy as np
from absl import logging

from cardiojax import experiment as experiment_lib
from cardiojax.train import loop
from cardiojax.train import rundir

FINISHED_FILE = "evaluation.json"
# The config sections a member run must share with the study's config of it.
MEMBER_DEFINING = ("data", "task", "model", "train", "optimizer", "seed",
                   "transfer")


def is_finished(workdir) -> bool:
  """Whether the run in `workdir` trained to the end."""
  return (pathlib.Path(workdir) / FINISHED_FILE).is_file()


def ensure_trained(config, workdir) -> pathlib.Path:
  """Trains, resumes or reuses the member run of `config` in `workdir`.

  Raises:
    ValueError: `workdir` holds a run of another config (the first
      difference is named).
  """
  workdir = pathlib.Path(workdir)
  differences = rundir.config_differences(config, workdir,
                                          sections=MEMBER_DEFINING)
  if differences:
    raise ValueError(f"{workdir}: this member run was trained with another "
                     f"config ({differences[0]}); remove it or use another "
                     f"study --workdir")
  if is_finished(workdir):
    logging.info("member %s: finished, reused", workdir.name)
    return workdir
  logging.info("member %s: training", workdir.name)
  experiment_lib.train_run(config, workdir)
  return workdir


@dataclasses.dataclass
class SplitOutputs:
  """A member's outputs on one split, in the split's example order.

  Attributes:
    predictions: (N, ...) the task's predictions (probabilities or values).
    targets: (N, ...) the targets.
    clusters: (N,) the bootstrap unit of each example (record, patient,
      simulation), see `cardiojax.input.splits.Splits.clusters`.
  """
  predictions: np.ndarray
  targets: np.ndarray
  clusters: np.ndarray


def load_trained(config, workdir) -> tuple[experiment_lib.Experiment, object]:
  """The experiment of `config` (with its corpus) and the member's best state."""
  experiment = experiment_lib.build_experiment(config)
  state, _ = experiment_lib.restore_best(experiment, workdir)
  return experiment, state


def outputs(experiment, state, split: str) -> SplitOutputs:
  """The predictions of `state` on `split` of the experiment's corpus."""
  _, predictions, targets = loop.evaluate(experiment, state, split)
  return SplitOutputs(predictions, targets, experiment.splits.clusters(split))
