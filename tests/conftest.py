"""Test set-up shared by every test module.

Runs before JAX initialises: CPU only, 4 virtual CPU devices (for the
data-parallel tests) and the persistent compilation cache that runs use
(`cardiojax.train.compilation_cache`, outside the clone).
(`--xla_backend_optimization_level=0` would halve compile times, but it gave
NaN gradients for the ResNets of the zoo on XLA:CPU, so it is not used.)
"""

import importlib
import os
import pathlib

os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["XLA_FLAGS"] = " ".join([
    os.environ.get("XLA_FLAGS", ""),
    "--xla_force_host_platform_device_count=4",
]).strip()

import pytest  # noqa: E402  (this and below follow the environment set-up)

from cardiojax.train import compilation_cache  # noqa: E402

compilation_cache.enable()  # the folder a run uses ($CARDIOJAX_COMPILATION_CACHE)

_DEFAULT_SHARED_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> pathlib.Path:
  """The folder of real corpus subsets (../shared/data or $CARDIOJAX_SHARED_DATA).

  Skips when it is absent and not required; fails when
  CARDIOJAX_REQUIRE_SHARED_DATA=1 (as in CI).
  """
  root = pathlib.Path(os.environ.get("CARDIOJAX_SHARED_DATA", _DEFAULT_SHARED_DATA))
  if not (root / "README.md").is_file():
    message = (f"shared data not found at {root}; set CARDIOJAX_SHARED_DATA "
               "to the folder holding mitdb/, ptbxl/, ...")
    if os.environ.get("CARDIOJAX_REQUIRE_SHARED_DATA") == "1":
      pytest.fail(message)
    pytest.skip(message)
  return root


class SmokeRuns:
  """Smoke runs (`configs/<name>.py:smoke`) trained once per test session.

  `workdir(name)` trains the run on first use (one validation, one
  checkpoint) and returns its run directory; `config(name)` is a fresh copy
  of its config, reading the same prepared data. Tests share the runs: they
  read them and write only their own outputs (predictions/, explain/).
  """

  def __init__(self, root: pathlib.Path):
    self.root = root
    self._workdirs = {}

  def config(self, name: str):
    config = importlib.import_module(f"configs.{name}").get_config("smoke")
    config.data.data_dir = str(self.root / "tfds")
    config.train.eval_every = config.train.num_steps
    return config

  def workdir(self, name: str) -> pathlib.Path:
    if name not in self._workdirs:
      from cardiojax import modes  # pylint: disable=g-import-not-at-top
      workdir = self.root / name
      modes.run(self.config(name), mode="train", workdir=str(workdir),
                config_path=f"configs/{name}.py:smoke")
      self._workdirs[name] = workdir
    return self._workdirs[name]


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory, shared_data) -> SmokeRuns:
  """The session's `SmokeRuns` (the smoke configs read the shared data)."""
  del shared_data
  return SmokeRuns(tmp_path_factory.mktemp("smoke_runs"))
