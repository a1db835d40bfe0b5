"""Traced programs kept between processes: a rerun skips tracing and lowering.

The compilation cache (`compilation_cache`) keeps what XLA compiled, but jax
must still trace a program and lower it to StableHLO to look it up: for a
ResNet-34 train step about 1 s of every rerun's start. A `CachedProgram`
exports its program with `jax.export` the first time and saves it; a later
process with the same key deserializes the StableHLO and calls it, tracing
nothing of the model. XLA's compilation of that program is then a hit of the
compilation cache as before.

The key (SHA-256) covers what a traced program depends on:
- `identity`, from the caller: for an experiment its config and its input
  contract (model, task with its fitted statistics, optimizer, dtype);
- the arguments' tree paths, shapes and dtypes, shardings and donation;
- the source of cardiojax and of every other loaded module outside the Python
  installation (your configs, models, losses): an edit traces again;
- jax, jaxlib, flax, optax and numpy versions, jax's configuration,
  $XLA_FLAGS, the platform and devices.
It cannot see a function replaced at run time (monkeypatching) under an
unchanged key; `cardiojax.experiment` uses it only where `enable()` was called,
which each `cardiojax` command does. A program that jax cannot export (a
custom call without a compatibility guarantee, such as cuDNN's RNN) and any
multi-process run are traced as before.

Files: `<compilation cache folder>/programs/<name>-<key>.jaxexport` in jax's
own serialization (flatbuffers, no pickle), written atomically; a file that
cannot be read is written again. $CARDIOJAX_PROGRAM_CACHE=off turns this cache
off alone; turning the compilation cache off turns both off. Like the
compilation cache, the folder is trusted: keep it private to the user.
"""

import hashlib
import logging
import os
import pathlib
import site
import sys
import sysconfig
import tempfile
from typing import Any, Callable

import jax

ENV_VAR = "CARDIOJAX_PROGRAM_CACHE"
SUFFIX = ".jaxexport"
_LIBRARIES = ("jax", "jaxlib", "flax", "optax", "numpy")
_PACKAGE_DIR = pathlib.Path(__file__).resolve().parents[1]

_folder: pathlib.Path | None = None


def enable(compilation_cache_dir: str | None) -> pathlib.Path | None:
  """Keeps programs in `<compilation_cache_dir>/programs` from now on in this
  process; None (the compilation cache is off) or $CARDIOJAX_PROGRAM_CACHE=off
  turns the program cache off.

  Returns:
    The folder in use, or None.
  """
  global _folder
  off = os.environ.get(ENV_VAR, "").strip().lower() == "off"
  _folder = (None if compilation_cache_dir is None or off
             else pathlib.Path(compilation_cache_dir) / "programs")
  return _folder


def folder() -> pathlib.Path | None:
  """The folder programs are kept in; None while the cache is off."""
  return _folder


def _installation_dirs() -> tuple[str, ...]:
  """The standard library's and site-packages folders, as given and resolved."""
  paths = sysconfig.get_paths()
  dirs = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
  dirs.update(site.getsitepackages())
  dirs.add(site.getusersitepackages())
  dirs.update([os.path.realpath(d) for d in dirs])
  return tuple(os.path.join(d, "") for d in dirs)


def _source_files() -> list[str]:
  """cardiojax's files and those of every loaded module outside the Python
  installation, sorted."""
  installed = _installation_dirs()
  files = {str(path) for path in _PACKAGE_DIR.rglob("*.py")}
  for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None)
    if (path and path.endswith(".py") and not path.startswith(installed)
        and not os.path.realpath(path).startswith(installed)):
      files.add(os.path.realpath(path))
  return sorted(files)


def environment_digest() -> str:
  """SHA-256 of the code, libraries, jax configuration and devices that shape
  a traced program (read anew at each call: a few ms)."""
  digest = hashlib.sha256()
  for path in _source_files():
    try:
      content = pathlib.Path(path).read_bytes()
    except OSError:
      continue
    digest.update(f"{path}\0{len(content)}\0".encode())
    digest.update(content)
  versions = [(name, getattr(sys.modules.get(name), "__version__", None))
              for name in _LIBRARIES]
  devices = [(d.platform, d.device_kind, d.id) for d in jax.devices()]
  for part in (versions, sorted(jax.config.values.items()),
               os.environ.get("XLA_FLAGS", ""), jax.process_count(), devices):
    digest.update(repr(part).encode())
  return digest.hexdigest()


