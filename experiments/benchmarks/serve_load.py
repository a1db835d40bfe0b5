r"""Load test of the viewer's JSON API (`python -m cardiojax.serve`).

Two servers are started as their own processes on 127.0.0.1, one per smoke
run trained here (configs/ptbxl.py:smoke and configs/beats_mitdb.py:smoke,
`--train_steps` steps each, corpora prepared from ../shared/data into a
temporary folder). Then every request is sent at once, one thread each:

  12-lead  `--twelve_lead` (50) POST /predict of PTB-XL record 00001 at
           500 Hz (records500/00000/00001_hr: 10 s, 12 leads, .hea + .dat)
           to the PTB-XL server;
  holter   `--holter` (10) POST /predict of MIT-BIH record 100 (30 min, two
           leads at 360 Hz, .hea + .dat) to the beat server.

Each answer must equal `cardiojax.load(workdir).predict_record(path)` of the
same file in this process (`Prediction.to_json()`, compared as JSON); a 5xx,
a wrong answer or a request still running after `--timeout_s` fails the run
(exit status 1). The servers run one model call at a time (one lock per
server), so latencies include the queue. Latency is from sending a request to
having read its answer; p50 and p95 per kind (nearest-rank percentiles) go to
`--json_out` with the machine and versions.

  python experiments/benchmarks/serve_load.py \
      --json_out=experiments/benchmarks/serve_load.json
"""

import concurrent.futures
import contextlib
import importlib
import json
import logging
import math
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags
import httpx

import cardiojax
from cardiojax import modes

_HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parents[1]))  # the repository root, for `configs`
from configs import common  # pylint: disable=g-import-not-at-top,wrong-import-position

sys.path.insert(0, str(_HERE))
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position

_TWELVE_LEAD = flags.DEFINE_integer("twelve_lead", 50,
                                    "concurrent 12-lead requests")
_HOLTER = flags.DEFINE_integer("holter", 10, "concurrent Holter requests")
_TIMEOUT_S = flags.DEFINE_float("timeout_s", 600.0,
                                "the burst's time limit in seconds")
_TRAIN_STEPS = flags.DEFINE_integer("train_steps", 2,
                                    "training steps of each smoke run")
_JSON_OUT = flags.DEFINE_string("json_out", None, "where to write the results")

# kind -> (config, record under the shared data)
CASES = {"12-lead": ("ptbxl", "ptbxl/records500/00000/00001_hr"),
         "holter": ("beats_mitdb", "mitdb/100")}
STARTUP_S = 300.0


def train(name: str, root: pathlib.Path) -> pathlib.Path:
  """Trains the smoke run of configs/<name>.py under `root`."""
  config = importlib.import_module(f"configs.{name}").get_config("smoke")
  config.data.data_dir = str(root / "tfds")
  config.train.num_steps = config.train.eval_every = _TRAIN_STEPS.value
  config.train.log_every = _TRAIN_STEPS.value
  modes.run(config, mode="train", workdir=str(root / name),
            config_path=f"configs/{name}.py:smoke")
  return root / name


def free_port() -> int:
  with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    return probe.getsockname()[1]


@contextlib.contextmanager
def server(workdir: pathlib.Path, log: pathlib.Path):
  """`python -m cardiojax.serve` on a free port; yields its URL once
  /health answers; stops it (this process only) at the end."""
  port = free_port()
  with open(log, "w") as out:
    process = subprocess.Popen(
        [sys.executable, "-m", "cardiojax.serve", f"--workdir={workdir}",
         "--host=127.0.0.1", f"--port={port}"], stdout=out,
        stderr=subprocess.STDOUT)
  url = f"http://127.0.0.1:{port}"
  try:
    deadline = time.monotonic() + STARTUP_S
    while True:
      if process.poll() is not None:
        raise RuntimeError(f"the server of {workdir} exited: see {log}")
      try:
        if httpx.get(f"{url}/health", timeout=5).status_code == 200:
          break
      except httpx.TransportError:
        pass
      if time.monotonic() > deadline:
        raise RuntimeError(f"the server of {workdir} did not start in "
                           f"{STARTUP_S:g} s: see {log}")
      time.sleep(0.5)
    yield url
  finally:
    process.terminate()
    try:
      process.wait(timeout=30)
    except subprocess.TimeoutExpired:
      process.kill()


