"""Uploaded record files: safe names, a private folder, the record to read.

A client's file name never reaches the disk as sent. A name with a folder part
('/' or '\\'), '..', a NUL, or without a known extension (`SUFFIXES`) is
refused; other characters outside [A-Za-z0-9_.+-] become '_' (a WFDB header
cannot name such a file anyway). The files are written into a folder the
caller owns (a `tempfile.TemporaryDirectory` per request), and the header of a
WFDB record may only name signal files and segments uploaded beside it, so
wfdb never opens a path the client chose.

Which file is the record: the one WFDB header that no other uploaded header
names (a multi-segment record brings its segment headers), else the one
`.mat`, `.npy` or `.csv` file. Everything refused raises `UploadError` with one
line naming the file and the fix.
"""

import pathlib
import re
import shutil
from typing import BinaryIO, Iterable

SUFFIXES = (".hea", ".dat", ".mat", ".npy", ".csv")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")
_MAX_NAME = 128
_CHUNK = 1 << 20


class UploadError(ValueError):
  """Uploaded files that cannot be taken as one record (HTTP 400)."""


def safe_name(name: str) -> str:
  """The base name a client's file `name` is stored under.

  Raises:
    UploadError: a folder part, '..', NUL, an unknown extension, or no name.
  """
  name = str(name or "").strip()
  if "/" in name or "\\" in name or ".." in name or "\x00" in name:
    raise UploadError(f"file name {name!r}: a plain file name is expected "
                      f"(no folders, no '..'); select the record's files "
                      f"themselves")
  safe = _UNSAFE.sub("_", name)
  stem, suffix = safe.rpartition(".")[0], pathlib.PurePath(safe).suffix.lower()
  if suffix not in SUFFIXES:
    raise UploadError(f"file name {name!r}: unknown extension "
                      f"{suffix or '(none)'!r}; expected one of "
                      f"{', '.join(SUFFIXES)}")
  if not stem or stem.startswith(".") or len(safe) > _MAX_NAME:
    raise UploadError(f"file name {name!r}: expected a record name before "
                      f"{suffix} (at most {_MAX_NAME} characters, not "
                      f"starting with '.')")
  return safe


def save(folder: pathlib.Path, uploads: Iterable[tuple[str, BinaryIO]]
         ) -> list[str]:
  """Writes each (client name, file object) into `folder` under its safe
  name; returns the names written.

  Raises:
    UploadError: a refused name, two files of one name, or no file.
  """
  names = []
  for client_name, stream in uploads:
    name = safe_name(client_name)
    if name in names:
      raise UploadError(f"file name {client_name!r}: two uploaded files are "
                        f"named {name}; upload each file once")
    with open(folder / name, "wb") as out:
      shutil.copyfileobj(stream, out, _CHUNK)
    names.append(name)
  if not names:
    raise UploadError("no file uploaded: select a record (a WFDB .hea with "
                      "its .dat or .mat, a CPSC .mat, an LLNL .npy or a beat "
                      ".csv) or an example")
  return names


def record_file(folder: pathlib.Path, names: list[str]) -> pathlib.Path:
  """The record among the uploaded `names` in `folder` (module docstring).

  Raises:
    UploadError: no record, several records, a WFDB signal file without its
      header, or a header naming a file that was not uploaded.
  """
  headers = [n for n in names if n.lower().endswith(".hea")]
  if not headers:
    dats = [n for n in names if n.lower().endswith(".dat")]
    if dats:
      raise UploadError(f"{dats[0]}: a WFDB signal file needs its header: "
                        f"select the .hea and the .dat together")
    if len(names) > 1:
      raise UploadError(f"{', '.join(names)}: several records; upload one "
                        f"record at a time")
    return folder / names[0]
  named = {}
  for header in headers:
    named[header] = _header_files(folder, header)
  segment_headers = {n for files in named.values() for n in files
                     if n.lower().endswith(".hea")}
  masters = [h for h in headers if h not in segment_headers]
  if len(masters) != 1:
    raise UploadError(f"{', '.join(masters or headers)}: several WFDB records "
                      f"(or a loop of segments); upload one record at a "
                      f"time")
  missing = sorted({n for files in named.values() for n in files} - set(names))
  if missing:
    raise UploadError(f"{masters[0]}: the record needs {', '.join(missing)}, "
                      f"which was not uploaded; select the .hea together with "
                      f"every file it names")
  return folder / masters[0]


def _header_files(folder: pathlib.Path, header: str) -> list[str]:
  """The files a WFDB header names: its signal files, or the headers of its
  segments (a multi-segment record).

  Raises:
    UploadError: the header is unreadable or names a path.
  """
  import wfdb  # pylint: disable=g-import-not-at-top
  record = str(folder / header[:-len(".hea")])
  try:
    parsed = wfdb.rdheader(record)
  except Exception as error:  # pylint: disable=broad-except  (wfdb raises anything)
    raise UploadError(f"{header}: unreadable WFDB header: "
                      f"{str(error).strip() or type(error).__name__}") from None
  segments = getattr(parsed, "seg_name", None)
  if segments is not None:
    files = [f"{name}.hea" for name in segments if name != "~"]
  else:
    files = list(dict.fromkeys(parsed.file_name or ()))
  for name in files:
    if "/" in name or "\\" in name or ".." in name:
      raise UploadError(f"{header}: names the file {name!r}; a header may only "
                        f"name files beside it")
  return files