def _signature(args) -> list:
  """Tree paths, shapes, dtypes and shardings of `args` (no static fields:
  their repr holds memory addresses)."""
  signature = []
  for path, leaf in jax.tree_util.tree_flatten_with_path(args)[0]:
    sharding = getattr(leaf, "sharding", None)
    signature.append((jax.tree_util.keystr(path), tuple(leaf.shape),
                      str(leaf.dtype), repr(sharding)))
  return signature


def _write_atomically(path: pathlib.Path, data: bytes) -> None:
  path.parent.mkdir(parents=True, exist_ok=True)
  with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name,
                                   suffix=".tmp", delete=False) as tmp:
    tmp.write(data)
  os.replace(tmp.name, path)


class CachedProgram:
  """`jax.jit(fn, **jit_kwargs)` of `fn(state, *args)`, with its traced
  programs kept on disk (see the module docstring).

  `state` is a pytree that may hold static fields (a `TrainState`; `()` for
  none); `args` and the outputs are arrays in tuples, lists and dicts. With
  `returns_state`, `fn` returns `(new_state, *rest)` with the structure of
  `state`.
  """

  def __init__(self, fn: Callable, *, name: str, identity: str,
               returns_state: bool = False, **jit_kwargs: Any):
    self._fn = fn
    self._name = name
    self._identity = identity
    self._returns_state = returns_state
    self._jit_kwargs = jit_kwargs
    self._jitted = jax.jit(fn, **jit_kwargs)
    self._programs = {}  # (treedefs, shapes and dtypes) -> program on leaves

  def lower(self, *args):
    """The plain jit's lowering (traced, never read from the cache)."""
    return self._jitted.lower(*args)

  def __call__(self, state, *args):
    if _folder is None or jax.process_count() != 1:
      return self._jitted(state, *args)
    leaves, treedef = jax.tree_util.tree_flatten(state)
    arg_leaves = jax.tree_util.tree_leaves(args)
    signature = (treedef, jax.tree_util.tree_structure(args),
                 tuple((x.shape, x.dtype) for x in leaves + arg_leaves))
    program = self._programs.get(signature)
    if program is None:
      program = self._programs[signature] = self._load_or_export(
          state, leaves, treedef, args)
    if program is self._jitted:
      return program(state, *args)
    outputs = program(leaves, *args)
    if self._returns_state:
      return (jax.tree_util.tree_unflatten(treedef, outputs[0]), *outputs[1:])
    return outputs

  def _path(self, state, args) -> pathlib.Path:
    digest = hashlib.sha256()
    for part in (environment_digest(), self._name, self._identity,
                 _signature((state, args)), sorted(self._jit_kwargs.items())):
      digest.update(repr(part).encode())
    return _folder / f"{self._name}-{digest.hexdigest()}{SUFFIX}"

  def _load_or_export(self, state, leaves, treedef, args):
    """The exported program for these arguments (`leaves`, `treedef`: the
    flattened `state`), read from its file or traced and written; the plain
    jit where jax cannot export it."""
    path = self._path(state, args)
    exported = None
    if path.is_file():
      try:
        exported = jax.export.deserialize(bytearray(path.read_bytes()))
      except Exception as error:  # pylint: disable=broad-except
        logging.warning("program cache: %s unreadable (%s); tracing again",
                        path, error)
    if exported is None:
      def flat(state_leaves, *flat_args):
        outputs = self._fn(jax.tree_util.tree_unflatten(treedef, state_leaves),
                           *flat_args)
        if self._returns_state:
          return (jax.tree_util.tree_leaves(outputs[0]), *outputs[1:])
        return outputs
      try:
        exported = jax.export.export(jax.jit(flat, **self._jit_kwargs))(leaves, *args)
      except Exception as error:  # pylint: disable=broad-except
        # Also the arguments' own errors: the plain jit raises them again.
        logging.info("program cache: %s not exported (%s); traced as before",
                     self._name, error)
        return self._jitted
      try:
        _write_atomically(path, exported.serialize())
      except OSError as error:
        logging.warning("program cache: %s not written (%s)", path, error)
    return jax.jit(exported.call, **self._jit_kwargs)
