"""`cardiojax prepare CORPUS`: prepare a corpus once, for the configs that read it.

    cardiojax prepare ptbxl --manual_dir=~/data          # the unzipped folder or its parent
    cardiojax prepare mitdb --download                   # the official PhysioNet files
    cardiojax prepare ptbxl --manual_dir=DIR --config=ptbxl_age --config=lead_reconstruction
    cardiojax prepare cinc --manual_dir=DIR --config.data.label_map_dir=MAPS

Preparing runs each chosen built-in config's own data loading
(`cardiojax.datasets.<corpus>.load`), so the ArrayRecord files land exactly
where that config reads them: in the prepared-data root
(`cardiojax.datasets.paths.data_root()`: $CARDIOJAX_DATA_DIR, else
~/cardiojax_data/tfds) or `--data_dir`. Afterwards `cardiojax train
--config=NAME` finds the corpus prepared and needs no --config.data.manual_dir.
By default the corpus's main config is prepared (`CORPORA`); `--config`
(repeatable) chooses others, e.g. the 500 Hz PTB-XL of `ptbxl_age`.
`--config.data.FIELD=VALUE` sets a data field of every chosen config (say
the CinC label tables); training then needs the same flag.

`--download` fetches the official PhysioNet files into
`<data_dir>/downloads/<corpus>` (resumable, each file checked against the
corpus's SHA256SUMS.txt; `cardiojax.datasets.download`), for the corpora
PhysioNet serves (mitdb, ptbxl, ptbdb). A mistake (an unknown corpus or
flag, a folder of another corpus, a broken download) is one line on stderr
naming the flag and the fix, exit status 2 (the traceback with
--verbosity=1).
"""

import argparse
import ast
import dataclasses
import difflib
import importlib.util
import os
import re
import shlex
import sys

import ml_collections

from cardiojax import config_names
from cardiojax import datasets
from cardiojax import modes
from cardiojax.datasets import download as download_lib
from cardiojax.datasets import paths
from cardiojax.datasets import prepared


@dataclasses.dataclass(frozen=True)
class Corpus:
  """What `cardiojax prepare` knows of a corpus.

  Attributes:
    builder: the tfds builder class in `cardiojax.datasets.<corpus>`.
    configs: the built-in configs prepared by default (empty: the corpus has
      no training config; its builder's default config is prepared).
    data_fields: config.data fields that preparing from a folder sets (and
      that training must repeat).
  """
  builder: str
  configs: tuple[str, ...] = ()
  data_fields: tuple[tuple[str, str], ...] = ()


CORPORA = {
    "cinc": Corpus("Cinc", ("cinc",)),
    "cpsc2018": Corpus("Cpsc2018", ("cpsc2018_resnet34",)),
    "intracardiac": Corpus("Intracardiac", ("seq2seq",),
                           (("source", "llnl"),)),
    "kaggle_heartbeat": Corpus("KaggleHeartbeat", ("beats_kaggle_mitbih",
                                                   "beats_kaggle_ptb")),
    "mitdb": Corpus("Mitdb", ("beats_mitdb",)),
    "ptbdb": Corpus("Ptbdb"),
    "ptbxl": Corpus("Ptbxl", ("ptbxl",)),
}
_OVERRIDE = re.compile(r"--config\.data\.(\w+)=(.*)", re.S)


