"""Resumable, verified downloads of corpus files laid out as on PhysioNet.

`fetch(base_url, files, target_dir)` downloads `base_url + file` for each
relative path into `target_dir` with pooch: every file is checked against the
corpus's published `SHA256SUMS.txt` (pooch's `known_hash`), a file already
there and verified is skipped, and a partial file (`<file>.part`, kept when a
transfer breaks) is resumed with an HTTP Range request (`RangeDownloader`).
URLs must be https, or http on 127.0.0.1/localhost (for tests).

`Builder` is the base of the corpus builders that PhysioNet serves: it reads
`manual_dir`, or downloads into `<data_dir>/downloads/<name>` when given a
`download_url` (`DOWNLOAD_URL`, the official one, is what
`cardiojax prepare CORPUS --download` uses). `prepare(...)` prepares any of
them from a folder or URL into a data_dir.
"""

import concurrent.futures
import contextlib
import logging
import os
import pathlib
import posixpath
import urllib.parse

import pooch
import requests
import tensorflow_datasets as tfds
import tqdm

CHECKSUM_FILE = "SHA256SUMS.txt"
_CHUNK = 1 << 16  # A broken transfer loses at most its last chunk.
_LOCAL_HOSTS = ("127.0.0.1", "localhost")


class DownloadError(OSError):
  """A file could not be downloaded or failed verification (one line naming
  the URL or file)."""


class _Interrupted(DownloadError):
  """A transfer that broke off; its `.part` file resumes it."""


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


def _get(url: str, timeout: float, start: int = 0) -> requests.Response:
  """A streamed GET (from byte `start`); DownloadError names the URL."""
  headers = {"Range": f"bytes={start}-"} if start else {}
  try:
    response = requests.get(url, headers=headers, stream=True,
                            timeout=timeout)
  except requests.RequestException as e:
    raise DownloadError(f"{url}: unreachable ({e})") from e
  if start and response.status_code == 416:  # The part is already whole.
    return response
  try:
    response.raise_for_status()
  except requests.HTTPError as e:
    response.close()
    raise DownloadError(f"{url}: HTTP {response.status_code} "
                        f"{response.reason}") from e
  return response


def read_checksums(base_url: str, timeout: float = 60.0) -> dict[str, str]:
  """Reads `<base_url>SHA256SUMS.txt` as {relative path: sha256}; {} if 404.

  Raises:
    DownloadError: unreachable, another HTTP error, or a malformed line.
  """
  url = check_url(base_url) + CHECKSUM_FILE
  try:
    with _get(url, timeout) as response:
      text = response.text
  except DownloadError as e:
    if isinstance(e.__cause__, requests.HTTPError) and (
        e.__cause__.response.status_code == 404):
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


class RangeDownloader(pooch.HTTPDownloader):
  """A pooch downloader that resumes `part` with an HTTP Range request.

  pooch streams every download into a fresh temporary file, so a broken
  transfer starts over; this one appends to the stable `part` file (from
  byte `part.stat().st_size`; from 0 when the server ignores the Range) and
  hands the whole file to pooch, which verifies its hash and moves it into
  place, or deletes it when the hash differs.
  """

  def __init__(self, part: pathlib.Path, timeout: float):
    super().__init__(timeout=timeout)
    self.part = part

  def __call__(self, url, output_file, pooch_obj, check_only=False):
    """Downloads `url` into `output_file` (a path) via `self.part`."""
    if check_only:
      return super().__call__(url, output_file, pooch_obj, check_only=True)
    start = self.part.stat().st_size if self.part.exists() else 0
    with _get(url, self.kwargs["timeout"], start) as response:
      if response.status_code != 416:
        resumed = start and response.status_code == 206
        with self.part.open("ab" if resumed else "wb") as f:
          try:
            for chunk in response.iter_content(_CHUNK):
              f.write(chunk)
          except requests.RequestException as e:  # Keep the part to resume.
            raise _Interrupted(f"{url}: interrupted after "
                               f"{f.tell()} bytes ({e})") from e
    os.replace(self.part, output_file)
    return None


