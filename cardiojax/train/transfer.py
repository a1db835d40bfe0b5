"""Transfer learning: start a model from another run's best checkpoint.

`config.transfer` fields:
  init_from: workdir of a finished run, or None (no transfer);
  skip: top-level module names (prefixes) left at their fresh initialisation
    (e.g. ('head',) when the number of outputs changes);
  freeze: top-level module name prefixes whose parameters are not trained
    (e.g. ('stem', 'block') freezes every convolution of `kachuee_resnet`);
    their batch statistics, if any, still update in training mode.

The training loop calls two functions around `create_train_state`:

  tx = transfer.freeze(tx, config.transfer)
  state = state_lib.create_train_state(model, tx, example, config.seed)
  state = transfer.initialize(state, config.transfer)

A resumed run restores its own checkpoint over the initialised state, so the
source run is read only to start.
"""

import os

import jax
import numpy as np
import optax
import orbax.checkpoint as ocp

_TRAIN, _FROZEN = "train", "frozen"


def _matches(path, prefixes) -> bool:
  top = path[0].key if hasattr(path[0], "key") else str(path[0])
  return any(top.startswith(prefix) for prefix in prefixes)


def _path_name(path) -> str:
  return "/".join(str(getattr(k, "key", k)) for k in path)


def freeze(tx: optax.GradientTransformation,
           transfer_config) -> optax.GradientTransformation:
  """`tx` for the trained parameters, zero updates for the frozen ones."""
  prefixes = tuple(transfer_config.freeze)
  if not prefixes:
    return tx

  def labels(params):
    return jax.tree_util.tree_map_with_path(
        lambda path, _: _FROZEN if _matches(path, prefixes) else _TRAIN, params)

  return optax.multi_transform({_TRAIN: tx, _FROZEN: optax.set_to_zero()},
                               labels)


def load_variables(workdir: str) -> dict:
  """{'params', 'batch_stats'} of the best checkpoint of the run in `workdir`."""
  directory = os.path.join(os.path.abspath(workdir), "checkpoints", "best")
  manager = ocp.CheckpointManager(directory)
  try:
    step = manager.latest_step()
    if step is None:
      raise FileNotFoundError(f"config.transfer.init_from: no checkpoint in "
                              f"{directory}; train that run first")
    restored = manager.restore(step, args=ocp.args.Composite(
        state=ocp.args.StandardRestore()))
  finally:
    manager.close()
  return {key: restored.state[key] for key in ("params", "batch_stats")}


def _transfer_tree(fresh, source, skip, what: str):
  """`fresh` with every leaf not under `skip` replaced by `source`'s."""
  source_leaves = {_path_name(p): v for p, v in
                   jax.tree_util.tree_flatten_with_path(source)[0]}

  def take(path, leaf):
    if _matches(path, skip):
      return leaf
    name = _path_name(path)
    if name not in source_leaves:
      raise ValueError(f"config.transfer.init_from: the source run has no "
                       f"{what} {name!r}; add its module to "
                       f"config.transfer.skip")
    value = np.asarray(source_leaves[name])
    if value.shape != leaf.shape:
      raise ValueError(f"config.transfer.init_from: {what} {name!r} has shape "
                       f"{value.shape} in the source run and {leaf.shape} "
                       f"here; add its module to config.transfer.skip")
    return jax.device_put(value.astype(leaf.dtype), leaf.sharding)

  return jax.tree_util.tree_map_with_path(take, fresh)


def initialize(state, transfer_config):
  """`state` with the source run's parameters (and batch statistics).

  Modules under `transfer_config.skip` keep their fresh values; the optimizer
  state is re-initialised for the new parameters. No-op without `init_from`.
  """
  if transfer_config.init_from is None:
    return state
  source = load_variables(transfer_config.init_from)
  skip = tuple(transfer_config.skip)
  params = _transfer_tree(state.params, source["params"], skip, "parameter")
  batch_stats = _transfer_tree(state.batch_stats, source["batch_stats"] or {},
                               skip, "batch statistic")
  opt_state = jax.tree.map(lambda new, old: jax.device_put(new, old.sharding),
                           state.tx.init(params), state.opt_state)
  return state.replace(params=params, batch_stats=batch_stats,
                       opt_state=opt_state)
