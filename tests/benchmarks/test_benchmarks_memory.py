"""Memory: the benchmark runs end to end at smoke size, and the main job's
corpus is loaded with one copy of its data.

`memory.py` on `configs/seq2seq.py:smoke` trains and scores the smoke run in a
child process and writes its JSON (peak RSS, CPU times, page faults, XLA's
buffer plan). The intracardiac loader writes the examples into arrays
allocated once and sorts them in place: its split tables equal the reference
(every example of the split, in sample order) and its Python-side peak stays
near the size of the data instead of three copies.
"""

import collections
import json
import math
import shutil
import pathlib
import subprocess
import sys
import tracemalloc

import numpy as np
from ml_collections import config_dict

from cardiojax.datasets import columns
from cardiojax.datasets import intracardiac
from cardiojax.simulate import intracardiac as simulator

_ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_memory_benchmark_writes_the_job_figures(tmp_path):
  out = tmp_path / "memory.json"
  done = subprocess.run(
      [sys.executable, str(_ROOT / "experiments" / "benchmarks" / "memory.py"),
       "--config=configs/seq2seq.py:smoke", "--label=ci", "--xla_plan",
       f"--json_out={out}"], cwd=_ROOT, capture_output=True, text=True,
      timeout=600, check=True)
  assert "| ci | `configs/seq2seq.py:smoke` |" in done.stdout
  report = json.loads(out.read_text())
  assert report["benchmark"] == "memory" and report["versions"]["jax"]
  run, = report["runs"]
  assert run["label"] == "ci" and run["checkout"]["commit"]
  assert "cardiojax.main --config=configs/seq2seq.py:smoke" in run["command"]
  measured = run["measured"]
  for key in ("wall_s", "user_s", "peak_rss_mb", "minor_faults"):
    assert math.isfinite(measured[key]) and measured[key] > 0, key
  assert measured["sys_over_user"] == measured["sys_s"] / measured["user_s"]
  assert 100 < measured["peak_rss_mb"] < 20_000  # a Python process with jax
  assert measured["wall_s"] >= measured["user_s"] / 8  # at most 8 busy cores
  for step in ("train", "eval"):
    plan = run["xla_plan_mb"][step]
    assert plan["temp"] > 0 and plan["argument"] > 0
  assert run["xla_plan_mb"]["train"]["batch_size"] == 8  # the smoke batch
  # A second run of another label joins the file; the same label replaces.
  runs = report["runs"] + [{**run, "label": "other"}]
  out.write_text(json.dumps({**report, "runs": runs}))
  subprocess.run(
      [sys.executable, str(_ROOT / "experiments" / "benchmarks" / "memory.py"),
       "--config=configs/seq2seq.py:smoke", "--label=ci", f"--json_out={out}"],
      cwd=_ROOT, capture_output=True, text=True, timeout=600, check=True)
  assert sorted(r["label"] for r in json.loads(out.read_text())["runs"]) == [
      "ci", "other"]


def _data_config(tmp_path, **fields):
  return config_dict.ConfigDict({
      "name": "intracardiac", "source": "simulated", "target": "vm",
      "data_dir": str(tmp_path / "tfds"), "manual_dir": None,
      "num_samples": 60, "seed": 3, "num_hearts": 5, "validation_hearts": 1,
      "test_hearts": 1, "split_seed": 1, "noise_std_mv": 0.02, **fields})


def test_simulated_splits_are_the_examples_in_sample_order(tmp_path):
  config = _data_config(tmp_path)
  splits = intracardiac.load(config)
  data = simulator.simulate(60, 3, simulator.SimulatorConfig(
      num_hearts=5, noise_std_mv=0.02))
  hearts = intracardiac.split_hearts(5, 1, 1, 1)
  ecg = data["ecg"]
  train = np.isin(data["heart"], hearts["train"])
  mean, std = ecg[train].mean(axis=(0, 1)), ecg[train].std(axis=(0, 1)) + 1e-6
  for split, ids in hearts.items():
    rows = np.flatnonzero(np.isin(data["heart"], ids))  # sample order
    source = splits.sources[split]
    np.testing.assert_array_equal(source.targets, data["vm"][rows])
    np.testing.assert_allclose(source.arrays["inputs"],
                               (ecg[rows] - mean) / std, rtol=1e-5, atol=1e-5)
    assert splits.clusters(split).tolist() == [
        f"heart_{h:02d}" for h in data["heart"][rows]]
  assert source.targets is source.arrays["targets"]  # no copy


def test_llnl_splits_are_sorted_in_place_with_one_copy_of_the_data(
    tmp_path, monkeypatch):
  pairs = simulator.write_llnl_files(tmp_path / "llnl", 10, 12)
  config = _data_config(tmp_path, source="llnl", manual_dir=str(tmp_path / "llnl"))
  prepared_dir = intracardiac.load(config).info["prepared_dir"]  # prepares once
  monkeypatch.setattr(intracardiac, "_READ_CHUNK", 16)  # examples decoded at once
  # Decoded from the records (the kept columns removed), then loaded from the
  # columns that decoding kept (`cardiojax.datasets.columns`).
  shutil.rmtree(pathlib.Path(prepared_dir) / columns.FOLDER)
  for attempt in range(2):
    tracemalloc.start()
    splits = intracardiac.load(config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    data_bytes = sum(source.arrays[key].nbytes for source in splits.sources.values()
                     for key in ("inputs", "targets"))
    assert data_bytes == 120 * 500 * (12 + 75) * 4
    # 1.2x here (the decoded chunks, the reader); copies instead gave 1.6x.
    assert peak < 1.4 * data_bytes, (attempt, peak, data_bytes)
  assert (pathlib.Path(prepared_dir) / columns.FOLDER / "train" / "vm.npy").is_file()
  vm_path = {(p.parent.name, p.name[len("pECGData_"):-len(".npy")]): v
             for p, v in pairs}
  for split, source in splits.sources.items():
    folders = splits.clusters(split)
    assert collections.Counter(folders) == dict.fromkeys(folders, 12)
    # Sample order: by sample id (the file suffix), then folder.
    rows = sorted(((suffix, folder) for folder, suffix in vm_path
                   if folder in set(folders)))
    assert list(folders) == [folder for _, folder in rows]
    np.testing.assert_array_equal(source.targets, np.stack(
        [intracardiac.read_llnl_vm(vm_path[(f, s)]) for s, f in rows]))