@contextlib.contextmanager
def _quiet_pooch():
  """pooch logs every file at INFO; the progress bar says enough."""
  logger = pooch.get_logger()
  level = logger.level
  logger.setLevel(logging.WARNING)
  try:
    yield
  finally:
    logger.setLevel(level)


def _fetch_one(base_url: str, name: str, target_dir: pathlib.Path,
               expected: str | None, timeout: float, retries: int) -> None:
  """Downloads one file (skipped when there and verified), resuming up to
  `retries` times after a broken transfer."""
  target = target_dir / name
  url = base_url + urllib.parse.quote(name)
  downloader = RangeDownloader(target.with_name(target.name + ".part"),
                               timeout)
  known_hash = None if expected is None else f"sha256:{expected}"
  for attempt in range(retries + 1):
    try:
      pooch.retrieve(url, known_hash, fname=name, path=target_dir,
                     downloader=downloader)
      return
    except _Interrupted as e:
      if attempt == retries:
        raise _Interrupted(f"{e}; run again to resume from "
                           f"{downloader.part}") from e
    except ValueError as e:  # pooch: the hash differs; it deleted the file.
      raise DownloadError(
          f"{target}: sha256 differs from {CHECKSUM_FILE} ({expected}); the "
          f"download from {url} was deleted: run again to download it anew, "
          "or check the URL") from e


def fetch(base_url: str, files: list[str], target_dir: pathlib.Path | str,
          verify: bool = True, timeout: float = 60.0, retries: int = 3,
          workers: int = 8) -> pathlib.Path:
  """Downloads `files` (paths relative to `base_url`) into `target_dir`.

  A file already in `target_dir` is kept if it matches its checksum (or, when
  the corpus publishes none, if it exists). A broken transfer is resumed from
  its `.part` file, here up to `retries` times or by the next call. A tqdm
  bar counts the files on stderr.

  Args:
    base_url: the corpus root, e.g. 'https://physionet.org/files/mitdb/1.0.0/'.
    files: relative paths in the corpus layout, e.g. ['100.hea', '100.dat'].
    target_dir: where the files go (created if needed), same layout.
    verify: check files against `SHA256SUMS.txt` when the server has one; a
      listed file that is missing from it is an error.
    timeout: seconds per network operation.
    retries: resumptions of a broken transfer before giving up.
    workers: files downloaded at once (PTB-XL has ~44,000 small files).

  Returns:
    `target_dir` as a path.

  Raises:
    DownloadError: a URL is unreachable, returns an HTTP error, breaks off
      (the `.part` file stays, to resume), or a file's sha256 disagrees with
      the published one (the file is deleted).
    ValueError: the URL scheme or a file name is not allowed.
  """
  base_url = check_url(base_url)
  target_dir = pathlib.Path(target_dir).absolute()
  names = list(dict.fromkeys(_safe_relative(f) for f in files))
  sums = read_checksums(base_url, timeout) if verify else {}
  missing = [name for name in names if sums and name not in sums]
  if missing:
    raise DownloadError(f"{base_url}{CHECKSUM_FILE}: no checksum for "
                        f"{missing[0]}")
  for parent in {(target_dir / name).parent for name in names}:
    parent.mkdir(parents=True, exist_ok=True)  # Not racing in the threads.
  with (_quiet_pooch(),
        concurrent.futures.ThreadPoolExecutor(max(1, workers)) as pool,
        tqdm.tqdm(total=len(names), unit="file",
                  desc=f"download {base_url}") as bar):
    jobs = [pool.submit(_fetch_one, base_url, name, target_dir,
                        sums.get(name), timeout, retries) for name in names]
    try:
      for job in concurrent.futures.as_completed(jobs):
        job.result()
        bar.update()
    finally:
      for job in jobs:
        job.cancel()
  return target_dir


class Builder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
  """A builder that reads `manual_dir` or downloads from `download_url`."""
  # The corpus root on PhysioNet (`cardiojax prepare CORPUS --download`);
  # None: no official download.
  DOWNLOAD_URL: str | None = None

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
