"""The upload size limit: an ASGI middleware that answers 413.

A request whose Content-Length is over the limit is answered without calling
the application. Without a Content-Length (a chunked upload) the body bytes
are counted as the application reads them, and the read that passes the limit
raises a 413 `HTTPException` (FastAPI passes it through its form parser). In
both cases the rest of the body is read and thrown away, up to `DRAIN_FACTOR`
times the limit, before the answer goes out: a browser that is still sending
when the server answers and closes reports a reset connection instead of the
413. Nothing over the limit is kept.
"""

import json

from starlette.exceptions import HTTPException

DRAIN_FACTOR = 4


def too_large_message(max_bytes: int, size: int | None = None) -> str:
  """The one-line 413 message: the limit and the fix."""
  sent = f"{size / 1e6:.1f} MB, over" if size is not None else "over"
  return (f"upload too large: {sent} the limit of {max_bytes / 1e6:g} MB; "
          f"upload a smaller record, or start the server with a larger "
          f"--max_upload_mb")


class UploadLimit:
  """Limits every request body to `max_bytes` (see the module docstring)."""

  def __init__(self, app, max_bytes: int):
    self.app = app
    self.max_bytes = int(max_bytes)

  async def __call__(self, scope, receive, send):
    if scope["type"] != "http":
      await self.app(scope, receive, send)
      return
    length = _content_length(scope)
    if length is not None and length > self.max_bytes:
      await self._drain(receive, 0)
      await _send_413(send, too_large_message(self.max_bytes, length))
      return
    received, over, complete = 0, False, False

    async def counted_receive():
      nonlocal received, over, complete
      message = await receive()
      if message["type"] == "http.request":
        received += len(message.get("body", b""))
        complete = not message.get("more_body", False)
        if received > self.max_bytes:
          over = True
          raise HTTPException(413, too_large_message(self.max_bytes))
      return message

    async def drained_send(message):
      if message["type"] == "http.response.start" and over and not complete:
        await self._drain(receive, received)
      await send(message)

    await self.app(scope, counted_receive, drained_send)

  async def _drain(self, receive, received: int):
    """Reads the rest of the body, up to DRAIN_FACTOR x the limit."""
    while received <= DRAIN_FACTOR * self.max_bytes:
      message = await receive()
      if message["type"] != "http.request":
        return
      received += len(message.get("body", b""))
      if not message.get("more_body", False):
        return


def _content_length(scope) -> int | None:
  for key, value in scope.get("headers", ()):
    if key == b"content-length":
      try:
        return int(value)
      except ValueError:
        return None
  return None


async def _send_413(send, message: str):
  body = json.dumps({"detail": message}).encode()
  await send({"type": "http.response.start", "status": 413,
              "headers": [(b"content-type", b"application/json"),
                          (b"content-length", str(len(body)).encode()),
                          (b"connection", b"close")]})
  await send({"type": "http.response.body", "body": body})
