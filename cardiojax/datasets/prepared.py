"""Prepared tfds builders: prepare once into data_dir, then only read."""

import hashlib
import os
import pathlib

import numpy as np
import tensorflow_datasets as tfds

_READ_CHUNK = 1024


def prepared_builder(builder_cls, builder_config, data_config, *,
                     needs_manual_dir: bool = True, **builder_kwargs):
  """The builder of `builder_config` in `config.data.data_dir`, prepared once.

  Args:
    builder_cls: a tfds `GeneratorBasedBuilder` class of `cardiojax.datasets`.
    builder_config: its BuilderConfig or the name of one.
    data_config: `config.data` with `data_dir` and `manual_dir`.
    needs_manual_dir: False for builders that make their examples (the
      simulator).
    **builder_kwargs: further builder arguments (e.g. skip_missing_records).

  Returns:
    The prepared builder; nothing is rewritten when it was prepared before.

  Raises:
    ValueError: not prepared yet and `config.data.manual_dir` is not set.
  """
  builder = builder_cls(data_dir=os.path.expanduser(data_config.data_dir),
                        config=builder_config, file_format="array_record",
                        **builder_kwargs)
  if builder.is_prepared():
    return builder
  if needs_manual_dir and not data_config.manual_dir:
    raise ValueError(
        f"config.data.manual_dir: {builder.data_dir} is not prepared yet; set "
        f"--config.data.manual_dir to the raw files "
        f"({builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS})")
  if needs_manual_dir:
    check_manual_dir(builder_cls, os.path.expanduser(str(data_config.manual_dir)))
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
      manual_dir=data_config.manual_dir and
      os.path.expanduser(str(data_config.manual_dir))))
  return builder


def _holds(folder: pathlib.Path, markers) -> bool:
  return any(next(folder.glob(marker), None) is not None for marker in markers)


def check_manual_dir(builder_cls, manual_dir: str) -> None:
  """Checks that `manual_dir` is the corpus folder (it holds one of the
  builder's `MANUAL_DIR_MARKERS`); the error names the folder to pass when
  the corpus is one level below (the parent of the unzipped folder) or above.

  Raises:
    ValueError: one line naming config.data.manual_dir and the fix.
  """
  markers = getattr(builder_cls, "MANUAL_DIR_MARKERS", ())
  folder = pathlib.Path(manual_dir)
  if not markers or _holds(folder, markers):
    return
  name = getattr(builder_cls, "CORPUS_NAME", builder_cls.__name__)
  field = f"config.data.manual_dir={manual_dir}"
  if not folder.is_dir():
    raise ValueError(f"{field}: no such folder; pass the folder of {name}")
  below = sorted(child for child in folder.iterdir()
                 if child.is_dir() and _holds(child, markers))
  if below:
    raise ValueError(f"{field}: this does not look like {name} (no "
                     f"{' or '.join(markers)}), but {below[0]} does: pass "
                     f"--config.data.manual_dir={below[0]}")
  if _holds(folder.parent, markers):
    raise ValueError(f"{field}: this does not look like {name} (no "
                     f"{' or '.join(markers)}), but its parent does: pass "
                     f"--config.data.manual_dir={folder.parent}")
  raise ValueError(f"{field}: this does not look like {name}: no "
                   f"{' or '.join(markers)} ({builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS})")


def config_name(prefix: str, parts: tuple) -> str:
  """A builder config name that identifies `parts` (prepared-folder name)."""
  digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
  return f"{prefix}_{digest}"


def read_all(data_source, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
  """Stacks the features `keys` of every example of a tfds data source."""
  columns = {key: [] for key in keys}
  for start in range(0, len(data_source), _READ_CHUNK):
    stop = min(start + _READ_CHUNK, len(data_source))
    for example in data_source.__getitems__(list(range(start, stop))):
      for key in keys:
        columns[key].append(example[key])
  return {key: np.asarray(value) for key, value in columns.items()}


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
