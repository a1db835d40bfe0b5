"""The program cache: a later process calls the program an earlier one traced
(`cardiojax.train.program_cache`), with the same results, and traces again
whenever anything the program depends on changed."""

import importlib
import json
import os
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from cardiojax import experiment as experiment_lib
from cardiojax import tasks
from cardiojax.models import ECGToActivation
from cardiojax.train import program_cache
from cardiojax.train import sharding
from cardiojax.train import state as state_lib
from cardiojax.train import steps

BATCH, TIME, LEADS, SITES = 8, 64, 12, 5
REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path):
  """The program cache on in tmp_path for the test, off afterwards."""
  folder = program_cache.enable(str(tmp_path))
  yield folder
  program_cache.enable(None)


class Traced:
  """A step `fn(state, x)` that counts its tracings (calls of the Python
  function: a cache hit makes none)."""

  def __init__(self):
    self.tracings = 0

  def __call__(self, state, x):
    self.tracings += 1
    return (state["w"] * jnp.sin(x)).sum(axis=0), x.mean()


def _program(fn, identity="identity"):
  """A new CachedProgram, as a new process builds it (nothing in memory)."""
  return program_cache.CachedProgram(fn, name="probe", identity=identity)


def test_a_later_program_calls_the_saved_trace(cache):
  fn = Traced()
  state, x = {"w": jnp.arange(3.0)}, jnp.linspace(0.0, 1.0, 12).reshape(4, 3)
  first = _program(fn)(state, x)
  assert fn.tracings == 1
  assert len(list(cache.glob(f"probe-*{program_cache.SUFFIX}"))) == 1
  second = _program(fn)(state, x)
  assert fn.tracings == 1  # read, not traced
  plain = jax.jit(Traced())(state, x)
  for a, b in ((first, plain), (second, plain)):
    np.testing.assert_array_equal(np.asarray(a[0]), np.asarray(b[0]))
    assert float(a[1]) == float(b[1])
  np.testing.assert_allclose(np.asarray(first[0]),
                             (np.arange(3.0) * np.sin(np.asarray(x))).sum(0),
                             rtol=1e-6)


def test_what_the_program_depends_on_is_in_its_key(cache, tmp_path, monkeypatch):
  fn = Traced()
  state, x = {"w": jnp.arange(3.0)}, jnp.ones((4, 3))
  _program(fn)(state, x)
  _program(fn, identity="another config")(state, x)
  assert fn.tracings == 2
  _program(fn)(state, jnp.ones((5, 3)))  # another shape
  _program(fn)(state, jnp.ones((4, 3), jnp.int32))  # another dtype
  _program(fn)({"w": jnp.arange(3.0), "v": jnp.arange(3.0)}, x)  # another tree
  _program(fn)({"w": jnp.arange(3.0), "u": jnp.arange(3.0)}, x)  # another key
  assert fn.tracings == 6
  # An edited source file of a loaded module outside the installation (a
  # config, a model of yours): a new key.
  module = tmp_path / "my_model_for_cache_test.py"
  module.write_text("WIDTH = 1\n")
  monkeypatch.syspath_prepend(str(tmp_path))
  importlib.import_module("my_model_for_cache_test")
  before = program_cache.environment_digest()
  _program(fn)(state, x)
  assert fn.tracings == 7
  module.write_text("WIDTH = 2\n")
  assert program_cache.environment_digest() != before
  _program(fn)(state, x)
  assert fn.tracings == 8
  del sys.modules["my_model_for_cache_test"]


def test_an_unreadable_file_is_traced_and_written_again(cache, caplog):
  fn = Traced()
  state, x = {"w": jnp.arange(3.0)}, jnp.ones((4, 3))
  expected = _program(fn)(state, x)
  (path,) = cache.glob(f"probe-*{program_cache.SUFFIX}")
  path.write_bytes(b"not a program")
  again = _program(fn)(state, x)
  assert fn.tracings == 2 and "unreadable" in caplog.text
  np.testing.assert_array_equal(np.asarray(again[0]), np.asarray(expected[0]))
  _program(fn)(state, x)
  assert fn.tracings == 2  # the rewritten file is read


def test_a_program_jax_cannot_export_runs_as_plain_jit(cache):
  calls = []

  def with_callback(state, x):
    calls.append(1)
    host = jax.pure_callback(lambda v: np.asarray(v) * 2, jax.ShapeDtypeStruct(x.shape, x.dtype), x)
    return host + state["w"]

  out = _program(with_callback)({"w": jnp.ones(3)}, jnp.arange(3.0))
  np.testing.assert_array_equal(np.asarray(out), [1.0, 3.0, 5.0])
  assert not list(cache.glob("*"))


