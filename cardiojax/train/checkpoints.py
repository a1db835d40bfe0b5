"""Checkpoints of a run: the latest (to resume) and the best (to evaluate).

Both live under `workdir/checkpoints/` as orbax CheckpointManagers, which write
each step to a temporary folder and rename it when complete, so a crash never
leaves a checkpoint that reads as whole. The latest checkpoint also holds the
position of the training data iterator and the loop's bookkeeping, so a rerun
of the same command resumes exactly. A checkpoint that fails to restore is
reported and the one before it is used.
"""

import os
import pathlib

import grain
import jax
import orbax.checkpoint as ocp
from absl import logging


class CorruptCheckpointError(RuntimeError):
  """No checkpoint of a run could be restored."""


def _abstract(state, sharding):
  return jax.tree.map(
      lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=sharding), state)


class Checkpoints:
  """The latest and the best checkpoints of the run in `workdir`."""

  def __init__(self, workdir: str, *, keep_latest: int = 2):
    root = os.path.join(os.path.abspath(workdir), "checkpoints")
    self._latest = ocp.CheckpointManager(
        os.path.join(root, "latest"),
        options=ocp.CheckpointManagerOptions(max_to_keep=keep_latest, create=True))
    self._best = ocp.CheckpointManager(
        os.path.join(root, "best"),
        options=ocp.CheckpointManagerOptions(max_to_keep=1, create=True))

  def save_latest(self, step: int, state, data_iterator, meta: dict) -> None:
    """Saves the state, the data iterator's position and `meta` (JSON)."""
    self._latest.save(step, args=ocp.args.Composite(
        state=ocp.args.StandardSave(_savable(state)),
        data=grain.checkpoint.CheckpointSave(data_iterator),
        meta=ocp.args.JsonSave(meta)), force=True)

  def save_best(self, step: int, state, meta: dict) -> None:
    self._best.save(step, args=ocp.args.Composite(
        state=ocp.args.StandardSave(_savable(state)),
        meta=ocp.args.JsonSave(meta)), force=True)

  def latest_directory(self, step: int) -> pathlib.Path:
    """The folder of the latest checkpoint of `step` (orbax's step folder)."""
    return pathlib.Path(self._latest.directory) / str(step)

  def restore_latest(self, state, data_iterator, sharding):
    """Restores the newest readable checkpoint into (state, iterator).

    Returns:
      (state, meta), or None when the run has no checkpoint yet.
    """
    return self._restore(self._latest, state, sharding, data_iterator)

  def restore_best(self, state, sharding):
    """Returns (state, meta) of the best checkpoint, or None if there is none."""
    return self._restore(self._best, state, sharding, None)

  def _restore(self, manager, state, sharding, data_iterator):
    steps = sorted(manager.all_steps(), reverse=True)
    if not steps:
      return None
    errors = []
    for step in steps:
      args = {"state": ocp.args.StandardRestore(_abstract(_savable(state), sharding)),
              "meta": ocp.args.JsonRestore()}
      if data_iterator is not None:
        args["data"] = grain.checkpoint.CheckpointRestore(data_iterator)
      try:
        restored = manager.restore(step, args=ocp.args.Composite(**args))
      except Exception as error:  # orbax raises many types for damaged files
        logging.warning("checkpoint %s/%d cannot be restored (%s); trying the "
                        "one before it", manager.directory, step, error)
        errors.append(f"step {step}: {type(error).__name__}: {error}")
        continue
      return state.replace(**restored.state), restored.meta
    raise CorruptCheckpointError(
        f"no checkpoint in {manager.directory} could be restored:\n" +
        "\n".join(errors))

  def close(self) -> None:
    """Waits for pending asynchronous saves and releases the managers."""
    for manager in (self._latest, self._best):
      manager.wait_until_finished()
      manager.close()


def _savable(state) -> dict:
  """The saved part of a TrainState (its static fields are rebuilt)."""
  return {"step": state.step, "params": state.params,
          "batch_stats": state.batch_stats, "opt_state": state.opt_state,
          "rng": state.rng}


def restore_best(workdir, state, sharding) -> tuple:
  """(state, meta) of the best checkpoint of the run in `workdir`.

  Raises:
    FileNotFoundError: the run has no best checkpoint yet.
  """
  checkpoints = Checkpoints(workdir)
  try:
    restored = checkpoints.restore_best(state, sharding)
  finally:
    checkpoints.close()
  if restored is None:
    raise FileNotFoundError(f"{os.path.join(workdir, 'checkpoints', 'best')}: "
                            f"no checkpoint; train the run first")
  return restored
