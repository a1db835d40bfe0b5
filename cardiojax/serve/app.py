"""The FastAPI application: the page, its files and the JSON API.

Every POST takes a record as multipart form data: `files` (the record's
files: a WFDB `.hea` with its `.dat`/`.mat`, or one `.mat`, `.npy` or `.csv`)
or `example` (the name of an example record, `GET /model`). Uploads go into a
private `tempfile.TemporaryDirectory` under safe base names
(`uploads.safe_name`), removed when the answer is ready; request bodies are
limited by `limits.UploadLimit` (413). Errors a user can cause are answered
with 4xx and `{"detail": "<one line>"}`: 400 (the upload: names, missing
files, several records), 404 (an unknown example), 413 (too large), 422 (a
file or field cardiojax cannot use); the message names the file or field and
the fix, without the server's folders, never a traceback. Anything else is a
500 with a one-line message (the traceback goes to the server's log).

Swagger UI and ReDoc load their scripts from a CDN, so `/docs` and `/redoc`
are off; `/openapi.json` is the schema.
"""

import contextlib
import csv
import io
import logging
import pathlib
import tempfile
from typing import Annotated, Literal

import fastapi
from fastapi import responses
from fastapi import staticfiles
from fastapi.exceptions import RequestValidationError
import pydantic

import cardiojax
from cardiojax.serve import limits
from cardiojax.serve import service as service_lib
from cardiojax.serve import uploads

_HERE = pathlib.Path(__file__).resolve().parent
_LOG = logging.getLogger("cardiojax.serve")
# The page may load nothing but this server's own files.
_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


Method = Literal["integrated_gradients", "grad_cam"]


class Error(pydantic.BaseModel):
  detail: str = pydantic.Field(description="one line: the file or field, "
                                           "the problem and the fix")


class Health(pydantic.BaseModel):
  status: Literal["ok"]
  run: str = pydantic.Field(description="the run directory's name")
  version: str = pydantic.Field(description="cardiojax version")


class ExplainedInput(pydantic.BaseModel):
  index: int = pydantic.Field(description="the window or beat (Prediction "
                                          "items)")
  start_sample: int
  stop_sample: int
  class_: str = pydantic.Field(alias="class", description="the class "
                               "explained")


class Explanation(pydantic.BaseModel):
  method: Method
  record_id: str
  sampling_rate_hz: float
  start_sample: int = pydantic.Field(description="first record sample")
  stop_sample: int = pydantic.Field(description="record sample after the "
                                                "last")
  lead_names: list[str] = pydantic.Field(description="the record's leads")
  attributions: list[list[float] | None] = pydantic.Field(
      description="per record lead, stop_sample - start_sample values (the "
                  "mean over the model inputs covering each sample), or null "
                  "for a lead the model does not read")
  feature: str | None = pydantic.Field(description="Grad-CAM feature map")
  inputs: list[ExplainedInput]


_ERRORS = {code: {"model": Error, "description": text} for code, text in (
    (400, "the upload cannot be taken as one record"),
    (404, "unknown example"), (413, "request body over --max_upload_mb"),
    (422, "a file or field cardiojax cannot use"))}

Files = Annotated[list[fastapi.UploadFile] | None, fastapi.File(
    description="the record's files: a WFDB .hea with its .dat or .mat "
                "(multi-segment: every segment), or one CPSC .mat, LLNL .npy "
                "or Kaggle beat .csv")]
Example = Annotated[str | None, fastapi.Form(
    description="instead of files: an example record (GET /model)")]
Start = Annotated[float | None, fastapi.Form(
    description="first second (default: the record's start)")]
Stop = Annotated[float | None, fastapi.Form(
    description="last second, exclusive (default: the record's end)")]
ClassName = Annotated[str | None, fastapi.Form(
    description="the class to explain (default: each input's decided class)")]


