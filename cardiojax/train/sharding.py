"""All of cardiojax's sharding: processes, the device mesh, global batches.

Data parallelism through `jit` over a 1D `Mesh` with the axis 'data': the
batch is sharded on it and the train state replicated. A run is multi-process
when `config.distributed.enabled` is True or the environment names a
coordinator (CARDIOJAX_COORDINATOR_ADDRESS, or a cluster that JAX detects by
itself such as SLURM); every process then runs the same program,
`jax.devices()` spans all hosts and each process reads its shard.
"""

import os

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec


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


def data_mesh() -> Mesh:
  """A 1D mesh over all (global) devices with the axis name 'data'."""
  return Mesh(np.asarray(jax.devices()), ("data",))


def global_batch(local_batch: dict, mesh: Mesh) -> dict:
  """Turns this process's batch into global jax.Arrays sharded on 'data'."""
  sharding = NamedSharding(mesh, PartitionSpec("data"))
  return jax.tree.map(
      lambda x: jax.make_array_from_process_local_data(sharding, np.asarray(x)),
      local_batch)


def to_host(tree):
  """Gathers global arrays to every host as numpy (process-local order)."""
  if jax.process_count() == 1:
    return jax.tree.map(np.asarray, tree)
  return multihost_utils.process_allgather(tree, tiled=True)


def replicated(mesh: Mesh) -> NamedSharding:
  """The sharding of arrays held whole on every device (the train state)."""
  return NamedSharding(mesh, PartitionSpec())
