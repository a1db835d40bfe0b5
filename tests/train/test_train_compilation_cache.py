"""The persistent compilation cache: a second process loads what the first
compiled (`cardiojax.train.compilation_cache`), and the environment turns it
off or moves it."""

import json
import os
import subprocess
import sys


from cardiojax.train import compilation_cache

# A fresh process: enable the cache (folder argv[1], or the default), compile
# and run one small program, report which programs were read from the cache
# (jax logs each hit at DEBUG with the program's name) and the cache events.
_PROGRAM = r"""
import json, logging, sys
from jax._src import monitoring
events = []
monitoring.register_event_listener(lambda event, **kwargs: events.append(event))
hits = []
class Hits(logging.Handler):
  def emit(self, record):
    message = record.getMessage()
    if message.startswith("Persistent compilation cache hit for"):
      hits.append(message.split("'")[1])
logger = logging.getLogger("jax._src.compiler")
logger.setLevel(logging.DEBUG)
logger.addHandler(Hits())

from cardiojax.train import compilation_cache
folder = compilation_cache.enable(sys.argv[1] if len(sys.argv) > 1 else None)
import jax, jax.numpy as jnp

def cache_probe(x):
  return jnp.tanh(x @ x.T).sum()

value = float(jax.jit(cache_probe)(jnp.arange(64.0).reshape(8, 8) / 64))
print(json.dumps({"folder": folder, "value": value, "hits": hits,
                  "cache_hits": events.count("/jax/compilation_cache/cache_hits"),
                  "cache_writes": events.count("/jax/compilation_cache/cache_misses"),
                  "jax_dir": jax.config.jax_compilation_cache_dir}))
"""


def _run(*args, env_update=None) -> dict:
  env = {**os.environ, "JAX_PLATFORMS": "cpu", **(env_update or {})}
  done = subprocess.run([sys.executable, "-c", _PROGRAM, *args], env=env,
                        capture_output=True, text=True, timeout=120, check=True)
  return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_the_program_from_the_cache(tmp_path):
  folder = tmp_path / "cache"
  first = _run(str(folder))
  assert first["folder"] == str(folder) == first["jax_dir"]
  assert first["hits"] == [] and first["cache_hits"] == 0
  assert first["cache_writes"] >= 1  # cache_probe and the small programs
  entries = sorted(p.name for p in folder.iterdir())
  assert any("cache_probe" in name for name in entries), entries
  second = _run(str(folder))
  assert "jit_cache_probe" in second["hits"]
  assert second["cache_hits"] >= 1 and second["cache_writes"] == 0
  assert second["value"] == first["value"]
  assert sorted(p.name for p in folder.iterdir()) == entries


def test_the_environment_moves_or_turns_off_the_default_folder(tmp_path):
  moved = _run(env_update={"CARDIOJAX_COMPILATION_CACHE": str(tmp_path / "c")})
  assert moved["folder"] == str(tmp_path / "c") and moved["cache_writes"] >= 1
  for off in ("off", ""):
    result = _run(env_update={"CARDIOJAX_COMPILATION_CACHE": off,
                              "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert result["folder"] is None and result["jax_dir"] is None
    assert result["cache_writes"] == 0 and result["hits"] == []
  assert not (tmp_path / "xdg").exists()


def test_default_dir(monkeypatch, tmp_path):
  monkeypatch.delenv(compilation_cache.ENV_VAR, raising=False)
  monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
  assert compilation_cache.default_dir() == str(
      tmp_path / "cardiojax" / "jax_compilation_cache")
  monkeypatch.delenv("XDG_CACHE_HOME")
  monkeypatch.setenv("HOME", str(tmp_path / "home"))
  assert compilation_cache.default_dir() == str(
      tmp_path / "home" / ".cache" / "cardiojax" / "jax_compilation_cache")
  monkeypatch.setenv(compilation_cache.ENV_VAR, "~/elsewhere")
  assert compilation_cache.default_dir() == str(tmp_path / "home" / "elsewhere")
  for off in ("", "off", "OFF"):
    monkeypatch.setenv(compilation_cache.ENV_VAR, off)
    assert compilation_cache.default_dir() is None
    assert compilation_cache.enable() is None


def test_enable_is_idempotent_and_the_suite_uses_the_default_folder(tmp_path):
  """conftest.py enabled `default_dir()` (none when the environment turns the
  cache off); enabling a folder twice keeps it; the suite's folder is restored."""
  import jax  # pylint: disable=g-import-not-at-top
  suite_folder = compilation_cache.default_dir()
  assert jax.config.jax_compilation_cache_dir == suite_folder
  folder = str(tmp_path / "cache")
  try:
    assert compilation_cache.enable(folder) == folder
    assert compilation_cache.enable(folder) == folder
    assert jax.config.jax_compilation_cache_dir == folder
    assert jax.config.jax_persistent_cache_min_compile_time_secs == 0.0
  finally:
    if suite_folder is None:
      compilation_cache.compilation_cache.reset_cache()
      jax.config.update("jax_compilation_cache_dir", None)
    else:
      assert compilation_cache.enable(suite_folder) == suite_folder
