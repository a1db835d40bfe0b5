"""Pure training and evaluation steps.

`train_step(state, batch, model_apply, task) -> (state, metrics)` is jitted by
`compile_steps` over a device mesh: the state replicated, the batch sharded on
the 'data' axis, the state donated. A step whose loss or gradients are not
finite leaves the state unchanged and reports `finite = False`.
"""

import functools

import jax
import jax.numpy as jnp
import optax
from jax.sharding import NamedSharding, PartitionSpec

from cardiojax.train import program_cache


def loss_and_grads(state, batch, task):
  """Loss, gradients and new batch statistics of one batch (training mode)."""
  rng = jax.random.fold_in(state.rng, state.step)

  def loss_fn(params):
    variables = {**state.variables, "params": params}
    (outputs, _), updates = state.apply_fn(
        variables, batch["inputs"], train=True, rngs={"dropout": rng},
        mutable=["batch_stats"])
    return task.loss(outputs, batch["targets"], batch["mask"]), updates

  (loss, updates), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
  return loss, grads, updates.get("batch_stats", state.batch_stats)


def train_step(state, batch, task):
  """One optimizer step; returns the new state and scalar metrics."""
  loss, grads, batch_stats = loss_and_grads(state, batch, task)
  grad_norm = optax.tree.norm(grads)
  finite = jnp.isfinite(loss) & jnp.isfinite(grad_norm)

  def update(state):
    updates, opt_state = state.tx.update(grads, state.opt_state, state.params,
                                         value=loss)
    return state.replace(
        step=state.step + 1, params=optax.apply_updates(state.params, updates),
        batch_stats=batch_stats, opt_state=opt_state)

  # A cond, not a select over every leaf: the skipped branch costs nothing.
  new_state = jax.lax.cond(finite, update, lambda state: state, state)
  return new_state, {"loss": loss, "grad_norm": grad_norm, "finite": finite}


def eval_step(state, batch, task):
  """Predictions and the masked loss sum of one batch (inference mode)."""
  outputs, _ = state.apply_fn(state.variables, batch["inputs"], train=False)
  loss = task.loss(outputs, batch["targets"], batch["mask"])
  return {"predictions": task.predict(outputs),
          "loss_sum": loss * jnp.sum(batch["mask"])}


def compile_steps(task, mesh, identity: str | None = None):
  """Jits train and eval steps for `mesh`: state replicated, batch sharded.

  With `identity` (what besides the code and the argument shapes defines the
  steps: `cardiojax.experiment` passes the config and the input contract), a
  process where `program_cache.enable` was called reuses the steps traced by
  an earlier one (`cardiojax.train.program_cache`).
  """
  replicated = NamedSharding(mesh, PartitionSpec())
  sharded = NamedSharding(mesh, PartitionSpec("data"))
  train = functools.partial(train_step, task=task)
  train_kwargs = {"in_shardings": (replicated, sharded),
                  "out_shardings": (replicated, replicated), "donate_argnums": 0}
  evaluate = functools.partial(eval_step, task=task)
  eval_kwargs = {"in_shardings": (replicated, sharded),
                 "out_shardings": {"predictions": sharded, "loss_sum": replicated}}
  if identity is None:
    return jax.jit(train, **train_kwargs), jax.jit(evaluate, **eval_kwargs)
  return (program_cache.CachedProgram(train, name="train_step", identity=identity,
                                      returns_state=True, **train_kwargs),
          program_cache.CachedProgram(evaluate, name="eval_step", identity=identity,
                                      **eval_kwargs))
