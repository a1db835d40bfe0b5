"""The prepared GPU run (`experiments/benchmarks/gpu.sh`) works end to end, on CPU.

`gpu.sh --dry-run` runs the same steps as on a GPU (speed.py in bfloat16 against
torch autocast with the MFU, end_to_end.py) at tiny sizes and installs nothing.
Its subprocesses share this session's persistent compilation cache: warm, the
run takes ~25 s on 2 cores; cold (a fresh cache) ~1.5-2.5 min, most of it XLA
compiling the four models in bfloat16.
"""

import json
import os
import pathlib
import subprocess
import sys

import jax

_ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_gpu_script_dry_run(tmp_path):
  env = {**os.environ, "PYTHON": sys.executable}
  if jax.config.jax_compilation_cache_dir:  # the session's cache, for the subprocesses
    env["JAX_COMPILATION_CACHE_DIR"] = jax.config.jax_compilation_cache_dir
    env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
  env.pop("XLA_FLAGS", None)  # one CPU device, as a user's run
  run = subprocess.run(["bash", str(_ROOT / "experiments/benchmarks/gpu.sh"), "--dry-run",
                        "--out", str(tmp_path)], env=env, capture_output=True, text=True,
                       timeout=600, check=False)
  assert run.returncode == 0, run.stderr[-3000:]
  summary = json.loads((tmp_path / "summary.json").read_text())
  assert summary["dry_run"] and summary["backend"] == "cpu"
  assert [(s["step"], s["exit_status"]) for s in summary["steps"]] == [
      ("speed_bf16", 0), ("end_to_end", 0)]

  speed = json.loads((tmp_path / "speed_bf16.json").read_text())
  assert [r["case"] for r in speed["results"]] == [
      "resnet34", "ribeiro_resnet", "bilstm", "transformer"]
  for result in speed["results"]:
    assert result["compute_dtype"] == "bfloat16" and result["input"][0] == 128
    assert result["train_step_tflop"] > 0 and result["peak_tflop_s"] == 1
    assert result["mfu"] == result["train_tflop_s"] / 1
    frameworks = {"jax", "torch"} if speed["settings"]["torch"] else {"jax"}
    assert {k for k in result["train"] if k != "jax_over_torch_time"} == frameworks
  end_to_end = json.loads((tmp_path / "end_to_end.json").read_text())
  assert end_to_end["model"] == "transformer" and end_to_end["steps_measured"] == 4
  assert 0 <= end_to_end["input_wait_fraction"] < 1


def test_gpu_script_rejects_unknown_arguments(tmp_path):
  run = subprocess.run(["bash", str(_ROOT / "experiments/benchmarks/gpu.sh"), "--fast"],
                       capture_output=True, text=True, check=False)
  assert run.returncode == 2
  assert run.stderr.strip() == ("gpu.sh: unknown argument '--fast'; expected --dry-run, "
                                "--skip-install or --out DIR")
