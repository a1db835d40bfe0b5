"""The predict throughput benchmark runs end to end at a tiny size, so it cannot rot.

Times nothing: it checks that `predict_throughput.py --tiny` trains its three
smoke runs, predicts a 10 min Holter record and 3 PTB-XL records through
`cardiojax.load(...).predict`, times the model alone beside the torch twins
(cardiojax alone without the `[torch]` extra) and writes its JSON with
positive, finite figures.
"""

import importlib.util
import json
import math
import pathlib

from absl import flags

_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load(name):
  spec = importlib.util.spec_from_file_location(
      name, _ROOT / "experiments" / "benchmarks" / f"{name}.py")
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def _positive(value) -> bool:
  return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_predict_throughput_tiny_writes_table_and_json(tmp_path, capsys, shared_data):
  del shared_data  # read by the benchmark through configs.common.shared_data
  bench = _load("predict_throughput")
  out = tmp_path / "predict.json"
  flags.FLAGS(["predict_throughput", "--tiny", f"--json_out={out}",
               f"--runs_dir={tmp_path / 'runs'}"])
  try:
    bench.main([])
  finally:
    flags.FLAGS.tiny, flags.FLAGS.json_out, flags.FLAGS.runs_dir = False, None, None
  report = json.loads(out.read_text())
  assert report["benchmark"] == "predict_throughput"
  assert report["machine"]["loadavg_before"] and report["versions"]["jax"]
  assert report["settings"]["level"] == "tiny"
  use_torch = bench.torch is not None
  assert report["settings"]["torch"] == use_torch
  results = {r["case"]: r for r in report["results"]}
  assert set(results) == {"holter", "ptbxl", "cpsc2018"}
  assert [results[c]["model"] for c in ("holter", "ptbxl", "cpsc2018")] == [
      "deep_cnn", "xresnet1d18", "resnet34"]  # the smoke-size models
  for case, r in results.items():
    predict = r["predict"]
    assert predict["records"] == (1 if case == "holter" else 3)
    assert predict["items"] >= predict["records"]
    for value in (r["train_s"], r["load_s"], r["params"], predict["first_pass_s"],
                  predict["items_per_s"], predict["predict"]["items_per_s"],
                  predict["predict"]["median_s"], predict["split_s"]["prepare"],
                  predict["split_s"]["model"], predict["split_s"]["signal_check_alone"]):
      assert _positive(value), (case, value)
    assert math.isfinite(predict["split_s"]["rest"])
    alone = r["model_alone"]
    assert alone["items"] == predict["items"]
    assert _positive(alone["cardiojax"]["items_per_s"])
    if use_torch:
      assert alone["torch_twin"]["params"] == r["params"]
      assert _positive(alone["torch"]["items_per_s"])
      assert _positive(alone["cardiojax_over_torch_time"])
    else:
      assert alone["torch_twin"] is None and "torch" not in alone
  holter = results["holter"]
  assert _positive(holter["seconds_per_24h"])
  assert holter["target"]["measured_on_24h"] is False
  assert isinstance(holter["target"]["met"], bool)
  assert holter["predict"]["record_seconds"] == 600.0
  assert _positive(results["ptbxl"]["seconds_per_record"])
  printed = capsys.readouterr().out
  assert "| holter | deep_cnn (" in printed and "Target: a 24 h Holter record" in printed
