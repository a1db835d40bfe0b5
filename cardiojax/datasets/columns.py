"""Decoded columns of a prepared split, kept beside it: a rerun loads arrays.

tfds decodes a prepared example in Python (about 0.1-0.2 ms each): for MIT-BIH's
~100k beat windows or the simulator's 4000 ECG/Vm pairs, seconds at every
start. `cached_columns` decodes a split once and keeps its stacked columns as
.npy files in the prepared folder, `<data_dir>/cardiojax_columns/<split>/`;
later loads read them (`np.load`, `allow_pickle=False`) while the prepared
folder's files are unchanged (names, sizes, modification times). A folder
that cannot be written is decoded every time, as before.
"""

import json
import os
import pathlib
import secrets
from typing import Callable

import numpy as np

FOLDER = "cardiojax_columns"
_INDEX = "index.json"


def _fingerprint(data_dir: pathlib.Path) -> list:
  """Name, size and modification time of the prepared folder's files."""
  return sorted([entry.name, entry.stat().st_size, entry.stat().st_mtime_ns]
                for entry in os.scandir(data_dir) if entry.is_file())


def _read_index(folder: pathlib.Path) -> dict:
  try:
    return json.loads((folder / _INDEX).read_text())
  except (OSError, ValueError):
    return {}


def _write_atomically(path: pathlib.Path, write: Callable) -> None:
  """`write(f)` into a new file beside `path`, then renamed to it. `f` is a
  plain BufferedWriter, so that np.save writes arrays without a copy; the
  file's mode follows the umask like the prepared files'."""
  tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
  try:
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as f:
      write(f)
    os.replace(tmp, path)
  except BaseException:
    tmp.unlink(missing_ok=True)
    raise


def _storable(column: np.ndarray) -> np.ndarray | None:
  """`column` as .npy can hold it without pickle: an object array of bytes
  (tfds's text features) as fixed-width bytes; None for other objects."""
  if column.dtype != object:
    return column
  if column.size and all(isinstance(value, bytes) for value in column.flat):
    return column.astype(np.bytes_)
  return None


def _load(folder: pathlib.Path, keys, fingerprint) -> dict | None:
  index = _read_index(folder)
  if index.get("fingerprint") != fingerprint or not set(keys) <= set(index.get("keys", ())):
    return None
  try:
    return {key: np.load(folder / f"{key}.npy", allow_pickle=False) for key in keys}
  except (OSError, ValueError):
    return None


def _save(folder: pathlib.Path, columns: dict, fingerprint) -> None:
  folder.mkdir(parents=True, exist_ok=True)
  index = _read_index(folder)
  kept = set(index.get("keys", ())) if index.get("fingerprint") == fingerprint else set()
  for key, column in columns.items():
    _write_atomically(folder / f"{key}.npy",
                      lambda f, c=column: np.save(f, c, allow_pickle=False))
  index = {"fingerprint": fingerprint, "keys": sorted(kept | set(columns))}
  _write_atomically(folder / _INDEX, lambda f: f.write(json.dumps(index).encode()))


def cached_columns(data_dir, split: str, keys: tuple[str, ...],
                   decode: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
  """The columns `keys` of `split` of the prepared folder `data_dir`.

  Args:
    data_dir: the prepared builder's folder (`builder.data_dir`).
    split: the builder split.
    keys: the feature names.
    decode: decodes them from the prepared examples: key -> (N, ...) array.

  Returns:
    key -> (N, ...) array as `decode()` returns it, but object arrays of
    bytes as fixed-width bytes (`np.bytes_`), from the first read on. Columns
    of other objects are decoded every time.
  """
  data_dir = pathlib.Path(data_dir)
  folder = data_dir / FOLDER / split
  try:
    fingerprint = _fingerprint(data_dir)
  except OSError:  # a folder changing under us: neither trusted nor kept
    fingerprint = None
  columns = None if fingerprint is None else _load(folder, keys, fingerprint)
  if columns is not None:
    return columns
  columns = decode()
  storable = {key: _storable(column) for key, column in columns.items()}
  if any(column is None for column in storable.values()):
    return columns
  if fingerprint is not None:
    try:
      _save(folder, storable, fingerprint)
    except OSError:  # a read-only folder: decoded every time
      pass
  return storable
