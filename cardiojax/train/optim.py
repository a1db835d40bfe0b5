"""Optimizers and learning-rate schedules from `config.optimizer`.

Optimizers: adam, adamw, sgd (with momentum). Schedules: constant,
warmup_cosine, one_cycle, reduce_on_plateau (scales the rate down when the
training loss stops improving; the loss is passed to `tx.update` as `value`).
"""

import jax
import optax

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "warmup_cosine", "one_cycle", "reduce_on_plateau")


def make_schedule(config, num_steps: int) -> optax.Schedule:
  """The learning rate as a function of the step."""
  peak = config.learning_rate
  if config.schedule in ("constant", "reduce_on_plateau"):
    return optax.constant_schedule(peak)
  if config.schedule == "warmup_cosine":
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=peak,
        warmup_steps=min(config.warmup_steps, max(num_steps - 1, 0)),
        decay_steps=max(num_steps, 1), end_value=peak * config.end_factor)
  if config.schedule == "one_cycle":
    return optax.cosine_onecycle_schedule(
        transition_steps=max(num_steps, 1), peak_value=peak,
        pct_start=config.warmup_steps / max(num_steps, 1))
  raise ValueError(f"config.optimizer.schedule: expected one of {SCHEDULES}, "
                   f"got {config.schedule!r}")


def make_optimizer(config, num_steps: int):
  """Returns (tx, schedule) for `config.optimizer` and the run's length.

  `schedule(step)` is the learning rate at a step, jitted: called on a step
  number outside a jitted function it runs one program, not one per
  operation of the schedule (each a compilation-cache read at start-up).
  """
  schedule = make_schedule(config, num_steps)
  if config.name == "adam":
    base = optax.adam(schedule)
  elif config.name == "adamw":
    base = optax.adamw(schedule, weight_decay=config.weight_decay)
  elif config.name == "sgd":
    base = optax.sgd(schedule, momentum=config.momentum, nesterov=True)
  else:
    raise ValueError(f"config.optimizer.name: expected one of {OPTIMIZERS}, "
                     f"got {config.name!r}")
  chain = [base]
  if config.grad_clip_norm:
    chain.insert(0, optax.clip_by_global_norm(config.grad_clip_norm))
  if config.schedule == "reduce_on_plateau":
    chain.append(optax.contrib.reduce_on_plateau(
        factor=config.plateau_factor, patience=config.plateau_patience,
        accumulation_size=config.plateau_accumulation))
  return optax.chain(*chain), jax.jit(schedule)