def post(url: str, files: list[pathlib.Path], timeout: float):
  """(seconds, status, JSON answer or None) of one POST /predict."""
  body = [("files", (p.name, p.read_bytes())) for p in files]
  start = time.perf_counter()
  answer = httpx.post(f"{url}/predict", files=body, timeout=timeout)
  seconds = time.perf_counter() - start
  parsed = answer.json() if answer.status_code == 200 else None
  return seconds, answer.status_code, parsed


def percentile(values: list[float], q: float) -> float:
  """Nearest-rank percentile."""
  ordered = sorted(values)
  return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def main(argv):
  del argv
  logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request
  load_before = os.getloadavg()
  shared = pathlib.Path(common.shared_data())
  counts = {"12-lead": _TWELVE_LEAD.value, "holter": _HOLTER.value}
  with contextlib.ExitStack() as stack:
    root = pathlib.Path(stack.enter_context(
        tempfile.TemporaryDirectory(prefix="serve_load_")))
    urls, expected, files = {}, {}, {}
    for kind, (name, record) in CASES.items():
      workdir = train(name, root)
      files[kind] = [shared / f"{record}.hea", shared / f"{record}.dat"]
      expected[kind] = json.loads(json.dumps(
          cardiojax.load(workdir).predict_record(files[kind][0]).to_json()))
      urls[kind] = stack.enter_context(server(workdir, root / f"{name}.log"))
    jobs = [kind for kind, count in counts.items() for _ in range(count)]
    pool = stack.enter_context(
        concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)))
    start = time.perf_counter()
    futures = {pool.submit(post, urls[kind], files[kind], _TIMEOUT_S.value):
               kind for kind in jobs}
    done, late = concurrent.futures.wait(futures, timeout=_TIMEOUT_S.value)
    burst_s = time.perf_counter() - start
    results = {kind: {"requests": count, "latencies_s": [], "status": {},
                      "correct": 0, "failed": []}
               for kind, count in counts.items()}
    for future in done:
      row = results[futures[future]]
      try:
        seconds, status, answer = future.result()
      except httpx.HTTPError as error:
        row["failed"].append(f"{type(error).__name__}: {error}")
        continue
      row["latencies_s"].append(seconds)
      row["status"][str(status)] = row["status"].get(str(status), 0) + 1
      row["correct"] += int(answer == expected[futures[future]])
    for future in late:
      results[futures[future]]["failed"].append(
          f"still running after {_TIMEOUT_S.value:g} s")
      future.cancel()
  for kind, row in results.items():
    latencies = row.pop("latencies_s")
    row.update({"p50_s": percentile(latencies, 50) if latencies else None,
                "p95_s": percentile(latencies, 95) if latencies else None,
                "max_s": max(latencies, default=None),
                "record": CASES[kind][1]})
    seconds = {key: "-" if row[key] is None else f"{row[key]:.3f} s"
               for key in ("p50_s", "p95_s", "max_s")}
    print(f"{kind}: {row['requests']} requests, {row['correct']} correct, "
          f"status {row['status']}, p50 {seconds['p50_s']}, p95 "
          f"{seconds['p95_s']}, max {seconds['max_s']}, failed "
          f"{len(row['failed'])}")
  ok = all(row["correct"] == row["requests"] and not row["failed"]
           for row in results.values())
  print(f"burst {burst_s:.1f} s; {'all answers correct' if ok else 'FAILED'}")
  bench_common.write_json(_JSON_OUT.value, {
      **bench_common.environment("serve_load", (
          "jax", "jaxlib", "fastapi", "uvicorn", "httpx"), None, load_before),
      "settings": {"twelve_lead": counts["12-lead"], "holter": counts["holter"],
                   "timeout_s": _TIMEOUT_S.value,
                   "train_steps": _TRAIN_STEPS.value,
                   "servers": "python -m cardiojax.serve, one process per "
                              "run, 127.0.0.1"},
      "burst_s": burst_s, "all_correct": ok, "results": results})
  return 0 if ok else 1


if __name__ == "__main__":
  app.run(main)
