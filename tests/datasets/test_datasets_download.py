"""Downloads with pooch against a local HTTP server (127.0.0.1, in a thread):
checksums verified, transfers resumed, corpora prepared from the download."""

import csv
import hashlib
import http.server
import io
import pathlib
import re
import socket
import threading

import pytest
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import mitdb
from cardiojax.datasets import ptbxl
from cardiojax.datasets import wfdb_io
from cardiojax.modes import prepare


class _Handler(http.server.BaseHTTPRequestHandler):
  """Serves `root` with HTTP Range and a SHA256SUMS.txt (`sums`; None: 404).

  `corrupt`: names served with their first byte flipped; `cut`: name ->
  bytes sent before the connection drops (once); `requests`: (name, start).
  """
  root: pathlib.Path
  sums: str | None
  corrupt: set
  cut: dict
  requests: list

  def do_GET(self):  # noqa: N802 (http.server API)
    name = self.path.lstrip("/")
    start = 0
    if header := self.headers.get("Range"):
      start = int(header.removeprefix("bytes=").rstrip("-"))
    self.requests.append((name, start))
    if name == download.CHECKSUM_FILE and self.sums is not None:
      body = self.sums.encode()
    elif (self.root / name).is_file() and ".." not in name:
      body = (self.root / name).read_bytes()
    else:
      self.send_error(404)
      return
    if name in self.corrupt:
      body = bytes([body[0] ^ 0xFF]) + body[1:]
    self.send_response(206 if start else 200)
    self.send_header("Content-Length", str(len(body) - start))
    self.end_headers()
    cut = self.cut.pop(name, None)
    self.wfile.write(body[start:] if cut is None else body[start:start + cut])

  def log_message(self, *args):
    del args


