"""--mode=train: assemble the experiment, save what later stages need, train."""

import jax

from cardiojax import experiment as experiment_lib
from cardiojax.train import loop
from cardiojax.train import rundir


def train(config, workdir, *, interrupt_after: int | None = None) -> dict:
  """Trains (or resumes) the run of `config` in `workdir`.

  Writes the input contract and the explain baseline into the run directory
  before the first step, so that predict and explain never need the corpus.
  Returns what `loop.train_and_evaluate` returns.
  """
  workdir = rundir.prepare(workdir)
  experiment = experiment_lib.build_experiment(config)
  if jax.process_index() == 0:
    experiment_lib.save_run_files(experiment, workdir)
  return loop.train_and_evaluate(experiment, workdir,
                                 interrupt_after=interrupt_after)
