"""The clinician-facing viewer and JSON API over a trained run.

    python -m cardiojax.serve --workdir=runs/ptbxl [--host=127.0.0.1]
        [--port=8000] [--max_upload_mb=50]

One `cardiojax.load(workdir)` model, loaded once at start-up and shared by
every request (`service.Service`; JAX calls one at a time), behind a FastAPI
application (`app.create_app`) served by uvicorn on 127.0.0.1 unless told
otherwise. The page (`static/`, text in `messages/<lang>.json`) needs no
internet: every script, style and font ships with the package. The API:
`POST /predict`, `POST /explain`, `GET /model`, `GET /health`, documented by
`/openapi.json` (docs/viewer.md).

FastAPI, uvicorn and python-multipart are the `viewer` extra; importing this
package imports none of them.
"""

import argparse
import sys

INSTALL_HINT = ("cardiojax serve needs the viewer extra: install with "
                "`pip install cardiojax[viewer]`")


def _parse(argv) -> argparse.Namespace:
  parser = argparse.ArgumentParser(
      prog="python -m cardiojax.serve",
      description="The ECG viewer and JSON API over a trained run.")
  parser.add_argument("--workdir", required=True,
                      help="a trained run directory (--mode=train)")
  parser.add_argument("--host", default="127.0.0.1",
                      help="address to bind (default 127.0.0.1: this machine "
                           "only)")
  parser.add_argument("--port", type=int, default=8000)
  parser.add_argument("--max_upload_mb", type=float, default=50.0,
                      help="largest request body in MB (answered with 413)")
  return parser.parse_args(argv)


def main(argv=None) -> int:
  """Starts the server (blocks until interrupted); returns the exit status."""
  args = _parse(argv)
  try:
    import fastapi  # pylint: disable=g-import-not-at-top,unused-import
    import python_multipart  # pylint: disable=g-import-not-at-top,unused-import
    import uvicorn  # pylint: disable=g-import-not-at-top
  except ImportError:
    print(INSTALL_HINT, file=sys.stderr)
    return 2
  if args.max_upload_mb <= 0:
    print(f"--max_upload_mb={args.max_upload_mb:g}: expected a positive "
          f"number of MB", file=sys.stderr)
    return 2
  from cardiojax.serve import app as app_lib  # pylint: disable=g-import-not-at-top
  from cardiojax.serve import service as service_lib  # pylint: disable=g-import-not-at-top
  from cardiojax.train import compilation_cache  # pylint: disable=g-import-not-at-top
  compilation_cache.enable()  # a restarted server compiles nothing
  try:
    service = service_lib.Service(args.workdir)
  except (FileNotFoundError, ValueError) as error:
    print(f"--workdir={args.workdir}: {error}", file=sys.stderr)
    return 2
  try:
    app = app_lib.create_app(
        service, max_upload_bytes=int(args.max_upload_mb * 1e6))
    uvicorn.run(app, host=args.host, port=args.port, workers=1)
  finally:
    service.close()
  return 0
