"""Resumable downloads of corpus files laid out as on PhysioNet.

`fetch(base_url, files, target_dir)` downloads `base_url + file` for each
relative path into `target_dir`, resuming partial files (`<file>.part`) with
HTTP Range requests, and verifies each file against the corpus's
`SHA256SUMS.txt` when the server publishes one. Only urllib is used; URLs must
be https, or http on 127.0.0.1/localhost (for tests).

`Builder` is the base of the corpus builders: it reads `manual_dir`, or
downloads into `<data_dir>/downloads/<name>` when given a `download_url`.
`prepare(...)` prepares any of them from a folder or URL into a data_dir.
"""

import hashlib
import http
import pathlib
import posixpath
import urllib.error
import urllib.parse
import urllib.request

import tensorflow_datasets as tfds

CHECKSUM_FILE = "SHA256SUMS.txt"
_CHUNK = 1 << 20
_LOCAL_HOSTS = ("127.0.0.1", "localhost")


class DownloadError(RuntimeError):
  """A file could not be downloaded or failed verification."""


def check_url(url: str) -> str:
  """Returns `url` with a trailing '/', or raises ValueError if not allowed."""
  parsed = urllib.parse.urlparse(url)
  if not (parsed.scheme == "https" or
          (parsed.scheme == "http" and parsed.hostname in _LOCAL_HOSTS)):
    raise ValueError(f"download url {url!r}: expected https://..., or "
                     "http://127.0.0.1/... for local tests")
  return url if url.endswith("/") else url + "/"


def _safe_relative(name: str) -> str:
  """Rejects absolute paths and '..' so files stay inside the target."""
  norm = posixpath.normpath(name)
  if (not name or name.startswith("/") or "\\" in name or
      norm == ".." or norm.startswith("../") or norm == "."):
    raise ValueError(f"file name {name!r}: expected a relative path inside "
                     "the target folder")
  return norm


def _open(url: str, timeout: float, start: int = 0):
  request = urllib.request.Request(url)
  if start:
    request.add_header("Range", f"bytes={start}-")
  try:
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (checked)
  except urllib.error.HTTPError as e:
    raise DownloadError(f"{url}: HTTP {e.code} {e.reason}") from e
  except (urllib.error.URLError, OSError) as e:
    reason = getattr(e, "reason", e)
    raise DownloadError(f"{url}: unreachable ({reason})") from e


def read_checksums(base_url: str, timeout: float = 60.0) -> dict[str, str]:
  """Reads `<base_url>SHA256SUMS.txt` as {relative path: sha256}; {} if 404."""
  url = check_url(base_url) + CHECKSUM_FILE
  try:
    with _open(url, timeout) as response:
      text = response.read().decode("utf-8")
  except DownloadError as e:
    if isinstance(e.__cause__, urllib.error.HTTPError) and e.__cause__.code == 404:
      return {}
    raise
  sums = {}
  for line_no, line in enumerate(text.splitlines(), 1):
    if line.strip():
      digest, _, name = line.strip().partition(" ")
      name = name.strip().lstrip("*")
      if len(digest) != 64 or not name:
        raise DownloadError(f"{url}: line {line_no}: expected '<sha256>  <file>'"
                            f", got {line!r}")
      sums[posixpath.normpath(name)] = digest.lower()
  return sums


def _sha256(path: pathlib.Path) -> str:
  digest = hashlib.sha256()
  with path.open("rb") as f:
    while chunk := f.read(_CHUNK):
      digest.update(chunk)
  return digest.hexdigest()


def _fetch_one(url: str, target: pathlib.Path, expected: str | None,
               timeout: float) -> None:
  part = target.with_name(target.name + ".part")
  start = part.stat().st_size if part.exists() else 0
  with _open(url, timeout, start) as response:
    resumed = start and response.status == http.HTTPStatus.PARTIAL_CONTENT
    with part.open("ab" if resumed else "wb") as f:
      try:
        while chunk := response.read(_CHUNK):
          f.write(chunk)
      except OSError as e:  # Keep the .part file to resume from.
        raise DownloadError(f"{url}: interrupted ({e})") from e
  if expected is not None and (actual := _sha256(part)) != expected:
    part.unlink()
    raise DownloadError(f"{target}: sha256 is {actual}, but {CHECKSUM_FILE} "
                        f"declares {expected} (downloaded from {url})")
  part.replace(target)


def fetch(base_url: str, files: list[str], target_dir: pathlib.Path | str,
          verify: bool = True, timeout: float = 60.0) -> pathlib.Path:
  """Downloads `files` (paths relative to `base_url`) into `target_dir`.

  A file already in `target_dir` is kept if it matches its checksum (or, when
  the corpus publishes none, if it exists). A partial download is resumed.

  Args:
    base_url: the corpus root, e.g. 'https://physionet.org/files/mitdb/1.0.0/'.
    files: relative paths in the corpus layout, e.g. ['100.hea', '100.dat'].
    target_dir: where the files go (created if needed), same layout.
    verify: check files against `SHA256SUMS.txt` when the server has one; a
      listed file that is missing from it is an error.
    timeout: seconds per network operation.

  Returns:
    `target_dir` as a path.

  Raises:
    DownloadError: a URL is unreachable, returns an HTTP error, or a file's
      sha256 disagrees with the published one.
    ValueError: the URL scheme or a file name is not allowed.
  """
  base_url = check_url(base_url)
  target_dir = pathlib.Path(target_dir)
  names = [_safe_relative(f) for f in files]
  sums = read_checksums(base_url, timeout) if verify else {}
  for name in names:
    expected = sums.get(name)
    if sums and expected is None:
      raise DownloadError(f"{base_url}{CHECKSUM_FILE}: no checksum for {name}")
    target = target_dir / name
    if target.exists() and (expected is None or _sha256(target) == expected):
      continue
    target.parent.mkdir(parents=True, exist_ok=True)
    _fetch_one(base_url + urllib.parse.quote(name), target, expected, timeout)
  return target_dir


class Builder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
  """A builder that reads `manual_dir` or downloads from `download_url`."""

  def __init__(self, *, download_url: str | None = None, **kwargs):
    """Takes `download_url` (the corpus root) plus the tfds builder kwargs."""
    super().__init__(**kwargs)
    self.download_url = download_url and check_url(download_url)

  def raw_dir(self, dl_manager, files: list[str]) -> pathlib.Path:
    """The folder holding `files`: manual_dir, or a download of them."""
    if self.download_url is None:
      return pathlib.Path(dl_manager.manual_dir)
    return fetch(self.download_url, files,
                 pathlib.Path(dl_manager.download_dir) / self.name)


def prepare(builder_cls: type[Builder], data_dir: pathlib.Path | str,
            config: str | tfds.core.BuilderConfig | None = None,
            manual_dir: pathlib.Path | str | None = None,
            download_url: str | None = None) -> Builder:
  """Prepares a corpus as ArrayRecord into `data_dir`; returns the builder.

  Example: `prepare(mitdb.Mitdb, '/tmp/tfds', 'beats', manual_dir='mitdb/')`,
  then `builder.as_data_source('train')`.
  """
  builder = builder_cls(data_dir=data_dir, config=config,
                        file_format="array_record", download_url=download_url)
  builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
      manual_dir=None if manual_dir is None else str(manual_dir)))
  return builder
