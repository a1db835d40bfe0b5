"""Command line: python -m cardiojax.main --config=NAME[:variant] [flags].

The same as `cardiojax MODE [flags]` (cardiojax/cli.py). --config takes a
built-in config by name (seq2seq:smoke, ptbxl:superdiagnostic,
studies/lead_elimination) or a config file (configs/NAME.py[:variant]) from
any working directory; a local ./NAME.py wins over the built-in NAME, and
stderr says so (`cardiojax.config_names`). Flags: --workdir (default: a new
timestamped folder under runs/), --mode (train, eval, predict, explain,
study), --input (records to predict or explain), --reference and --beats
(beat models), --json (print the run's summary as JSON on stdout; it is
always written to <workdir>/summary_<mode>.json). Config fields are
overridden with type-checked --config.a.b=value flags.

An error the user can cause (an unknown config or flag, a missing file, an
unknown format, a record lacking the model's leads, a run restored with
another config, ...) prints one line naming the flag, file or field and the
fix, and exits with status 2; the traceback of a run's error appears with
--verbosity=1.
"""

import functools
import sys
from typing import NoReturn

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from cardiojax import config_names
from cardiojax import modes

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config: a built-in name (seq2seq:smoke, "
    "ptbxl:superdiagnostic, studies/lead_elimination) or a file "
    "(configs/NAME.py[:variant]); a local ./NAME.py wins over the built-in "
    "NAME.", lock_config=True)
_WORKDIR = flags.DEFINE_string(
    "workdir", None, "Run directory; rerunning with the same one resumes.")
_MODE = flags.DEFINE_enum("mode", "train", modes.MODES, "What to do.")
_INPUT = flags.DEFINE_string(
    "input", None, "Record to predict or explain (--mode=predict|explain): a "
    "file; for predict also a folder or a glob.")
_REFERENCE = flags.DEFINE_string(
    "reference", None, "Annotation extension (e.g. atr) beside a WFDB record: "
    "score beat predictions against it, beat by beat (EC57).")
_BEATS = flags.DEFINE_enum(
    "beats", "detector", ("detector", "reference"),
    "Beats to classify: found by QRS detection, or those of --reference.")
_JSON = flags.DEFINE_bool(
    "json", False, "Also print the run's summary as JSON on stdout (always "
    "written to <workdir>/summary_<mode>.json).")
flags.mark_flags_as_required(["config"])


def _exit_with(message: str) -> NoReturn:
  """The one-line error of a user's mistake (exit status 2)."""
  print(f"error: {message}", file=sys.stderr)
  sys.exit(2)


def main(argv, *, config_spec: str) -> None:
  """Runs the mode of the parsed flags; `config_spec` is --config as typed."""
  if len(argv) > 1:
    _exit_with(f"unexpected arguments {argv[1:]}: every setting is a "
               f"--flag=value (--help lists them)")
  if not flags.FLAGS["verbosity"].present:  # orbax logs every save at INFO
    logging.set_verbosity(logging.WARNING)
  try:
    modes.run(_CONFIG.value, mode=_MODE.value, workdir=_WORKDIR.value,
              config_path=config_spec,
              input_path=_INPUT.value, reference=_REFERENCE.value,
              beats=_BEATS.value, print_json=_JSON.value)
  except modes.USER_ERRORS as error:
    if flags.FLAGS["verbosity"].value >= 1:
      raise
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    _exit_with(f"{message} (--verbosity=1 for the traceback)")


def resolve_config_flag(argv: list[str]) -> tuple[list[str], str | None]:
  """`argv` with each --config value resolved to its file
  (`config_names.resolve`; its notes go to stderr) and the value as typed.

  Raises:
    ValueError: a --config value that is neither a file nor a built-in
      config (one line).
  """
  argv, spec = list(argv), None
  index = 1
  while index < len(argv) and argv[index] != "--":
    name, equals, value = argv[index].partition("=")
    if name in ("--config", "-config"):
      at = index if equals else index + 1
      if at < len(argv):
        spec = value if equals else argv[at]
        resolved = config_names.resolve(spec)
        if resolved.note:
          print(resolved.note, file=sys.stderr)
        argv[at] = f"{name}={resolved.value}" if equals else resolved.value
      index = at
    index += 1
  return argv, spec


def _flag_error(error: Exception, argv: list[str], spec: str | None) -> str:
  """One line for an error of flag parsing: the flag and what is wrong."""
  if isinstance(error, (AttributeError, KeyError)):  # --config.a.b: no field b
    key_error = error if isinstance(error, KeyError) else error.__context__
    text = (key_error.args[0] if isinstance(key_error, KeyError)
            and key_error.args else str(error))
    field, _, hint = str(text).partition("\n")
    field = field.strip("'\"")
    flag = next((arg.split("=")[0] for arg in argv[1:]
                 if arg.lstrip("-").startswith("config.")
                 and field in arg.split("=")[0].split(".")),
                f"--config={spec}")
    return f"{flag}: the config has no field {field!r}" + (
        f"; {hint}" if hint else "")
  message = str(error)
  if "\n" in message:  # config_flags wraps the config's own error in a trace
    innermost = error
    while innermost.__context__ is not None:
      innermost = innermost.__context__
    first = str(innermost).splitlines()[0] if str(innermost) else ""
    return f"--config={spec}: {first or type(innermost).__name__}"
  return message.removeprefix("flag ")


def _parse_flags(argv: list[str], spec: str | None) -> list[str]:
  """absl's flag parsing, each error one line with exit status 2."""
  try:
    return flags.FLAGS(argv)
  except (flags.Error, AttributeError, KeyError) as error:
    _exit_with(_flag_error(error, argv, spec))


def run(argv: list[str]) -> NoReturn:
  """Resolves --config by name, parses the flags and runs `main`; exits
  (status 2 with one line on stderr for a user's mistake)."""
  help_asked = any(arg.lstrip("-") in ("help", "helpshort", "helpfull",
                                       "helpxml", "?") for arg in argv[1:])
  try:
    argv = flags.FLAGS.read_flags_from_files(argv, force_gnu=False)
    argv, spec = resolve_config_flag(argv)
  except (flags.Error, ValueError) as error:
    _exit_with(str(error))
  if spec is None and not help_asked:
    _exit_with(f"--config is required: --config=NAME[:variant] or "
               f"--config=FILE.py[:variant]; built-in configs: "
               f"{', '.join(config_names.builtin_configs())}")
  app.run(functools.partial(main, config_spec=spec), argv=argv,
          flags_parser=functools.partial(_parse_flags, spec=spec))


if __name__ == "__main__":
  run(sys.argv)
