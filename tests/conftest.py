"""Test set-up shared by every test module.

Runs before JAX initialises: CPU only, 4 virtual CPU devices (for the
data-parallel tests) and a persistent compilation cache outside the clone.
(`--xla_backend_optimization_level=0` would halve compile times, but it gave
NaN gradients for the ResNets of the zoo on XLA:CPU, so it is not used.)
"""

import os
import pathlib

os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["XLA_FLAGS"] = " ".join([
    os.environ.get("XLA_FLAGS", ""),
    "--xla_force_host_platform_device_count=4",
]).strip()

import jax  # noqa: E402  (must follow the environment set-up above)
import pytest  # noqa: E402

jax.config.update(
    "jax_compilation_cache_dir",
    os.path.expanduser("~/.cache/cardiojax/jax_compilation_cache"))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)

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
