"""Fixtures of the viewer's tests: smoke runs, live servers, shared records.

`serve_runs` are the session's smoke runs of configs/ptbxl.py and
configs/beats_mitdb.py (`smoke_runs` of tests/conftest.py); `start_server(app)` serves an application with uvicorn
on a free port of 127.0.0.1 in a background thread (stopped with the module).
"""

import socket
import threading
import time

import pytest
import uvicorn



@pytest.fixture(scope="session")
def serve_runs(smoke_runs) -> dict:
  """name -> workdir of the smoke runs 'ptbxl' and 'beats_mitdb'."""
  return {name: smoke_runs.workdir(name) for name in ("ptbxl", "beats_mitdb")}


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