def create_app(service: service_lib.Service, *,
               max_upload_bytes: int = 50_000_000) -> fastapi.FastAPI:
  """The application over `service`; request bodies up to
  `max_upload_bytes`."""
  app = fastapi.FastAPI(
      title="cardiojax viewer", version=cardiojax.__version__,
      description=(f"ECG predictions and attributions of the trained run "
                   f"{service.workdir.resolve().name!r}. A record is sent as "
                   f"multipart form data (`files`, or `example`)."),
      docs_url=None, redoc_url=None)
  app.add_middleware(limits.UploadLimit, max_bytes=max_upload_bytes)
  _add_error_handlers(app)

  @contextlib.contextmanager
  def record(files: list[fastapi.UploadFile] | None, example: str | None):
    """The record file of a request; user errors become 4xx answers."""
    if example:
      if files:
        raise fastapi.HTTPException(400, "send either files or example, not "
                                         "both")
      if example not in service.examples:
        raise fastapi.HTTPException(
            404, f"example {example!r}: no such example; the examples are "
            f"{', '.join(service.examples)}")
      with _user_errors(None):
        yield service.example(example)
      return
    with tempfile.TemporaryDirectory(prefix="cardiojax-upload-") as folder:
      with _user_errors(folder):
        names = uploads.save(pathlib.Path(folder),
                             [(f.filename, f.file) for f in files or ()])
        yield uploads.record_file(pathlib.Path(folder), names)

  @app.get("/", include_in_schema=False)
  def page():
    return responses.FileResponse(
        _HERE / "static" / "index.html",
        headers={"Content-Security-Policy": _CSP,
                 "X-Content-Type-Options": "nosniff"})

  @app.get("/health", response_model=Health)
  def health():
    """The server is up and its model loaded."""
    return {"status": "ok", "run": service.workdir.resolve().name,
            "version": cardiojax.__version__}

  @app.get("/model")
  def model() -> dict:
    """The model: its run, input contract (rate, window, leads, units,
    normaliser, preparation), classes and decision thresholds (null: the
    defaults, 0.5 or the most probable class), the attribution methods, and
    the example records."""
    return service.info()

  @app.post("/predict", responses=_ERRORS)
  def predict(files: Files = None, example: Example = None,
              answer: Annotated[Literal["json", "csv"], fastapi.Query(
                  alias="format")] = "json"):
    """What `cardiojax.load(workdir).predict_record(path)` says about the
    record: `Prediction.to_json()` (every window or beat with its span,
    probabilities and decisions at the run's thresholds; the record-level
    aggregate; what was done to the record; the signal check's findings), or
    with `format=csv` its rows (one per window or beat)."""
    with record(files, example) as path:
      prediction = service.predict(path)
    if answer == "json":
      return responses.JSONResponse(prediction.to_json())
    return responses.Response(
        _csv(prediction.rows()), media_type="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="{prediction.record_id}.csv"'})

  @app.post("/explain", response_model=Explanation, responses=_ERRORS)
  def explain(method: Annotated[Method, fastapi.Form()],
              files: Files = None, example: Example = None,
              start_s: Start = None, stop_s: Stop = None,
              class_name: ClassName = None):
    """Attributions of the record, per lead, over its own time axis: each
    model input (window or beat) overlapping [start_s, stop_s) is explained
    (at most `max_explain_inputs` of GET /model) with integrated gradients
    or Grad-CAM, and mapped back onto the record's samples."""
    with record(files, example) as path:
      explained = service.explain(path, method, start_s, stop_s, class_name)
    return responses.JSONResponse(explained)

  @app.post("/record", responses=_ERRORS)
  def view(files: Files = None, example: Example = None):
    """For the page: the record's samples (base64 float32), the prediction
    (as POST /predict), one row per class and the beat timeline."""
    with record(files, example) as path:
      return responses.JSONResponse(service.view(path))

  @app.post("/figure", responses=_ERRORS | {200: {"content": {
      "image/png": {}, "application/pdf": {}}}})
  def draw(kind: Annotated[Literal["png", "pdf"], fastapi.Form(alias="format")],
           files: Files = None, example: Example = None,
           method: Annotated[Method | None, fastapi.Form()] = None,
           start_s: Start = None, stop_s: Stop = None,
           class_name: ClassName = None):
    """The record (seconds [start_s, stop_s)) on ECG paper as PNG or PDF,
    with the attribution of `method` when given."""
    with record(files, example) as path:
      with tempfile.TemporaryDirectory(prefix="cardiojax-figure-") as out:
        written = service.figure(path, pathlib.Path(out) / f"figure.{kind}",
                                 method=method, start_s=start_s,
                                 stop_s=stop_s, class_name=class_name)
        content = written.read_bytes()
      name = f"{pathlib.Path(path).stem}.{kind}"
    media = {"png": "image/png", "pdf": "application/pdf"}[kind]
    return responses.Response(content, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})

  app.mount("/static", staticfiles.StaticFiles(directory=_HERE / "static"),
            name="static")
  app.mount("/messages", staticfiles.StaticFiles(directory=_HERE / "messages"),
            name="messages")
  return app


@contextlib.contextmanager
def _user_errors(folder: str | None):
  """Errors a user can cause, as 400 (the upload) or 422 (the record)."""
  try:
    yield
  except (uploads.UploadError, FileNotFoundError) as error:
    raise fastapi.HTTPException(400, _clean(error, folder)) from None
  except (ValueError, FloatingPointError) as error:
    raise fastapi.HTTPException(422, _clean(error, folder)) from None


def _clean(error: Exception, folder: str | None) -> str:
  """The error's one line, without the private folder's path."""
  message = " ".join(str(error).split()) or type(error).__name__
  if folder:
    message = message.replace(str(folder) + "/", "").replace(str(folder), ".")
  return message


def _csv(rows: list[dict]) -> str:
  out = io.StringIO()
  writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["index"])
  writer.writeheader()
  writer.writerows(rows)
  return out.getvalue()


def _add_error_handlers(app: fastapi.FastAPI):
  """Validation errors as one line (422); anything unexpected as a one-line
  500 (the traceback goes to the log)."""

  @app.exception_handler(RequestValidationError)
  async def invalid(request, error):
    del request
    lines = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: "
             f"{e['msg']}" for e in error.errors()]
    return responses.JSONResponse({"detail": "; ".join(lines)},
                                  status_code=422)

  @app.exception_handler(Exception)
  async def unexpected(request, error):
    _LOG.exception("%s %s failed", request.method, request.url.path)
    return responses.JSONResponse(
        {"detail": f"internal error ({type(error).__name__}); see the "
                   f"server's log"}, status_code=500)
