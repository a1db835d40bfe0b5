"""Multi-host start-up: `jax.distributed.initialize` when asked for.

A run is multi-process when `config.distributed.enabled` is True or the
environment names a coordinator (CARDIOJAX_COORDINATOR_ADDRESS, or a cluster
that JAX detects by itself such as SLURM). Every process then runs the same
program; `jax.devices()` spans all hosts and each process reads its shard.
"""

import os

import jax


def maybe_initialize(config) -> None:
  """Initialises jax.distributed once if the config or environment asks."""
  address = config.coordinator_address or os.environ.get(
      "CARDIOJAX_COORDINATOR_ADDRESS")
  if jax.distributed.is_initialized() or not (config.enabled or address):
    return
  if config.cpu_collectives:
    jax.config.update("jax_cpu_collectives_implementation", config.cpu_collectives)
  kwargs = {}
  if address:
    kwargs = {
        "coordinator_address": address,
        "num_processes": int(config.num_processes or
                             os.environ["CARDIOJAX_NUM_PROCESSES"]),
        "process_id": int(config.process_id if config.process_id is not None
                          else os.environ["CARDIOJAX_PROCESS_ID"]),
    }
  jax.distributed.initialize(**kwargs)
