"""Fixtures of the viewer's tests: smoke runs, live servers, shared records.

`serve_runs` trains configs/ptbxl.py:smoke and configs/beats_mitdb.py:smoke
once for both test modules (session scope: training both takes most of the
tests' time); `start_server(app)` serves an application with uvicorn
on a free port of 127.0.0.1 in a background thread (stopped with the module).
"""

import importlib
import socket
import threading
import time

import pytest
import uvicorn

from cardiojax import modes


@pytest.fixture(scope="session")
def serve_runs(tmp_path_factory, shared_data) -> dict:
  """name -> workdir of the smoke runs 'ptbxl' and 'beats_mitdb'."""
  del shared_data  # the smoke configs read it
  root = tmp_path_factory.mktemp("runs")
  workdirs = {}
  for name in ("ptbxl", "beats_mitdb"):
    config = importlib.import_module(f"configs.{name}").get_config("smoke")
    config.data.data_dir = str(root / "tfds")
    config.train.eval_every = config.train.num_steps
    workdirs[name] = root / name
    modes.run(config, mode="train", workdir=str(workdirs[name]),
              config_path=f"configs/{name}.py:smoke")
  return workdirs


@pytest.fixture(scope="session")
def ptbxl_files(shared_data) -> list:
  """PTB-XL record 00001 at 100 Hz: its .hea and .dat."""
  return [shared_data / "ptbxl/records100/00000/00001_lr.hea",
          shared_data / "ptbxl/records100/00000/00001_lr.dat"]


@pytest.fixture(scope="session")
def holter_files(shared_data) -> list:
  """MIT-BIH record 100 (30 min, two leads): its .hea and .dat."""
  return [shared_data / "mitdb/100.hea", shared_data / "mitdb/100.dat"]


@pytest.fixture(scope="module")
def start_server():
  """`start(app) -> url`: serves `app` on 127.0.0.1 until the module ends."""
  running = []

  def start(app) -> str:
    with socket.socket() as probe:
      probe.bind(("127.0.0.1", 0))
      port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    running.append((server, thread))
    deadline = time.monotonic() + 30
    while not server.started:
      if not thread.is_alive() or time.monotonic() > deadline:
        raise RuntimeError(f"the test server did not start on port {port}")
      time.sleep(0.02)
    return f"http://127.0.0.1:{port}"

  yield start
  for server, thread in running:
    server.should_exit = True
    thread.join(timeout=10)
