"""The persistent JAX compilation cache, on by default.

A program XLA compiles is written to a folder and read back by every later
process that compiles the same program (same computation, shapes, shardings,
devices, XLA flags, jax and jaxlib), so a rerun, a resume, `--mode=eval`,
predict, explain, a `Predictor` and the tests load what an earlier run
compiled instead of compiling it again. `enable()` turns it on where a
process starts its work (`cardiojax.modes.run`, `tests/conftest.py`);
importing this module changes nothing.

The folder: `enable(cache_dir)`, else $CARDIOJAX_COMPILATION_CACHE (set it to
an empty string or 'off' to turn the cache off), else the user's cache folder
($XDG_CACHE_HOME, else ~/.cache)/cardiojax/jax_compilation_cache. Every
program is cached, however small, and nothing is evicted: delete the folder to
reclaim its space (a smoke run writes a few MB, a full run tens of MB).
XLA:CPU refuses an entry compiled for other CPU features, and compiles again.

The folder is trusted: whoever can write to it can make a cardiojax process
run their code (jax's warning), so keep it private to the user.
"""

import os

import jax
from jax.experimental.compilation_cache import compilation_cache

ENV_VAR = "CARDIOJAX_COMPILATION_CACHE"
_OFF = ("", "off")


def default_dir() -> str | None:
  """The folder `enable()` uses by default; None when the environment turns
  the cache off."""
  value = os.environ.get(ENV_VAR)
  if value is not None:
    return None if value.strip().lower() in _OFF else os.path.expanduser(value)
  root = os.environ.get("XDG_CACHE_HOME") or os.path.join(
      os.path.expanduser("~"), ".cache")
  return os.path.join(root, "cardiojax", "jax_compilation_cache")


def enable(cache_dir: str | None = None) -> str | None:
  """Turns the persistent compilation cache on for this process.

  Idempotent; a second call with another folder moves the cache there (later
  compilations read and write the new folder).

  Args:
    cache_dir: the folder (created on first write); None for `default_dir()`;
      '' or 'off' leave the cache off.

  Returns:
    The absolute folder in use, or None when the cache stays off.
  """
  folder = default_dir() if cache_dir is None else cache_dir
  if folder is None or folder.strip().lower() in _OFF:
    return None
  folder = os.path.abspath(folder)
  current = jax.config.jax_compilation_cache_dir
  if current != folder:
    if current is not None:  # jax opens its cache once per process
      compilation_cache.reset_cache()
    jax.config.update("jax_compilation_cache_dir", folder)
  # Cache every program: the small ones too add up to seconds at start-up.
  jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
  jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
  return folder
