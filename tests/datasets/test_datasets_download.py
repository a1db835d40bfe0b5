"""The download helper against a local HTTP server (127.0.0.1, in a thread)."""

import hashlib
import http.server
import pathlib
import re
import socket
import threading

import pytest
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import mitdb


class _Handler(http.server.BaseHTTPRequestHandler):
  """Serves `root` with HTTP Range and a synthetic SHA256SUMS.txt."""
  root: pathlib.Path
  sums: str
  ranges: list

  def do_GET(self):  # noqa: N802 (http.server API)
    name = self.path.lstrip("/")
    if name == download.CHECKSUM_FILE and self.sums is not None:
      body = self.sums.encode()
    elif (self.root / name).is_file() and ".." not in name:
      body = (self.root / name).read_bytes()
    else:
      self.send_error(404)
      return
    start = 0
    if header := self.headers.get("Range"):
      start = int(header.removeprefix("bytes=").rstrip("-"))
      self.ranges.append((name, start))
    self.send_response(206 if start else 200)
    self.send_header("Content-Length", str(len(body) - start))
    self.end_headers()
    self.wfile.write(body[start:])

  def log_message(self, *args):
    del args


@pytest.fixture
def server(shared_data):
  """(base_url, handler class) serving shared_data/mitdb."""
  root = shared_data / "mitdb"
  lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
           for p in sorted(root.glob("10[06].*"))]
  handler = type("Handler", (_Handler,), {"root": root,
                                          "sums": "\n".join(lines) + "\n",
                                          "ranges": []})
  httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
  httpd.timeout = 5
  thread = threading.Thread(target=httpd.serve_forever, daemon=True)
  thread.start()
  yield f"http://127.0.0.1:{httpd.server_address[1]}/", handler
  httpd.shutdown()
  httpd.server_close()
  thread.join(timeout=5)


def test_fetch_verifies_and_resumes(server, shared_data, tmp_path):
  url, handler = server
  source = shared_data / "mitdb" / "100.dat"
  (tmp_path / "100.dat.part").write_bytes(source.read_bytes()[:1000])
  download.fetch(url, mitdb.record_files(("100",)), tmp_path, timeout=5)
  for ext in ("hea", "dat", "atr"):
    assert ((tmp_path / f"100.{ext}").read_bytes() ==
            (shared_data / "mitdb" / f"100.{ext}").read_bytes())
  assert handler.ranges == [("100.dat", 1000)]
  assert not list(tmp_path.glob("*.part"))


def test_checksum_mismatch_names_the_file(server, tmp_path):
  url, handler = server
  handler.sums = re.sub(r"^\w+(  100\.hea)$", "0" * 64 + r"\1",
                        handler.sums, flags=re.M)
  with pytest.raises(download.DownloadError, match=r"100\.hea: sha256"):
    download.fetch(url, ["100.hea"], tmp_path, timeout=5)
  assert not (tmp_path / "100.hea").exists()


def test_builder_downloads_and_prepares(server, tmp_path):
  url, _ = server
  config = mitdb.MitdbConfig(name="dl", records=("100",), half_window=4)
  builder = download.prepare(mitdb.Mitdb, tmp_path, config, download_url=url)
  assert builder.info.splits["test"].num_examples == 2273
  assert (tmp_path / "downloads" / "mitdb" / "100.atr").is_file()
  reread = tfds.builder_from_directory(str(builder.data_path))
  assert len(reread.as_data_source("test")) == 2273


def test_unreachable_url_names_the_url(tmp_path):
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]  # Closed once the block ends.
  url = f"http://127.0.0.1:{port}/mitdb/"
  with pytest.raises(download.DownloadError,
                     match=rf"127\.0\.0\.1:{port}/mitdb/SHA256SUMS\.txt: "
                     "unreachable"):
    download.fetch(url, ["100.hea"], tmp_path, timeout=5)


def test_missing_file_is_an_http_error(server, tmp_path):
  url, _ = server
  with pytest.raises(download.DownloadError, match=r"999\.hea: HTTP 404"):
    download.fetch(url, ["999.hea"], tmp_path, verify=False, timeout=5)


@pytest.mark.parametrize("url", ["http://example.org/mitdb/",
                                 "ftp://127.0.0.1/", "file:///tmp/"])
def test_only_https_or_local_http(url):
  with pytest.raises(ValueError, match="expected https"):
    download.check_url(url)


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "a/../../b", ""])
def test_paths_stay_inside_the_target(server, name, tmp_path):
  url, _ = server
  with pytest.raises(ValueError, match="relative path inside"):
    download.fetch(url, [name], tmp_path, verify=False, timeout=5)
