"""The `cardiojax` command: `cardiojax COMMAND [flags]`.

    cardiojax train --config=seq2seq:smoke --workdir=runs/smoke
    cardiojax eval|predict|explain --config=... --workdir=RUN [--input=...]
    cardiojax study --config=studies/lead_elimination --workdir=DIR
    cardiojax serve --workdir=RUN [--port=8000]
    cardiojax prepare CORPUS --manual_dir=DIR | --download [--data_dir=DIR]

train, eval, predict, explain and study take the flags of
`python -m cardiojax.main` (`--mode` is the command); serve those of
`python -m cardiojax.serve`; prepare those of `cardiojax.modes.prepare`.
Nothing heavy is imported before the command is known, so `cardiojax
--help` and `--version` answer at once.
"""

import sys

from cardiojax import _version

_RUN_COMMANDS = {  # the modes of cardiojax.main
    "train": "train a model, then score it as eval does "
             "(--config=NAME[:variant] [--workdir=DIR])",
    "eval": "score a run's best checkpoint on its test split "
            "(--config=... --workdir=RUN)",
    "predict": "predict record files with a run "
               "(--config=... --workdir=RUN --input=PATH)",
    "explain": "attributions and lead importance of a run "
               "(--config=... --workdir=RUN [--input=RECORD])",
    "study": "run a composite study "
             "(--config=studies/NAME [--workdir=DIR])",
}
_OTHER_COMMANDS = {
    "serve": "the ECG viewer and JSON API over a run (--workdir=RUN)",
    "prepare": "prepare a corpus once (CORPUS --manual_dir=DIR | --download)",
}
COMMANDS = (*_RUN_COMMANDS, *_OTHER_COMMANDS)


def usage() -> str:
  """The text of `cardiojax --help`."""
  rows = "\n".join(f"  {name:<9}{text}" for name, text in
                   {**_RUN_COMMANDS, **_OTHER_COMMANDS}.items())
  return (f"usage: cardiojax COMMAND [flags]\n\ncommands:\n{rows}\n\n"
          f"--config takes a built-in config by name (seq2seq:smoke, "
          f"ptbxl:superdiagnostic, studies/lead_elimination) or a config "
          f"file; a local ./NAME.py wins over the built-in NAME.\n"
          f"--json prints the summary of a run as JSON on stdout.\n"
          f"cardiojax COMMAND --help lists the flags of a command; "
          f"cardiojax --version prints the version.")


def _run_help(command: str) -> str:
  """`cardiojax COMMAND --help` for the modes: the flags of cardiojax.main."""
  # pylint: disable=g-import-not-at-top
  from absl import flags
  from cardiojax import config_names
  from cardiojax import main as main_lib
  return (f"usage: cardiojax {command} --config=NAME[:variant] [flags] "
          f"[--config.a.b=value ...]\n\n{_RUN_COMMANDS[command]}\n\n"
          f"built-in configs: {', '.join(config_names.builtin_configs())}\n\n"
          f"flags (--mode is the command):\n"
          f"{flags.FLAGS.module_help(main_lib)}\n")


def main(argv: list[str] | None = None) -> int:
  """Runs `cardiojax COMMAND [flags]` (`argv` default: sys.argv); returns the
  exit status (2, with one line on stderr, for a user's mistake)."""
  argv = sys.argv if argv is None else argv
  command, args = (argv[1], argv[2:]) if len(argv) > 1 else (None, [])
  if command in ("-h", "--help", "help"):
    print(usage())
    return 0
  if command == "--version":
    print(f"cardiojax {_version.__version__}")
    return 0
  if command not in COMMANDS:
    given = "no command" if command is None else f"unknown command {command!r}"
    print(f"error: cardiojax: {given}; expected one of {', '.join(COMMANDS)} "
          f"(cardiojax --help)", file=sys.stderr)
    return 2
  program = f"cardiojax {command}"
  # pylint: disable=g-import-not-at-top
  if command == "serve":
    from cardiojax import serve
    return serve.main(args)
  if command == "prepare":
    from cardiojax.modes import prepare
    return prepare.main([program, *args])
  if any(arg in ("-h", "--help", "--helpshort") for arg in args):
    print(_run_help(command))
    return 0
  if any(arg.startswith(("--mode=", "-mode=")) or arg in ("--mode", "-mode")
         for arg in args):
    print(f"error: {program}: --mode is the command; drop the --mode flag",
          file=sys.stderr)
    return 2
  from cardiojax import main as main_lib
  main_lib.run([program, f"--mode={command}", *args])  # exits
