"""Monitoring a run: TensorBoard event files that read back to metrics.jsonl
(also after an interrupted and resumed run), the resume line, tqdm bars."""

import io
import json
import pathlib
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from tensorboardX.proto import event_pb2
from tensorboardX.record_writer import masked_crc32c

from cardiojax.modes import train as train_mode
from cardiojax.train import rundir
from configs import activation_map


def read_event_file(path: pathlib.Path) -> list:
  """The Event protos of one TFRecord event file, every record's CRCs checked."""
  data, offset, events = path.read_bytes(), 0, []
  while offset < len(data):
    header = data[offset:offset + 8]
    (length,) = struct.unpack("<Q", header)
    (header_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
    payload = data[offset + 12:offset + 12 + length]
    (payload_crc,) = struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])
    assert header_crc == masked_crc32c(header) and payload_crc == masked_crc32c(payload)
    events.append(event_pb2.Event.FromString(payload))
    offset += 16 + length
  return events


def tensorboard_scalars(logdir: pathlib.Path, rule: str | None = "purge") -> dict:
  """tag -> [(step, value)] of the event files read in name order, as
  TensorBoard shows them after a restart, by `rule`:
  'purge': its Python reader (EventAccumulator, `--load_fast=false`): a
    SessionLog START at step S drops every point of a step >= S read before;
  'preempt': its Rust data server (the default): a point whose step is not
    after the last one of its tag drops that tag's points from that step on;
  None: every point written."""
  scalars = {}
  for path in sorted(logdir.glob("events.out.tfevents.*")):
    for event in read_event_file(path):
      if rule == "purge" and event.session_log.status == event_pb2.SessionLog.START:
        scalars = {tag: [(step, value) for step, value in points if step < event.step]
                   for tag, points in scalars.items()}
      for value in event.summary.value:
        points = scalars.setdefault(value.tag, [])
        if rule == "preempt":
          points[:] = [(step, old) for step, old in points if step < event.step]
        points.append((event.step, value.simple_value))
  return scalars


def jsonl_scalars(workdir: pathlib.Path) -> dict:
  """tag -> [(step, float32 value)] of metrics.jsonl (null is NaN)."""
  scalars = {}
  for line in (workdir / "metrics.jsonl").read_text().splitlines():
    record = json.loads(line)
    for key, value in record.items():
      if key not in ("step", "split"):
        scalars.setdefault(rundir.tensorboard_tag(record["split"], key), []).append(
            (record["step"], np.nan if value is None else value))
  return scalars


def assert_same_scalars(events: dict, expected: dict) -> None:
  assert sorted(events) == sorted(expected)
  for tag, points in expected.items():
    steps, values = zip(*points)
    got_steps, got_values = zip(*events[tag])
    assert got_steps == steps, tag
    # TensorBoard keeps float32 scalars: the float32 of the JSON value, exactly.
    np.testing.assert_array_equal(np.float32(got_values), np.float32(values), err_msg=tag)


def tiny_config():
  config = activation_map.get_config("smoke")
  config.data.num_samples = 48
  config.train.num_steps = 6
  config.train.eval_every = 3  # log_every 2: train at 2, 4, 6; validation at 3, 6
  return config


def test_smoke_run_event_files_equal_metrics_jsonl(smoke_runs):
  workdir = smoke_runs.workdir("seq2seq")
  config = smoke_runs.config("seq2seq")
  expected = jsonl_scalars(workdir)
  assert_same_scalars(tensorboard_scalars(workdir / rundir.TENSORBOARD_DIR, rule=None),
                      expected)
  for tag in ("train/loss", "train/learning_rate", "train/examples_per_s",
              "train/step_time_s", "validation/loss", f"validation/{config.train.monitor}"):
    assert tag in expected, tag
  records = [json.loads(line) for line in (workdir / "metrics.jsonl").open()]
  for record in (r for r in records if r["split"] == "train"):
    assert record["step_time_s"] > 0
    # examples/s and s/step come from the same steps and seconds.
    assert record["examples_per_s"] * record["step_time_s"] == pytest.approx(
        config.train.batch_size, rel=1e-9)