def checksums(root: pathlib.Path) -> str:
  """A SHA256SUMS.txt of every file below `root` (PhysioNet's format)."""
  return "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()} "
                 f"{p.relative_to(root).as_posix()}\n"
                 for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def serve():
  """serve(root) -> (base_url, handler class) of a server on 127.0.0.1."""
  servers = []

  def start(root: pathlib.Path):
    handler = type("Handler", (_Handler,), {
        "root": root, "sums": checksums(root), "corrupt": set(), "cut": {},
        "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    servers.append((httpd, thread))
    return f"http://127.0.0.1:{httpd.server_address[1]}/", handler

  yield start
  for httpd, thread in servers:
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def server(serve, shared_data):
  """(base_url, handler class) serving the shared MIT-BIH records."""
  return serve(shared_data / "mitdb")


def test_fetch_verifies_and_skips_what_is_there(server, shared_data, tmp_path):
  url, handler = server
  download.fetch(url, mitdb.record_files(("100",)), tmp_path, timeout=5)
  for ext in ("hea", "dat", "atr"):
    assert ((tmp_path / f"100.{ext}").read_bytes() ==
            (shared_data / "mitdb" / f"100.{ext}").read_bytes())
  assert sorted(handler.requests) == [("100.atr", 0), ("100.dat", 0),
                                      ("100.hea", 0), ("SHA256SUMS.txt", 0)]
  handler.requests.clear()
  download.fetch(url, mitdb.record_files(("100",)), tmp_path, timeout=5)
  assert handler.requests == [("SHA256SUMS.txt", 0)]  # all three verified
  (tmp_path / "100.hea").write_text("changed")  # fails its checksum: again
  download.fetch(url, mitdb.record_files(("100",)), tmp_path, timeout=5)
  assert handler.requests[2:] == [("100.hea", 0)]
  assert ((tmp_path / "100.hea").read_bytes() ==
          (shared_data / "mitdb" / "100.hea").read_bytes())


def test_partial_file_is_resumed_with_a_range_request(server, shared_data,
                                                      tmp_path):
  url, handler = server
  source = shared_data / "mitdb" / "100.dat"
  (tmp_path / "100.dat.part").write_bytes(source.read_bytes()[:1000])
  download.fetch(url, ["100.dat"], tmp_path, timeout=5)
  assert (tmp_path / "100.dat").read_bytes() == source.read_bytes()
  assert handler.requests[1:] == [("100.dat", 1000)]
  assert not list(tmp_path.glob("*.part"))


def test_interrupted_download_resumes(server, shared_data, tmp_path):
  url, handler = server
  source = (shared_data / "mitdb" / "100.dat").read_bytes()
  handler.cut["100.dat"] = 200_000
  kept = 3 * download._CHUNK  # the whole chunks that arrived
  with pytest.raises(download.DownloadError) as error:
    download.fetch(url, ["100.dat"], tmp_path, timeout=5, retries=0)
  message = str(error.value)
  assert "\n" not in message
  assert f"100.dat: interrupted after {kept} bytes" in message
  assert "run again to resume" in message
  assert (tmp_path / "100.dat.part").read_bytes() == source[:kept]
  download.fetch(url, ["100.dat"], tmp_path, timeout=5)  # the rerun
  assert handler.requests[-1] == ("100.dat", kept)
  assert (tmp_path / "100.dat").read_bytes() == source
  assert not list(tmp_path.glob("*.part"))
  # With retries (the default), one call resumes by itself.
  handler.cut["100.dat"], handler.requests[:] = 200_000, []
  download.fetch(url, ["100.dat"], tmp_path / "again", timeout=5)
  assert handler.requests[1:] == [("100.dat", 0), ("100.dat", kept)]
  assert (tmp_path / "again" / "100.dat").read_bytes() == source


def test_checksum_mismatch_names_the_file(server, tmp_path):
  url, handler = server
  handler.sums = re.sub(r"^\w+( 100\.hea)$", "0" * 64 + r"\1",
                        handler.sums, flags=re.M)
  with pytest.raises(download.DownloadError, match=r"100\.hea: sha256"):
    download.fetch(url, ["100.hea"], tmp_path, timeout=5)
  assert not (tmp_path / "100.hea").exists()
  assert not list(tmp_path.glob("*.part"))


def test_builder_downloads_and_prepares(server, tmp_path):
  url, _ = server
  config = mitdb.MitdbConfig(name="dl", records=("100",), half_window=4)
  builder = download.prepare(mitdb.Mitdb, tmp_path, config, download_url=url)
  assert builder.info.splits["test"].num_examples == 2273
  assert (tmp_path / "downloads" / "mitdb" / "100.atr").is_file()
  reread = tfds.builder_from_directory(str(builder.data_path))
  assert len(reread.as_data_source("test")) == 2273


def test_prepare_downloads_then_training_reads_it(server, shared_data,
                                                  tmp_path, capsys):
  """`cardiojax prepare mitdb --download` (the URL overridden): downloaded,
  verified, prepared where the config reads it; a rerun downloads nothing."""
  url, handler = server
  summary = prepare.prepare_corpus("mitdb", download_url=url,
                                   configs=["beats_mitdb:smoke"],
                                   data_dir=str(tmp_path))
  files = sorted(p.name for p in (tmp_path / "downloads" / "mitdb").iterdir())
  assert files == sorted(mitdb.record_files(("100", "106", "108")))
  for name in files:
    assert ((tmp_path / "downloads" / "mitdb" / name).read_bytes() ==
            (shared_data / "mitdb" / name).read_bytes())
  [entry] = summary["configs"]
  [item] = entry["prepared"]
  assert item["prepared_now"] and item["dir"].startswith(str(tmp_path))
  assert entry["train"] == ("cardiojax train --config=beats_mitdb:smoke "
                            f"--config.data.data_dir={tmp_path}")
  builder = tfds.builder_from_directory(item["dir"])
  # Record 106 trains, 108 validates, 100 tests: one example per beat
  # annotation whose +-720-sample window lies inside the record.
  expected = {}
  for split, record in (("train", "106"), ("validation", "108"),
                        ("test", "100")):
    ann = wfdb_io.read_annotations(shared_data / "mitdb" / record)
    inside = (ann.sample >= 720) & (ann.sample + 720 <= mitdb.RECORD_LENGTH)
    expected[split] = int((mitdb.is_beat(ann.symbol) & inside).sum())
  assert expected["test"] == 2267  # of the 2273 beats of 100, 6 near an end
  assert {s: builder.info.splits[s].num_examples for s in expected} == expected
  handler.requests.clear()
  assert prepare.main(["cardiojax prepare", "mitdb", f"--download_url={url}",
                       "--config=beats_mitdb:smoke",
                       f"--data_dir={tmp_path}"]) == 0
  assert handler.requests == []  # prepared: nothing fetched, not even sums
  assert f"ready: mitdb/{builder.info.config_name} in {item['dir']} " \
         "(already prepared)" in capsys.readouterr().out


def test_prepare_rejects_a_corrupted_file_in_one_line(server, tmp_path,
                                                      capsys):
  url, handler = server
  handler.corrupt.add("106.dat")
  assert prepare.main(["cardiojax prepare", "mitdb", f"--download_url={url}",
                       "--config=beats_mitdb:smoke",
                       f"--data_dir={tmp_path}"]) == 2
  [line] = capsys.readouterr().err.strip().splitlines()[-1:]
  assert line.startswith(f"error: {tmp_path}/downloads/mitdb/106.dat: "
                         "sha256 differs from SHA256SUMS.txt")
  assert "run again to download it anew" in line
  assert not (tmp_path / "downloads" / "mitdb" / "106.dat").exists()
  assert not list((tmp_path / "downloads" / "mitdb").glob("*.part"))


def test_ptbxl_downloads_the_database_then_its_records(serve, shared_data,
                                                       tmp_path):
  """PTB-XL's files come from its database: two rounds of downloads."""
  root = tmp_path / "physionet"
  (root / "records100" / "00000").mkdir(parents=True)
  source = shared_data / "ptbxl"
  lines = (source / "ptbxl_database.csv").read_text().splitlines(True)
  (root / "ptbxl_database.csv").write_text("".join(lines[:13]))  # 12 rows
  (root / "scp_statements.csv").symlink_to(source / "scp_statements.csv")
  rows = list(csv.DictReader(io.StringIO("".join(lines[:13]))))
  for row in rows:
    for ext in ("hea", "dat"):
      name = f"{row['filename_lr']}.{ext}"
      (root / name).symlink_to(source / name)
  url, handler = serve(root)
  builder = download.prepare(ptbxl.Ptbxl, tmp_path / "tfds", "100hz",
                             download_url=url)
  fetched = {name for name, _ in handler.requests}
  assert len(fetched) == 1 + 2 + 2 * 12  # sums twice, the CSVs, 12 records
  total = sum(builder.info.splits[s].num_examples for s in builder.info.splits)
  assert total == 12
  example = next(e for s in builder.info.splits
                 for e in builder.as_data_source(s) if e["ecg_id"] == 1)
  signal = ptbxl.read_ptbxl_record(source / "records100/00000/00001_lr", 100)
  assert example["ecg"].shape == (1000, 12)
  assert abs(example["ecg"] - signal).max() < 1e-6


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
