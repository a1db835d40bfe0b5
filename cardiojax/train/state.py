"""The training state: one pytree holding everything a step changes."""

from typing import Any, Callable

import flax
import jax
import jax.numpy as jnp
import optax

from cardiojax.train import program_cache


# `config.train.compute_dtype` -> the models' computation dtype.
COMPUTE_DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def compute_dtype(name: str):
  """The computation dtype named by `config.train.compute_dtype`.

  'bfloat16' is mixed precision: the model computes its forward and backward
  passes in bfloat16 (`Model(dtype=jnp.bfloat16)`) while parameters, optimizer
  state and BatchNorm statistics stay float32 and the outputs and loss are
  float32.

  Raises:
    ValueError: `name` is not a key of `COMPUTE_DTYPES`.
  """
  if name not in COMPUTE_DTYPES:
    raise ValueError(f"config.train.compute_dtype: unknown {name!r}; expected one of "
                     f"{sorted(COMPUTE_DTYPES)}")
  return COMPUTE_DTYPES[name]


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
                       example_inputs: jnp.ndarray, seed: int,
                       identity: str | None = None) -> TrainState:
  """Initialises the model on `example_inputs` (B, T, C) and the optimizer
  state, in one jitted program (at start-up each program costs a tracing or
  a compilation-cache read).

  With `identity` (what besides the code and the shapes defines `model` and
  `tx`; see `cardiojax.train.program_cache`), a process where the program
  cache is on reuses the program an earlier one traced.
  """

  def init(_, inputs, key):
    init_rng, dropout_rng, step_rng = jax.random.split(key, 3)
    variables = model.init({"params": init_rng, "dropout": dropout_rng}, inputs,
                           train=False)
    # The optimizer state as leaves: its namedtuples do not serialize.
    return (jnp.zeros((), jnp.int32), variables,
            jax.tree.leaves(tx.init(variables["params"])), step_rng)

  if identity is None:
    init = jax.jit(init)
  else:
    init = program_cache.CachedProgram(init, name="init", identity=identity)
  step, variables, opt_leaves, step_rng = init((), example_inputs,
                                               jax.random.PRNGKey(seed))
  opt_structure = jax.tree.structure(jax.eval_shape(tx.init, variables["params"]))
  return TrainState(
      step=step,
      params=variables["params"],
      batch_stats=variables.get("batch_stats", {}),
      opt_state=jax.tree.unflatten(opt_structure, opt_leaves),
      rng=step_rng,
      apply_fn=model.apply,
      tx=tx)