def test_resumed_run_event_files_equal_metrics_jsonl(tmp_path, capfd, monkeypatch):
  monkeypatch.delenv(rundir.PROGRESS_ENV, raising=False)
  logdir = tmp_path / rundir.TENSORBOARD_DIR
  train_mode.train(tiny_config(), str(tmp_path), interrupt_after=4)
  interrupted = capfd.readouterr().err
  assert "train step 4/6" in interrupted and "resuming" not in interrupted
  # The interrupted run logged step 4 after its checkpoint at step 3.
  assert [step for step, _ in tensorboard_scalars(logdir)["train/loss"]] == [2, 4]

  train_mode.train(tiny_config(), str(tmp_path))
  resumed = capfd.readouterr().err
  checkpoint = tmp_path / "checkpoints" / "latest" / "3"
  assert f"resuming from step 3 (checkpoint {checkpoint})\n" in resumed
  final = [line for line in resumed.splitlines() if line.startswith("train step 6/6")]
  assert final and "loss=" in final[-1] and "val_loss=" in final[-1], resumed[-2000:]
  assert "\r" not in resumed  # not a terminal: whole lines

  assert len(list(logdir.glob("events.out.tfevents.*"))) == 2
  written = tensorboard_scalars(logdir, rule=None)["train/loss"]
  assert [step for step, _ in written] == [2, 4, 4, 6]  # step 4 of both sessions
  for rule in ("purge", "preempt"):
    events = tensorboard_scalars(logdir, rule)
    assert [step for step, _ in events["train/loss"]] == [2, 4, 6]
    assert [step for step, _ in events["validation/loss"]] == [3, 6]
    assert_same_scalars(events, jsonl_scalars(tmp_path))

  train_mode.train(tiny_config(), str(tmp_path))
  rerun = capfd.readouterr().err
  assert "the run has already finished at step 6" in rerun and "train step" not in rerun
  assert len(list(logdir.glob("events.out.tfevents.*"))) == 2


def test_progress_in_a_log_prints_lines_without_flooding(monkeypatch):
  monkeypatch.delenv(rundir.PROGRESS_ENV, raising=False)
  stream = io.StringIO()
  with rundir.progress(desc="predict", total=500, unit="record", stream=stream) as bar:
    for _ in range(500):
      bar.update(1)
  lines = stream.getvalue().splitlines()
  # The start and the end; the next line would come LOG_INTERVAL_S later.
  assert len(lines) == 2 and "\r" not in stream.getvalue()
  assert lines[0].startswith("predict:") and "0/500" in lines[0]
  assert "500/500" in lines[1]


def test_progress_is_off_with_the_environment_variable(monkeypatch):
  monkeypatch.setenv(rundir.PROGRESS_ENV, "0")
  stream = io.StringIO()
  assert list(rundir.progress(range(3), desc="x", stream=stream)) == [0, 1, 2]
  assert stream.getvalue() == ""


def test_transient_bars_of_short_tasks_stay_silent(monkeypatch):
  monkeypatch.delenv(rundir.PROGRESS_ENV, raising=False)
  stream = io.StringIO()
  assert sum(rundir.progress(range(100), desc="evaluate test", transient=True,
                             stream=stream)) == 4950
  assert stream.getvalue() == ""


def test_event_files_are_written_without_importing_torch(tmp_path):
  # A stand-in torch package that records being imported: tensorboardX's
  # writer imports torch whenever it can (1.3 s, 180 MB with the real one).
  (tmp_path / "torch").mkdir()
  (tmp_path / "torch" / "__init__.py").write_text(
      "import pathlib\npathlib.Path(__file__).with_name('imported').touch()\n"
      "Tensor = object\n")
  script = textwrap.dedent(f"""
      import pathlib, sys
      sys.path.insert(0, {str(tmp_path)!r})
      from cardiojax.train import rundir
      log = rundir.MetricsLog(pathlib.Path({str(tmp_path)!r}), 0)
      log.write(1, "train", {{"loss": 0.5}})
      log.close()
      assert "torch" not in sys.modules, "tensorboardX imported torch"
      import torch  # still importable afterwards
      print(torch.Tensor)
      """)
  result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, check=False)
  assert result.returncode == 0, result.stderr
  assert (tmp_path / "torch" / "imported").exists()  # by the script, not tensorboardX
  (event_file,) = (tmp_path / rundir.TENSORBOARD_DIR).iterdir()
  assert [(e.step, e.summary.value[0].simple_value) for e in read_event_file(event_file)
          if e.summary.value] == [(1, 0.5)]
