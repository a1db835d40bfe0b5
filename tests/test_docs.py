"""The API reference builds with no warning, and the tutorials execute.

`docs/build_api.py` renders the pdoc reference of `cardiojax` and `configs`
(in a subprocess, `-W error`; the script itself fails on any warning pdoc
raises). Each tutorial in docs/tutorials/ (a jupytext percent script) is
executed as a notebook, as a reader runs it: jupytext -> nbformat -> nbclient,
in an ipykernel of this very interpreter (a kernel spec written into
tmp_path, so no user or system kernel is picked up), one CPU device, its
files in tmp_path (`CARDIOJAX_TUTORIAL_DIR`). The tutorials assert their own
sanity facts (finite metrics, beats found, 12 lead importances).
"""

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
TUTORIALS = sorted((REPO / "docs" / "tutorials").glob("[0-9][0-9]_*.py"))


def _build_api(output_dir, *modules) -> subprocess.CompletedProcess:
  return subprocess.run(
      [sys.executable, "-W", "error", str(REPO / "docs" / "build_api.py"),
       str(output_dir), *modules],
      cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def test_api_reference_builds_without_warnings(tmp_path):
  out = tmp_path / "api"
  result = _build_api(out)
  assert result.returncode == 0, result.stderr[-5000:]
  assert "warning" not in result.stderr.lower(), result.stderr[-5000:]
  for page in ("index.html", "cardiojax.html", "configs.html",
               "cardiojax/models.html", "cardiojax/predictor.html",
               "cardiojax/explain/attributions.html",
               "cardiojax/datasets/mitdb.html", "configs/seq2seq.html"):
    assert (out / page).is_file(), page
  predictor = (out / "cardiojax" / "predictor.html").read_text()
  # Google-style sections rendered, backticks as code linked to the member.
  assert '<h6 id="arguments">Arguments:</h6>' in predictor
  assert ("Loads the best checkpoint and the input contract of <code>"
          in predictor)
  models = (out / "cardiojax" / "models.html").read_text()
  assert "MODELS" in models and "ResNet34" in models
  assert "ECG to transmembrane voltage" in (
      out / "configs" / "seq2seq.html").read_text()


def test_api_reference_fails_on_a_warning(tmp_path):
  module = tmp_path / "unresolved_annotation.py"
  module.write_text('"""A module with an annotation pdoc cannot resolve."""\n\n\n'
                    'def f(x: "NoSuchType") -> None:\n'
                    '  """Takes `x`."""\n')
  result = _build_api(tmp_path / "api", str(module))
  assert result.returncode == 1, result.stdout + result.stderr
  assert "NoSuchType" in result.stderr and "1 warnings" in result.stderr


def _kernel_manager(tmp_path):
  """A kernel manager for an ipykernel of this interpreter."""
  from ipykernel import kernelspec  # pylint: disable=g-import-not-at-top
  from jupyter_client import manager  # pylint: disable=g-import-not-at-top
  from jupyter_client.kernelspec import KernelSpecManager  # pylint: disable=g-import-not-at-top
  kernels = tmp_path / "kernels"
  kernelspec.write_kernel_spec(path=kernels / "cardiojax")  # argv: sys.executable
  return manager.AsyncKernelManager(
      kernel_name="cardiojax",
      kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))


def _tutorial_env(work: pathlib.Path, shared_data: pathlib.Path) -> dict:
  env = dict(os.environ)
  env.update({
      "CARDIOJAX_TUTORIAL_DIR": str(work),
      "CARDIOJAX_SHARED_DATA": str(shared_data),
      "JAX_PLATFORMS": "cpu",
      # One device, as a reader's CPU (tests/conftest.py makes 4 virtual ones).
      "XLA_FLAGS": env.get("XLA_FLAGS", "").replace(
          "--xla_force_host_platform_device_count=4", "").strip(),
  })
  return env


@pytest.mark.slow
@pytest.mark.parametrize("script", TUTORIALS, ids=lambda path: path.stem)
def test_tutorial_executes_as_a_notebook(script, tmp_path, shared_data):
  import jupytext  # pylint: disable=g-import-not-at-top
  import nbclient  # pylint: disable=g-import-not-at-top

  notebook = jupytext.read(script)
  work = tmp_path / "work"
  client = nbclient.NotebookClient(
      notebook, km=_kernel_manager(tmp_path), timeout=600,
      resources={"metadata": {"path": str(REPO)}})
  # Raises on an error; shuts the kernel down afterwards (the client does
  # not own `km`, so it would keep the kernel alive by default).
  client.execute(cleanup_kc=True, env=_tutorial_env(work, shared_data))

  outputs = [output for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs]
  shown = [output for output in outputs if "image/png" in output.get("data", {})]
  written = sorted(work.rglob("*.png"))
  assert shown, f"{script.name}: no figure shown"
  assert len(written) >= len(shown), written
  assert all(path.stat().st_size > 10_000 for path in written), written


def test_three_tutorials():
  assert [path.name for path in TUTORIALS] == [
      "01_main_job.py", "02_beat_classifier.py", "03_explain_12_lead.py"]
