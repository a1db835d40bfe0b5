"""Prepared tfds builders: prepare once into data_dir, then only read.

`prepared_builder` is the one way a corpus's `load` gets its builder: it
prepares the builder once (from `config.data.manual_dir`, or from
`config.data.download_url` for the corpora PhysioNet serves) and later only
reads. `check_manual_dir` finds the corpus folder (the unzipped folder or its
parent) and words its errors with the cardiojax flag that sets it.
"""

import contextlib
import hashlib
import os
import pathlib
import sys
from typing import Iterator, NamedTuple

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import columns
from cardiojax.datasets import paths

_READ_CHUNK = 1024
# The flag that sets the corpus folder when training (`cardiojax prepare`
# names its own, --manual_dir).
TRAINING_FLAG = "--config.data.manual_dir"


class PreparedBuilder(NamedTuple):
  """A builder returned by `prepared_builder`, and whether it was prepared by
  that call (False: it was there already)."""
  builder: tfds.core.DatasetBuilder
  prepared_now: bool


_WATCHERS: list[list[PreparedBuilder]] = []


@contextlib.contextmanager
def watch() -> Iterator[list[PreparedBuilder]]:
  """Collects the builders that `prepared_builder` returns inside the block
  (`cardiojax prepare` reports where each config's data is)."""
  seen = []
  _WATCHERS.append(seen)
  try:
    yield seen
  finally:
    _WATCHERS.remove(seen)


def corpus_name(builder_cls) -> str:
  """The corpus's display name (e.g. 'PTB-XL')."""
  return getattr(builder_cls, "CORPUS_NAME", builder_cls.__name__)


def _command_name(builder_cls) -> str:
  """The corpus as `cardiojax prepare` names it: its module (e.g. 'ptbxl')."""
  return builder_cls.__module__.rpartition(".")[2]


def not_prepared_message(builder_cls, data_dir: str) -> str:
  """One line: `data_dir` lacks the corpus and no corpus folder is given."""
  command = f"cardiojax prepare {_command_name(builder_cls)} --config=CONFIG"
  if os.path.abspath(data_dir) != paths.data_root():
    command += f" --data_dir={data_dir}"
  download = (" (or --download instead of --manual_dir)"
              if getattr(builder_cls, "DOWNLOAD_URL", None) else "")
  return (f"{TRAINING_FLAG}: {corpus_name(builder_cls)} is not prepared in "
          f"{data_dir} yet; pass {TRAINING_FLAG}=DIR, or prepare it once with "
          f"`{command} --manual_dir=DIR`{download}; DIR: "
          f"{builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS}")


