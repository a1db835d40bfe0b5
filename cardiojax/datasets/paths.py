"""The prepared-data root: the one place where corpora are prepared and read.

`data_root()` is `$CARDIOJAX_DATA_DIR`, else `~/cardiojax_data/tfds`. Every
built-in config reads its corpus from there (`config.data.data_dir`, set by
`configs.common.data_dir()`), `cardiojax prepare` writes there, and
`cardiojax prepare CORPUS --download` keeps the raw PhysioNet files in
`<root>/downloads/<corpus>` (the tfds download folder of the root).
"""

import os
import pathlib

ENV_VAR = "CARDIOJAX_DATA_DIR"


def data_root() -> str:
  """The prepared-data root: $CARDIOJAX_DATA_DIR, else ~/cardiojax_data/tfds
  (an absolute path; the folder is created when a corpus is prepared)."""
  root = os.environ.get(ENV_VAR) or str(
      pathlib.Path.home() / "cardiojax_data" / "tfds")
  return os.path.abspath(os.path.expanduser(root))


def downloads_dir(data_dir: str, corpus: str) -> pathlib.Path:
  """Where `--download` puts the raw files of `corpus` (a builder name, e.g.
  'ptbxl') for the prepared-data folder `data_dir`."""
  return pathlib.Path(data_dir) / "downloads" / corpus
