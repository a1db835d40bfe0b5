"""The speed benchmark runs end to end at a tiny size, so it cannot rot.

Times nothing: it checks that `speed.py --tiny` builds, runs and reports both
frameworks (cardiojax alone without the `[torch]` extra) and writes its JSON.
"""

import importlib.util
import json
import pathlib

from absl import flags

_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name):
  spec = importlib.util.spec_from_file_location(
      name, _ROOT / "experiments" / "benchmarks" / f"{name}.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_speed_tiny_writes_table_and_json(tmp_path, capsys):
  speed = _load("speed")
  out = tmp_path / "speed.json"
  flags.FLAGS(["speed", "--tiny", f"--json_out={out}"])
  try:
    speed.main([])
  finally:
    flags.FLAGS.tiny, flags.FLAGS.json_out = False, None
  report = json.loads(out.read_text())
  (result,) = report["results"]
  frameworks = {"jax", "torch"} if speed.torch is not None else {"jax"}
  assert set(result["first_step_s"]) == frameworks
  for kind in ("train", "infer", "latency"):
    assert {k for k in result[kind] if k != "jax_over_torch_time"} == frameworks
    assert all(result[kind][k]["examples_per_s"] > 0 for k in frameworks)
  assert result["params"] == 146_757
  assert report["machine"]["loadavg_before"] and report["versions"]["jax"]
  assert "| transformer | 256 x 12 |" in capsys.readouterr().out