def prepared_builder(builder_cls, builder_config, data_config, *,
                     needs_manual_dir: bool = True, **builder_kwargs):
  """The builder of `builder_config` in `config.data.data_dir`, prepared once.

  Args:
    builder_cls: a tfds `GeneratorBasedBuilder` class of `cardiojax.datasets`.
    builder_config: its BuilderConfig or the name of one (None: its first).
    data_config: `config.data` with `data_dir` and `manual_dir`, and
      optionally `download_url` (a `download.Builder`'s corpus root, set by
      `cardiojax prepare --download`; used instead of `manual_dir`).
    needs_manual_dir: False for builders that make their examples (the
      simulator).
    **builder_kwargs: further builder arguments (e.g. skip_missing_records).

  Returns:
    The prepared builder; nothing is rewritten when it was prepared before.
    A preparation says so on stderr (tfds then shows its progress bars).

  Raises:
    ValueError: not prepared yet and `config.data.manual_dir` is not set, or
      it is not the corpus folder (`check_manual_dir`); one line naming
      --config.data.manual_dir and the fix.
  """
  download_url = getattr(data_config, "download_url", None)
  if download_url:
    builder_kwargs["download_url"] = download_url
  data_dir = os.path.expanduser(data_config.data_dir)
  builder = builder_cls(data_dir=data_dir, config=builder_config,
                        file_format="array_record", **builder_kwargs)
  prepared_now = not builder.is_prepared()
  if prepared_now:
    manual_dir = (os.path.expanduser(str(data_config.manual_dir))
                  if data_config.manual_dir and not download_url else None)
    if needs_manual_dir and not download_url:
      if manual_dir is None:
        raise ValueError(not_prepared_message(builder_cls, data_dir))
      manual_dir = check_manual_dir(builder_cls, manual_dir)
    source = (f"downloading from {download_url}" if download_url
              else f"from {manual_dir}" if manual_dir else "")
    print(f"preparing {corpus_name(builder_cls)} "
          f"({builder.builder_config.name}) {source} into {builder.data_dir}"
          " (once; later runs only read it)", file=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr):  # tfds prints its steps.
      builder.download_and_prepare(
          download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
  for seen in _WATCHERS:
    seen.append(PreparedBuilder(builder, prepared_now))
  return builder


def _holds(folder: pathlib.Path, markers) -> bool:
  return any(next(folder.glob(marker), None) is not None for marker in markers)


def _subfolders(folder: pathlib.Path) -> list[pathlib.Path]:
  try:
    return sorted(child for child in folder.iterdir() if child.is_dir())
  except OSError:
    return []


def check_manual_dir(builder_cls, manual_dir: str,
                     flag: str = TRAINING_FLAG) -> str:
  """The corpus folder to read: `manual_dir` itself when it holds one of the
  builder's `MANUAL_DIR_MARKERS`, or the one folder inside it that does (the
  unzipped PhysioNet folder inside the folder given; said on stderr).

  Args:
    builder_cls: the corpus's builder class (`MANUAL_DIR_MARKERS`: globs of
      which one identifies the corpus folder; `MANUAL_DIR_REQUIRED`: files it
      must hold besides; `CORPUS_NAME`; `MANUAL_DOWNLOAD_INSTRUCTIONS`).
    manual_dir: the folder given.
    flag: the flag that set it, named in errors ('--manual_dir' for
      `cardiojax prepare`).

  Returns:
    The corpus folder.

  Raises:
    ValueError: one line naming `flag` and the fix: no such folder, another
      corpus's folder, a folder inside the corpus (naming its parent),
      several corpus folders inside, or a required file missing.
  """
  markers = getattr(builder_cls, "MANUAL_DIR_MARKERS", ())
  folder = pathlib.Path(manual_dir)
  name = corpus_name(builder_cls)
  given = f"{flag}={manual_dir}"
  instructions = builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS
  if not folder.is_dir():
    raise ValueError(f"{given}: no such folder; pass {instructions}")
  if not markers:
    return str(folder)
  expected = " or ".join(markers)
  if not _holds(folder, markers):
    below = [child for child in _subfolders(folder) if _holds(child, markers)]
    if len(below) > 1:
      raise ValueError(f"{given}: this does not look like {name} (no "
                       f"{expected}), but {len(below)} folders inside do: "
                       f"pass one of them, e.g. {flag}={below[0]}")
    if not below and _holds(folder.parent, markers):
      raise ValueError(f"{given}: this does not look like {name} (no "
                       f"{expected}), but its parent does: pass "
                       f"{flag}={folder.parent}")
    if not below:
      raise ValueError(f"{given}: this does not look like {name}: no "
                       f"{expected} (nor in a folder inside it); pass "
                       f"{instructions}")
    print(f"using {below[0]}: the {name} folder inside {folder}",
          file=sys.stderr)
    folder = below[0]
  for required in getattr(builder_cls, "MANUAL_DIR_REQUIRED", ()):
    if not (folder / required).exists():
      raise ValueError(f"{flag}={folder}: no {required} beside {expected}; "
                       f"pass the complete folder: {instructions}")
  return str(folder)


def config_name(prefix: str, parts: tuple) -> str:
  """A builder config name that identifies `parts` (prepared-folder name)."""
  digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
  return f"{prefix}_{digest}"


def read_all(builder, split: str, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
  """Stacks the features `keys` of every example of a prepared split, decoded
  once and then loaded from the prepared folder (`columns.cached_columns`)."""

  def decode():
    data_source = builder.as_data_source(split)
    values = {key: [] for key in keys}
    for start in range(0, len(data_source), _READ_CHUNK):
      stop = min(start + _READ_CHUNK, len(data_source))
      for example in data_source.__getitems__(list(range(start, stop))):
        for key in keys:
          values[key].append(example[key])
    return {key: np.asarray(value) for key, value in values.items()}

  return columns.cached_columns(builder.data_dir, split, keys, decode)


def read_fields(builder, keys):
  """Reads the small fields `keys` of every prepared record of every split.

  Returns:
    (data_sources, refs, fields): builder split -> tfds data source; (N,)
    references (builder split, row) of the records; key -> (N, ...) array.
  """
  data_sources = {split: builder.as_data_source(split)
                  for split in builder.info.splits}
  refs, values = [], {key: [] for key in keys}
  for split, source in data_sources.items():
    for row in range(len(source)):
      record = source[row]
      refs.append((split, row))
      for key in keys:
        values[key].append(record[key])
  return data_sources, refs, {key: np.asarray(v) for key, v in values.items()}
