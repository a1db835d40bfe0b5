"""The viewer's JSON API (fastapi.testclient) on smoke runs and real records.

PTB-XL record 00001 and MIT-BIH record 100 are uploaded as a browser sends
them; answers are checked against `cardiojax.load(workdir)` loaded apart from
the server, attributions against `cardiojax.explain` on the model input.
"""

import concurrent.futures
import json
import pathlib
import subprocess
import sys
import tempfile
import uuid

import httpx
import numpy as np
import pytest
from fastapi import testclient

import cardiojax
from cardiojax import experiment as experiment_lib
from cardiojax import serve
from cardiojax.datasets import files
from cardiojax.explain import attributions
from cardiojax.explain import gradcam
from cardiojax.serve import app as app_lib
from cardiojax.serve import attribution
from cardiojax.serve import service as service_lib
from cardiojax.serve import uploads

pytestmark = pytest.mark.filterwarnings(
    "ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture(scope="module")
def services(serve_runs):
  loaded = {name: service_lib.Service(workdir)
            for name, workdir in serve_runs.items()}
  yield loaded
  for service in loaded.values():
    service.close()


@pytest.fixture(scope="module")
def clients(services):
  return {name: testclient.TestClient(app_lib.create_app(service))
          for name, service in services.items()}


@pytest.fixture(scope="module")
def references(serve_runs):
  """The runs loaded apart from the servers."""
  return {name: cardiojax.load(workdir) for name, workdir in serve_runs.items()}


def _upload(paths, names=None):
  names = names or [pathlib.Path(p).name for p in paths]
  return [("files", (name, pathlib.Path(p).read_bytes()))
          for name, p in zip(names, paths)]


def _json(value):
  return json.loads(json.dumps(value))


def test_health_and_model(clients, references):
  client = clients["ptbxl"]
  assert client.get("/health").json() == {
      "status": "ok", "run": "ptbxl", "version": cardiojax.__version__}
  model = client.get("/model").json()
  assert model["class_names"] == ["CD", "HYP", "MI", "NORM", "STTC"]
  thresholds = references["ptbxl"].contract.thresholds
  assert model["thresholds"] == _json(thresholds)
  assert model["thresholds_fitted"] == (thresholds is not None)
  contract = references["ptbxl"].contract
  assert model["contract"]["sampling_rate_hz"] == contract.sampling_rate_hz
  assert model["contract"]["window_samples"] == contract.window_samples
  assert model["contract"]["lead_names"][3] == "aVR"
  assert [e["name"] for e in model["examples"]] == ["sim_12lead", "sim_holter"]
  assert model["explain_methods"] == ["integrated_gradients", "grad_cam"]
  assert clients["beats_mitdb"].get("/model").json()["class_names"] == [
      "normal", "abnormal"]


def test_predict_equals_predict_record(clients, references, ptbxl_files,
                                       holter_files):
  for name, paths in (("ptbxl", ptbxl_files), ("beats_mitdb", holter_files)):
    answer = clients[name].post("/predict", files=_upload(paths))
    assert answer.status_code == 200, answer.text
    expected = references[name].predict_record(paths[0])
    assert answer.json() == _json(expected.to_json())
  assert len(answer.json()["items"]) == sum(
      answer.json()["aggregate"]["counts"].values()) == 2268
  csv = clients["ptbxl"].post("/predict?format=csv",
                              files=_upload(ptbxl_files)).text.splitlines()
  row = references["ptbxl"].predict_record(ptbxl_files[0]).rows()[0]
  assert csv[0] == ",".join(row)
  assert csv[1].split(",")[:3] == ["0", str(row["start_sample"]),
                                   str(row["stop_sample"])]
  assert float(csv[1].split(",")[5]) == row["p_CD"]


def test_examples_predict_and_draw(clients, services, references):
  client = clients["beats_mitdb"]
  view = client.post("/record", data={"example": "sim_holter"}).json()
  expected = references["beats_mitdb"].predict_record(
      services["beats_mitdb"].example("sim_holter"))
  assert view["prediction"] == _json(expected.to_json())
  assert view["record"]["samples"] == 300 * 360
  assert view["record"]["lead_names"] == ["MLII", "V5"]
  assert len(view["timeline"]["times_s"]) == len(expected.outputs)
  np.testing.assert_allclose(view["timeline"]["times_s"],
                             expected.beat_samples / 360.0)
  counts = {row["name"]: row["count"] for row in view["classes"]}
  assert counts == expected.aggregate["counts"]
  png = client.post("/figure", data={"example": "sim_holter", "format": "png",
                                     "start_s": 10, "stop_s": 20})
  assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
  assert png.headers["content-disposition"].endswith('sim_holter.png"')
  pdf = clients["ptbxl"].post("/figure", data={
      "example": "sim_12lead", "format": "pdf", "method": "grad_cam"})
  assert pdf.content[:5] == b"%PDF-"
  missing = client.post("/predict", data={"example": "nope"})
  assert missing.status_code == 404
  assert "sim_12lead, sim_holter" in missing.json()["detail"]


def _mean_over_inputs(values, inputs, num_samples, to_record):
  """(num_samples, C): each input's values placed on its span of the record
  by `to_record(values_i, length)`, averaged where spans overlap."""
  total = np.zeros((num_samples, values.shape[-1]))
  count = np.zeros(num_samples)
  for a, start, stop in zip(values, inputs.starts, inputs.stops):
    total[start:stop] += to_record(a, stop - start)
    count[start:stop] += 1
  return total / np.maximum(count, 1)[:, None]


def test_explain_integrated_gradients_of_a_record(clients, services,
                                                  ptbxl_files, serve_runs):
  """At the model's own rate and lead order, the record's attributions are
  the model inputs' (each window explained for its own most probable class),
  averaged where windows overlap."""
  answer = clients["ptbxl"].post("/explain", files=_upload(ptbxl_files),
                                 data={"method": "integrated_gradients"})
  assert answer.status_code == 200, answer.text
  explained = answer.json()
  assert (explained["start_sample"], explained["stop_sample"]) == (0, 1000)
  assert [len(a) for a in explained["attributions"]] == [1000] * 12
  model = services["ptbxl"].model
  record = files.read_record_file(ptbxl_files[0])
  inputs, _ = model.prepare(record.signal, 100.0, record.lead_names,
                            record_id="00001_lr")
  decided = np.argmax(model.outputs(inputs), axis=1)
  assert explained["inputs"] == [
      {"index": i, "start_sample": int(a), "stop_sample": int(b),
       "class": model.class_names[k]}
      for i, (a, b, k) in enumerate(zip(inputs.starts, inputs.stops, decided))]
  x = inputs.inputs
  assert len(x) <= attribution.CHUNK  # padded as the server pads them:
  padded = np.zeros((attribution.CHUNK,) + x.shape[1:], np.float32)
  padded[:len(x)] = x
  values = attributions.integrated_gradients(
      model.experiment.model, model.state.variables, padded,
      np.pad(decided, (0, attribution.CHUNK - len(x))),
      baseline=np.load(serve_runs["ptbxl"] / experiment_lib.BASELINE_FILE),
      num_steps=model.config.explain.ig_steps,
      steps_per_batch=attribution.IG_STEPS_PER_BATCH)
  expected = _mean_over_inputs(np.asarray(values)[:len(x)], inputs, 1000,
                               lambda a, n: a[:n])
  np.testing.assert_allclose(np.array(explained["attributions"]).T, expected,
                             rtol=1e-4, atol=1e-6 * np.abs(expected).max())


def test_explain_grad_cam_on_the_record_time_axis(clients, services,
                                                  shared_data):
  """A 500 Hz record for a 100 Hz model: each window's map is interpolated
  onto the record's samples, the same in every lead."""
  paths = [shared_data / "ptbxl/records500/00000/00001_hr.hea",
           shared_data / "ptbxl/records500/00000/00001_hr.dat"]
  answer = clients["ptbxl"].post("/explain", files=_upload(paths),
                                 data={"method": "grad_cam",
                                       "class_name": "MI"})
  assert answer.status_code == 200, answer.text
  explained = answer.json()
  assert explained["sampling_rate_hz"] == 500.0
  lanes = np.array(explained["attributions"])
  assert lanes.shape == (12, 5000)
  np.testing.assert_array_equal(lanes[0], lanes[7])
  assert {i["class"] for i in explained["inputs"]} == {"MI"}
  model, explainer = services["ptbxl"].model, services["ptbxl"].explainer
  record = files.read_record_file(paths[0])
  inputs, _ = model.prepare(record.signal, 500.0, record.lead_names,
                            record_id="00001_hr")
  x = inputs.inputs
  cam = np.asarray(gradcam.grad_cam(
      model.experiment.model, model.state.variables, x,
      np.full(len(x), model.class_names.index("MI")),
      feature=explainer.gradcam_feature(x)))
  length = x.shape[1]
  expected = _mean_over_inputs(
      cam[:, :, None], inputs, 5000,
      lambda a, n: np.interp((np.arange(n) + 0.5) / 5 - 0.5,
                             np.arange(length), a[:, 0])[:, None])
  np.testing.assert_allclose(lanes[0], expected[:, 0], rtol=1e-5,
                             atol=1e-6 * np.abs(expected).max())


def test_explain_a_span_of_a_holter_record(clients, references, holter_files):
  client = clients["beats_mitdb"]
  answer = client.post("/explain", files=_upload(holter_files),
                       data={"method": "grad_cam", "start_s": 10,
                             "stop_s": 20})
  assert answer.status_code == 200, answer.text
  explained = answer.json()
  assert (explained["start_sample"], explained["stop_sample"]) == (3600, 7200)
  mlii, v5 = explained["attributions"]
  assert len(mlii) == 3600 and v5 is None  # the model reads MLII only
  items = references["beats_mitdb"].predict_record(holter_files[0]).rows()
  covering = [row for row in items
              if row["start_sample"] < 7200 and row["stop_sample"] > 3600]
  assert [i["index"] for i in explained["inputs"]] == [
      row["index"] for row in covering]
  assert [i["class"] for i in explained["inputs"]] == [
      row["decision"] for row in covering]
  whole = client.post("/explain", files=_upload(holter_files),
                      data={"method": "integrated_gradients"})
  assert whole.status_code == 422
  assert whole.json()["detail"] == (
      "100: 2268 beats cover 0-1805.56 s; explain at most 64 at once (a "
      "shorter start_s-stop_s span)")


def test_upload_limit(services, ptbxl_files):
  client = testclient.TestClient(app_lib.create_app(
      services["ptbxl"], max_upload_bytes=1_000_000))
  assert client.post("/predict", files=_upload(ptbxl_files)).status_code == 200
  sized = client.post("/predict",
                      files=[("files", ("big.npy", bytes(1_500_000)))])
  assert sized.status_code == 413
  assert sized.json()["detail"].startswith(
      "upload too large: 1.5 MB, over the limit of 1 MB; upload a smaller "
      "record, or start the server with a larger --max_upload_mb")

  def chunks():  # no Content-Length: the bytes are counted as they come
    for _ in range(3):
      yield b"x" * 400_000

  chunked = client.post("/predict", content=chunks(), headers={
      "content-type": "multipart/form-data; boundary=cardiojax"})
  assert chunked.status_code == 413
  assert "over the limit of 1 MB" in chunked.json()["detail"]


@pytest.mark.parametrize("uploaded,status,message", [
    ({"00001_lr.hea": ".hea"}, 400,
     "00001_lr.hea: the record needs 00001_lr.dat, which was not uploaded; "
     "select the .hea together with every file it names"),
    ({"00001_lr.dat": ".dat"}, 400,
     "00001_lr.dat: a WFDB signal file needs its header: select the .hea and "
     "the .dat together"),
    ({"00001_lr.hea": ".hea", "00001_lr.dat": "truncated"}, 422,
     "00001_lr.dat: truncated: holds 5000 bytes, but 00001_lr.hea declares "
     "sig_len=1000 x 12 signals in format 16 = 24000 bytes"),
    ({"pickled.npy": "pickle"}, 422,
     "pickled.npy: unreadable .npy file: Object arrays cannot be loaded when "
     "allow_pickle=False"),
    ({"short.npy": "llnl"}, 422,
     "short: signal: 50 samples at 100 Hz (0.50 s); the model needs at "
     "least"),
    ({"beats.csv": "csv"}, 422,
     "beats: a CSV of segmented beats is read only by models trained on the Kaggle"),
    ({"record.exe": ".hea"}, 400,
     "file name 'record.exe': unknown extension '.exe'; expected one of .hea, "
     ".dat, .mat, .npy, .csv"),
    ({}, 400, "no file uploaded"),
])
def test_bad_files_get_one_line_4xx(clients, ptbxl_files, shared_data,
                                    tmp_path, uploaded, status, message):
  contents = {".hea": ptbxl_files[0].read_bytes(),
              ".dat": ptbxl_files[1].read_bytes(),
              "truncated": ptbxl_files[1].read_bytes()[:5000],
              "csv": (shared_data / "kaggle_heartbeat/mitbih_train_sample.csv"
                      ).read_bytes()}
  np.save(tmp_path / "pickle.npy", np.array([{"a": 1}], dtype=object))
  np.save(tmp_path / "llnl.npy", np.zeros((500, 10)))
  contents["pickle"] = (tmp_path / "pickle.npy").read_bytes()
  contents["llnl"] = (tmp_path / "llnl.npy").read_bytes()
  answer = clients["ptbxl"].post("/predict", files=[
      ("files", (name, contents[kind])) for name, kind in uploaded.items()])
  assert answer.status_code == status
  detail = answer.json()["detail"]
  assert detail.startswith(message), detail
  assert "\n" not in detail and "cardiojax-upload" not in detail
  assert tempfile.gettempdir() not in detail


@pytest.mark.parametrize("name", [
    "../{}.hea", "../../{}.hea", "/tmp/{}.hea", "sub/{}.hea", "..\\{}.hea",
    "{}..hea"])
def test_path_traversal_names_are_rejected(clients, ptbxl_files, name):
  stem = uuid.uuid4().hex
  answer = clients["ptbxl"].post("/predict", files=[
      ("files", (name.format(stem), ptbxl_files[0].read_bytes())),
      ("files", ("00001_lr.dat", ptbxl_files[1].read_bytes()))])
  assert answer.status_code == 400, answer.text
  assert "a plain file name is expected (no folders, no '..')" in (
      answer.json()["detail"])
  for folder in (pathlib.Path(tempfile.gettempdir()), pathlib.Path("/tmp"),
                 pathlib.Path.cwd()):
    assert not list(folder.glob(f"*{stem}*"))


def test_windows_paths_are_reduced_to_their_base_name(clients, ptbxl_files):
  """python-multipart keeps the last part of a Windows path (as IE6 sent)."""
  answer = clients["ptbxl"].post("/predict", files=_upload(
      ptbxl_files, names=["C:\\Users\\me\\00001_lr.hea", "00001_lr.dat"]))
  assert answer.status_code == 200
  assert answer.json()["record_id"] == "00001_lr"


def test_safe_names_and_the_record_file(tmp_path):
  assert uploads.safe_name("my ecg (1).MAT") == "my_ecg__1_.MAT"
  assert uploads.safe_name(" 00001_lr.hea ") == "00001_lr.hea"
  for bad in (".hea", "noextension", "x.py", "a\x00.hea", "a/../b.hea"):
    with pytest.raises(uploads.UploadError):
      uploads.safe_name(bad)
  (tmp_path / "evil.hea").write_text("evil 1 100 1000\n../secret.dat 16 200 "
                                     "16 0 0 0 0 I\n")
  with pytest.raises(uploads.UploadError, match="evil.hea: unreadable WFDB"):
    uploads.record_file(tmp_path, ["evil.hea"])
  with pytest.raises(uploads.UploadError, match="several records"):
    uploads.record_file(tmp_path, ["a.mat", "b.npy"])


def test_concurrent_requests_on_a_live_server(services, references,
                                              start_server, ptbxl_files):
  url = start_server(app_lib.create_app(services["ptbxl"]))
  expected = _json(references["ptbxl"].predict_record(ptbxl_files[0])
                   .to_json())

  def predict(_):
    return httpx.post(f"{url}/predict", files=_upload(ptbxl_files),
                      timeout=60)

  with concurrent.futures.ThreadPoolExecutor(8) as pool:
    answers = list(pool.map(predict, range(16)))
  assert [a.status_code for a in answers] == [200] * 16
  assert all(a.json() == expected for a in answers)


def test_openapi_schema_offline(clients):
  client = clients["ptbxl"]
  schema = client.get("/openapi.json").json()
  assert {"/predict", "/explain", "/model", "/health"} <= set(schema["paths"])
  explain = schema["paths"]["/explain"]["post"]
  assert {"400", "413", "422"} <= set(explain["responses"])
  assert client.get("/docs").status_code == 404
  assert client.get("/redoc").status_code == 404
  page = client.get("/")
  assert "default-src 'self'" in page.headers["content-security-policy"]
  for asset in ("/static/js/viewer.js", "/static/viewer.css",
                "/static/fonts/DejaVuSans-subset.woff", "/messages/ar.json"):
    assert client.get(asset).status_code == 200, asset
  assert "http" not in (page.text.replace("http-equiv", ""))


def test_main_without_fastapi_and_without_a_run(monkeypatch, capsys, tmp_path):
  code = subprocess.run(
      [sys.executable, "-c", "import sys, cardiojax.serve; "
       "print('fastapi' in sys.modules, 'jax' in sys.modules)"],
      capture_output=True, text=True, check=True)
  assert code.stdout.split() == ["False", "False"]
  monkeypatch.setitem(sys.modules, "fastapi", None)
  assert serve.main([f"--workdir={tmp_path}"]) == 2
  assert capsys.readouterr().err == (
      "cardiojax serve needs the viewer extra: install with "
      "`pip install cardiojax[viewer]`\n")
  monkeypatch.undo()
  assert serve.main([f"--workdir={tmp_path}"]) == 2
  err = capsys.readouterr().err
  assert err.startswith(f"--workdir={tmp_path}: ") and "config.json" in err
  assert err.count("\n") == 1
