"""The training state: one pytree holding everything a step changes."""

from typing import Any, Callable

import flax
import jax
import jax.numpy as jnp
import optax


class TrainState(flax.struct.PyTreeNode):
  """Parameters, batch statistics, optimizer state, step and RNG key.

  `apply_fn` and `tx` are static (not saved); `rng` is a raw uint32 key that
  is folded with `step` to give each step its own randomness.
  """
  step: jnp.ndarray
  params: Any
  batch_stats: Any
  opt_state: Any
  rng: jnp.ndarray
  apply_fn: Callable = flax.struct.field(pytree_node=False)
  tx: optax.GradientTransformation = flax.struct.field(pytree_node=False)

  @property
  def variables(self) -> dict:
    """The variables for `apply_fn`: params and, if any, batch_stats."""
    if self.batch_stats:
      return {"params": self.params, "batch_stats": self.batch_stats}
    return {"params": self.params}


def create_train_state(model, tx: optax.GradientTransformation,
                       example_inputs: jnp.ndarray, seed: int) -> TrainState:
  """Initialises the model on `example_inputs` (B, T, C) under jit."""
  init_rng, dropout_rng, step_rng = jax.random.split(jax.random.PRNGKey(seed), 3)

  @jax.jit
  def init(inputs):
    return model.init({"params": init_rng, "dropout": dropout_rng}, inputs,
                      train=False)

  variables = init(example_inputs)
  params = variables["params"]
  return TrainState(
      step=jnp.zeros((), jnp.int32),
      params=params,
      batch_stats=variables.get("batch_stats", {}),
      opt_state=tx.init(params),
      rng=step_rng,
      apply_fn=model.apply,
      tx=tx)
