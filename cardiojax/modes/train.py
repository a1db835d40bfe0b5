"""--mode=train: assemble the experiment, save what later stages need, train."""

from cardiojax import experiment as experiment_lib


def train(config, workdir, *, interrupt_after: int | None = None) -> dict:
  """Trains (or resumes) the run of `config` in `workdir`
  (`cardiojax.experiment.train_run`)."""
  return experiment_lib.train_run(config, workdir,
                                  interrupt_after=interrupt_after)
