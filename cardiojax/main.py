"""Command line: python -m cardiojax.main --config=configs/NAME.py[:variant].

Flags: --workdir (default: a new timestamped folder under runs/), --mode
(train, eval, predict, explain, study), --input (records to predict or explain),
--reference and --beats (beat models). Config fields are overridden with
type-checked --config.a.b=value flags.

An error the user can cause (a missing file, an unknown format, a record
lacking the model's leads, a run restored with another config, ...) prints
one line naming the file or field and the fix, and exits with status 2; the
traceback appears with --verbosity=1.
"""

import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from cardiojax import modes

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment config file (configs/NAME.py[:variant]).",
    lock_config=True)
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
flags.mark_flags_as_required(["config"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  if not flags.FLAGS["verbosity"].present:  # orbax logs every save at INFO
    logging.set_verbosity(logging.WARNING)
  try:
    modes.run(_CONFIG.value, mode=_MODE.value, workdir=_WORKDIR.value,
              config_path=flags.FLAGS["config"].config_filename,
              input_path=_INPUT.value, reference=_REFERENCE.value,
              beats=_BEATS.value)
  except modes.USER_ERRORS as error:
    if flags.FLAGS["verbosity"].value >= 1:
      raise
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"error: {message} (--verbosity=1 for the traceback)",
          file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
  app.run(main)
