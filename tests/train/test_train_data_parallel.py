"""Data parallelism: 4 CPU devices agree with 1; 2 processes agree with 1."""

import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from cardiojax import tasks
from cardiojax.models import ECGToActivation
from cardiojax.train import sharding
from cardiojax.train import state as state_lib
from cardiojax.train import steps

BATCH, TIME, LEADS, SITES = 8, 64, 12, 5


def make_state():
  model = ECGToActivation(num_outputs=SITES, features=(8, 8, 16), hidden=16)
  import optax  # pylint: disable=g-import-not-at-top
  return state_lib.create_train_state(model, optax.adam(1e-2),
                                      np.zeros((1, TIME, LEADS), np.float32), seed=0)


def make_batches(num):
  rng = np.random.default_rng(0)
  return [{"inputs": rng.normal(size=(BATCH, TIME, LEADS)).astype(np.float32),
           "targets": rng.normal(size=(BATCH, SITES)).astype(np.float32),
           "mask": np.ones(BATCH, np.float32)} for _ in range(num)]


def losses_on(devices, batches):
  mesh = Mesh(np.asarray(devices), ("data",))
  task = tasks.make_task({"name": "dense_regression"})
  train_fn, _ = steps.compile_steps(task, mesh)
  state = jax.device_put(make_state(), NamedSharding(mesh, PartitionSpec()))
  losses = []
  for batch in batches:
    state, metrics = train_fn(state, sharding.global_batch(batch, mesh))
    losses.append(float(metrics["loss"]))
  return np.array(losses), state


def test_four_devices_give_the_losses_of_one():
  assert jax.device_count() == 4
  batches = make_batches(5)
  one, state_one = losses_on(jax.devices()[:1], batches)
  four, state_four = losses_on(jax.devices(), batches)
  assert one[-1] < one[0]  # it trains
  np.testing.assert_allclose(four, one, rtol=2e-4)
  for a, b in zip(jax.tree.leaves(state_one.params), jax.tree.leaves(state_four.params)):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-3, atol=2e-5)


_WORKER = textwrap.dedent("""
    import os, sys
    import numpy as np
    import jax
    import ml_collections
    from cardiojax.train import sharding
    process_id, port, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    sharding.maybe_initialize(ml_collections.ConfigDict(dict(
        enabled=True, coordinator_address=f"127.0.0.1:{port}", num_processes=2,
        process_id=process_id, cpu_collectives="gloo")))
    sys.path.insert(0, os.path.dirname(out))
    from test_module import make_state, make_batches, BATCH
    from cardiojax import tasks
    from cardiojax.train import steps
    from jax.sharding import NamedSharding, PartitionSpec
    assert jax.process_count() == 2 and jax.device_count() == 4, jax.devices()
    mesh = sharding.data_mesh()
    task = tasks.make_task({"name": "dense_regression"})
    state = jax.device_put(make_state(), NamedSharding(mesh, PartitionSpec()))
    batch = make_batches(1)[0]
    half = BATCH // 2
    local = {k: v[process_id * half:(process_id + 1) * half] for k, v in batch.items()}
    grads_fn = jax.jit(lambda s, b: steps.loss_and_grads(s, b, task)[:2],
                       out_shardings=NamedSharding(mesh, PartitionSpec()))
    loss, grads = grads_fn(state, sharding.global_batch(local, mesh))
    if process_id == 0:
      leaves = [np.asarray(x.addressable_data(0)) for x in jax.tree.leaves(grads)]
      np.savez(out, loss=np.asarray(loss.addressable_data(0)), *leaves)
    """)


def _free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def test_two_processes_give_the_gradients_of_one(tmp_path):
  (tmp_path / "test_module.py").write_text(open(__file__).read())
  out = tmp_path / "grads.npz"
  env = {**os.environ, "JAX_PLATFORMS": "cpu",
         "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
  port = str(_free_port())
  workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(i), port, str(out)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for i in range(2)]
  logs = []
  for worker in workers:
    try:
      logs.append(worker.communicate(timeout=240)[0])
    except subprocess.TimeoutExpired:
      for w in workers:
        w.kill()
      pytest.fail("the two-process run did not finish in 240 s")
  assert all(w.returncode == 0 for w in workers), "\n".join(logs)[-3000:]

  task = tasks.make_task({"name": "dense_regression"})
  loss, grads = jax.jit(lambda s, b: steps.loss_and_grads(s, b, task)[:2])(
      make_state(), make_batches(1)[0])
  saved = np.load(out, allow_pickle=False)
  np.testing.assert_allclose(saved["loss"], loss, rtol=1e-5)
  leaves = jax.tree.leaves(grads)
  assert len(saved.files) == len(leaves) + 1
  for i, leaf in enumerate(leaves):
    np.testing.assert_allclose(saved[f"arr_{i}"], leaf, rtol=1e-4, atol=1e-6)