def test_off_runs_as_plain_jit(tmp_path, monkeypatch):
  monkeypatch.setenv(program_cache.ENV_VAR, "off")
  assert program_cache.enable(str(tmp_path)) is None
  assert program_cache.enable(None) is None
  monkeypatch.delenv(program_cache.ENV_VAR)
  assert program_cache.folder() is None
  out, _ = _program(Traced())({"w": jnp.arange(3.0)}, jnp.zeros((4, 3)))
  np.testing.assert_array_equal(np.asarray(out), [0.0, 0.0, 0.0])
  assert not tmp_path.joinpath("programs").exists()


def _train(identity, mesh, num_steps=3):
  """A small model's init, `num_steps` train steps and one eval step."""
  model = ECGToActivation(num_outputs=SITES, features=(8, 8, 16), hidden=16)
  tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-2))
  state = state_lib.create_train_state(model, tx, np.zeros((1, TIME, LEADS), np.float32),
                                       seed=0, identity=identity)
  state = jax.device_put(state, NamedSharding(mesh, PartitionSpec()))
  task = tasks.make_task({"name": "dense_regression"})
  train_fn, eval_fn = steps.compile_steps(task, mesh, identity)
  rng = np.random.default_rng(0)
  batch = {"inputs": rng.normal(size=(BATCH, TIME, LEADS)).astype(np.float32),
           "targets": rng.normal(size=(BATCH, SITES)).astype(np.float32),
           "mask": np.ones(BATCH, np.float32)}
  losses = []
  for _ in range(num_steps):
    state, metrics = train_fn(state, sharding.global_batch(batch, mesh))
    losses.append(float(metrics["loss"]))
  outputs = eval_fn(state, sharding.global_batch(batch, mesh))
  return state, losses, outputs


def _paths(tree) -> list[str]:
  return [jax.tree_util.keystr(path) for path, _ in jax.tree_util.tree_flatten_with_path(tree)[0]]


def test_a_cached_training_equals_the_traced_one_on_four_devices(cache):
  mesh = Mesh(np.asarray(jax.devices()), ("data",))
  plain_state, plain_losses, plain_outputs = _train(None, mesh)
  assert not list(cache.glob("*"))
  for _ in range(2):  # exports and writes, then reads
    state, losses, outputs = _train("small model", mesh)
    assert losses == plain_losses and losses[-1] < losses[0]
    assert isinstance(state, state_lib.TrainState) and int(state.step) == 3
    assert _paths(state) == _paths(plain_state)
    for a, b in zip(jax.tree.leaves(state), jax.tree.leaves(plain_state)):
      np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
      assert a.sharding == b.sharding
    np.testing.assert_array_equal(np.asarray(outputs["predictions"]),
                                  np.asarray(plain_outputs["predictions"]))
  names = sorted(p.name.split("-")[0] for p in cache.glob(f"*{program_cache.SUFFIX}"))
  assert names == ["eval_step", "init", "train_step"]


def test_an_experiments_identity_holds_arrays_in_full():
  # numpy's repr abbreviates large arrays ('...'): two would share a key.
  values = [json.dumps({"w": w}, default=experiment_lib._identity_value)  # pylint: disable=protected-access
            for w in (np.arange(2000.0), np.arange(2000.0) + np.eye(1, 2000, 1000)[0])]
  assert "1999.0" in values[0] and "..." not in values[0]
  assert values[0] != values[1]


def _train_command(workdir, cache):
  """`cardiojax.main` of a one-step smoke run in a fresh process; returns its
  stderr (with jax's tracing log) and the step's training loss."""
  env = {**os.environ, "CARDIOJAX_COMPILATION_CACHE": str(cache), "CARDIOJAX_PROGRESS": "0",
         "JAX_DEBUG_LOG_MODULES": "jax._src.dispatch"}
  env.pop(program_cache.ENV_VAR, None)
  done = subprocess.run(
      [sys.executable, "-m", "cardiojax.main", "--config=configs/activation_map.py:smoke",
       "--config.train.num_steps=1", "--config.train.log_every=1", f"--workdir={workdir}"],
      cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
  assert done.returncode == 0, done.stderr[-3000:]
  records = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
  (loss,) = [r["loss"] for r in records if r["split"] == "train"]
  return done.stderr, loss


def test_a_rerun_of_a_command_traces_none_of_its_programs(tmp_path):
  cache = tmp_path / "cache"
  first, first_loss = _train_command(tmp_path / "first", cache)
  programs = {p.name: p.stat().st_mtime_ns for p in (cache / "programs").iterdir()}
  assert sorted(name.split("-")[0] for name in programs) == ["eval_step", "init", "train_step"]
  assert "Finished tracing flat for jit" in first  # the programs, traced to export them
  rerun, rerun_loss = _train_command(tmp_path / "rerun", cache)
  assert "Finished tracing flat for jit" not in rerun, rerun[-3000:]
  assert "Finished tracing call for jit" in rerun  # the exported programs, called
  assert {p.name: p.stat().st_mtime_ns for p in (cache / "programs").iterdir()} == programs
  assert rerun_loss == first_loss