def _builder_cls(corpus: str):
  """The builder class of `corpus`; ValueError (one line) if unknown."""
  if corpus not in CORPORA:
    close = difflib.get_close_matches(corpus, CORPORA, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise ValueError(f"CORPUS {corpus!r}: unknown corpus; {hint}expected one "
                     f"of {', '.join(CORPORA)} (cardiojax prepare CORPUS "
                     f"--manual_dir=DIR)")
  module = importlib.import_module(f"cardiojax.datasets.{corpus}")
  return getattr(module, CORPORA[corpus].builder)


def load_config(spec: str) -> ml_collections.ConfigDict:
  """The config `--config=spec` means (a built-in name or a file, with its
  variant; `cardiojax.config_names.resolve`, whose note goes to stderr)."""
  resolved = config_names.resolve(spec)
  if resolved.note:
    print(resolved.note, file=sys.stderr)
  path, _, variant = resolved.value.partition(":")
  module_spec = importlib.util.spec_from_file_location(
      f"cardiojax_prepare_config_{abs(hash(path))}", path)
  module = importlib.util.module_from_spec(module_spec)
  module_spec.loader.exec_module(module)
  return module.get_config(variant) if variant else module.get_config()


def _parse_value(data: ml_collections.ConfigDict, field: str, text: str):
  """`text` as the type of `config.data.<field>` (strings stay as typed)."""
  if data.get_type(field) is str:
    return text
  try:
    return ast.literal_eval(text)
  except (ValueError, SyntaxError):
    return text


def _set_fields(config, spec: str, fields: dict[str, str]) -> None:
  """Sets `config.data.<field>` from text; ValueError names the flag."""
  for field, text in fields.items():
    flag = f"--config.data.{field}"
    if field not in config.data:
      raise ValueError(f"{flag}: --config={spec} has no data field {field!r}"
                       f"; expected one of {', '.join(config.data)}")
    try:
      config.data[field] = _parse_value(config.data, field, text)
    except TypeError as e:
      raise ValueError(f"{flag}={text}: {str(e).splitlines()[0]}") from e


def _train_command(spec: str, data_dir: str, default_dir: str,
                   fields: dict[str, str]) -> str:
  """The training command that reads what was prepared."""
  flags = [f"--config={spec}"]
  if os.path.abspath(data_dir) != os.path.abspath(default_dir):
    flags.append(f"--config.data.data_dir={data_dir}")
  flags += [f"--config.data.{k}={v}" for k, v in fields.items()]
  return "cardiojax train " + " ".join(shlex.quote(f) for f in flags)


def _chosen_config(corpus: str, spec: str, source: dict, data_dir,
                   fields: dict[str, str]) -> tuple[ml_collections.ConfigDict,
                                                    str]:
  """The config `--config=spec` pointed at the corpus folder or download,
  and the data_dir it reads by itself."""
  config = load_config(spec)
  if "data" not in config:
    raise ValueError(f"--config={spec}: not an experiment config (no data "
                     f"section); pick a config of {corpus} (e.g. "
                     f"{', '.join(CORPORA[corpus].configs)})")
  if config.data.name != corpus:
    raise ValueError(
        f"--config={spec}: it reads {config.data.name}, not {corpus}; run "
        f"`cardiojax prepare {config.data.name} --config={spec} ...`, or pick "
        f"a config of {corpus} (e.g. {', '.join(CORPORA[corpus].configs)})")
  default_dir = config.data.data_dir
  _set_fields(config, spec, fields)
  config.data.manual_dir = source["manual_dir"]
  config.data.download_url = source["download_url"]
  if data_dir is not None:
    config.data.data_dir = os.path.abspath(os.path.expanduser(data_dir))
  return config, default_dir


def _describe(item: prepared.PreparedBuilder) -> dict:
  builder = item.builder
  return {"name": f"{builder.name}/{builder.builder_config.name}",
          "dir": str(builder.data_dir), "prepared_now": item.prepared_now}


def prepare_corpus(corpus: str, *, manual_dir: str | None = None,
                   download: bool = False, data_dir: str | None = None,
                   configs: list[str] | tuple[str, ...] | None = None,
                   download_url: str | None = None,
                   data_fields: dict[str, str] | None = None) -> dict:
  """Prepares `corpus` for the built-in configs that read it.

  Args:
    corpus: a key of `CORPORA` (the module in `cardiojax.datasets`).
    manual_dir: the unzipped corpus folder, or the folder holding it (then
      the one corpus folder inside is used, said on stderr).
    download: fetch the official files instead (corpora with a
      `DOWNLOAD_URL`) into `<data_dir>/downloads/<corpus>`.
    data_dir: the prepared-data folder (default: each config's own,
      `paths.data_root()` for the built-in configs; their `:smoke` variants
      use a temporary folder).
    configs: `--config` values (built-in names or files, with variants)
      reading `corpus`; default `CORPORA[corpus].configs`.
    download_url: overrides the corpus root URL (implies `download`; https,
      or http on 127.0.0.1 for tests).
    data_fields: `config.data` fields to set, as typed on the command line
      ({'label_map_dir': '/maps'}).

  Returns:
    {'corpus', 'manual_dir', 'download_url', 'configs': [{'config',
    'data_dir', 'prepared': [{'name', 'dir', 'prepared_now'}], 'train'}]}.

  Raises:
    ValueError: an unknown corpus, config or field, neither or both of
      manual_dir and download, or a folder that is not the corpus (one line
      naming the flag and the fix).
    OSError: a file the corpus lacks; `download.DownloadError` (an OSError):
      a download that failed or does not match its checksum.
  """
  builder_cls = _builder_cls(corpus)
  name = prepared.corpus_name(builder_cls)
  instructions = builder_cls.MANUAL_DOWNLOAD_INSTRUCTIONS
  download = download or download_url is not None
  if download == (manual_dir is not None):
    given = "both" if download else "neither"
    raise ValueError(f"--manual_dir or --download: {given} given; pass "
                     f"--manual_dir=DIR, DIR: {instructions}"
                     + (", or --download (the official PhysioNet files)"
                        if getattr(builder_cls, "DOWNLOAD_URL", None) else ""))
  if download:
    download_url = download_url or getattr(builder_cls, "DOWNLOAD_URL", None)
    if not download_url:
      raise ValueError(f"--download: cardiojax cannot download {name}; "
                       f"download it yourself and pass --manual_dir=DIR, "
                       f"DIR: {instructions}")
    try:
      download_url = download_lib.check_url(download_url)
    except ValueError as e:
      raise ValueError(f"--download_url: {e}") from e
  else:
    manual_dir = prepared.check_manual_dir(
        builder_cls, os.path.abspath(os.path.expanduser(manual_dir)),
        flag="--manual_dir")
  source = {"manual_dir": manual_dir, "download_url": download_url}
  fields = {**dict(CORPORA[corpus].data_fields), **(data_fields or {})}
  summary = {"corpus": corpus, **source, "configs": []}
  specs = list(configs or CORPORA[corpus].configs)
  if not CORPORA[corpus].configs:
    if configs or fields:
      raise ValueError(f"--config: no built-in config reads {corpus}; drop "
                       "--config and --config.data.* flags")
    root = os.path.abspath(os.path.expanduser(data_dir or paths.data_root()))
    data = ml_collections.ConfigDict({"data_dir": root, **source})
    print(f"[1/1] {name}", file=sys.stderr)
    with prepared.watch() as seen:
      prepared.prepared_builder(builder_cls, None, data)
    summary["configs"].append({"config": None, "data_dir": root,
                               "prepared": [_describe(i) for i in seen],
                               "train": None})
  chosen = [_chosen_config(corpus, spec, source, data_dir, fields)
            for spec in specs]  # Every mistake before any work.
  for index, (spec, (config, default_dir)) in enumerate(zip(specs, chosen),
                                                        1):
    print(f"[{index}/{len(specs)}] --config={spec}: {name}, then reading it "
          "as training does", file=sys.stderr)
    with prepared.watch() as seen:
      datasets.corpus(corpus).load(config.data)
    summary["configs"].append({
        "config": spec, "data_dir": config.data.data_dir,
        "prepared": [_describe(item) for item in seen],
        "train": _train_command(spec, config.data.data_dir, default_dir,
                                fields)})
  return summary


def _report(summary: dict) -> str:
  """What was prepared, where, and the command that reads it."""
  lines = []
  for entry in summary["configs"]:
    for item in entry["prepared"]:
      state = "prepared now" if item["prepared_now"] else "already prepared"
      lines.append(f"ready: {item['name']} in {item['dir']} ({state})")
    if entry["train"]:
      lines.append(f"  --config={entry['config']} reads it: "
                   f"{entry['train']}")
  if summary["download_url"]:
    lines.append("downloaded files: " + str(paths.downloads_dir(
        summary["configs"][0]["data_dir"], summary["corpus"])))
  return "\n".join(lines)


class _UsageError(Exception):
  """A command-line mistake (argparse's message)."""


class _Parser(argparse.ArgumentParser):
  """argparse with each mistake as one line (`_UsageError`)."""

  def error(self, message):
    raise _UsageError(message)


def _parser() -> _Parser:
  parser = _Parser(
      prog="cardiojax prepare", allow_abbrev=False,
      description="Prepare a corpus once into the prepared-data root "
      "($CARDIOJAX_DATA_DIR, else ~/cardiojax_data/tfds) for the built-in "
      "configs that read it.",
      epilog="--config.data.FIELD=VALUE sets a data field of every chosen "
      "config (e.g. --config.data.label_map_dir=DIR for cinc).")
  parser.add_argument("corpus", metavar="CORPUS", nargs="?",
                      help=f"one of {', '.join(CORPORA)}")
  parser.add_argument("--manual_dir", metavar="DIR",
                      help="the unzipped corpus folder, or the folder "
                      "holding it")
  parser.add_argument("--download", action="store_true",
                      help="fetch the official PhysioNet files (mitdb, "
                      "ptbxl, ptbdb): resumable, checksums verified")
  parser.add_argument("--data_dir", metavar="DIR",
                      help="prepare here instead of each config's data_dir "
                      "(training then needs --config.data.data_dir=DIR)")
  parser.add_argument("--config", action="append", metavar="NAME[:variant]",
                      help="a built-in config (or file) to prepare for; "
                      "repeatable; default: the corpus's main config")
  parser.add_argument("--download_url", help=argparse.SUPPRESS)
  parser.add_argument("--verbosity", type=int, default=0,
                      help="1: the traceback of an error")
  return parser


def _parse(argv: list[str]):
  args, rest = _parser().parse_known_args(argv[1:])
  fields = {}
  for arg in rest:
    match = _OVERRIDE.fullmatch(arg)
    if match is None:
      raise _UsageError(f"unrecognized argument {arg!r}; expected "
                        "--config.data.FIELD=VALUE or a flag of "
                        "`cardiojax prepare --help`")
    fields[match.group(1)] = match.group(2)
  if args.corpus is None:
    raise _UsageError(f"CORPUS is missing: cardiojax prepare CORPUS "
                      f"--manual_dir=DIR, CORPUS one of {', '.join(CORPORA)}")
  return args, fields


def main(argv: list[str]) -> int:
  """`cardiojax prepare` (argv as sys.argv: program name first); returns the
  exit status: 0, or 2 with one line on stderr for a mistake."""
  try:
    args, fields = _parse(argv)
  except _UsageError as error:
    print(f"error: cardiojax prepare: {error}", file=sys.stderr)
    return 2
  try:
    summary = prepare_corpus(
        args.corpus, manual_dir=args.manual_dir, download=args.download,
        data_dir=args.data_dir, configs=args.config,
        download_url=args.download_url, data_fields=fields)
  except modes.USER_ERRORS as error:
    if args.verbosity >= 1:
      raise
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"error: {message} (--verbosity=1 for the traceback)",
          file=sys.stderr)
    return 2
  print(_report(summary))
  return 0
