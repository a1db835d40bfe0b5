"""Command line: python -m cardiojax.main --config=configs/NAME.py[:variant].

Flags: --workdir (default: a new timestamped folder under runs/), --mode
(train, eval, predict, explain), --input (a record, for predict and
explain). Config fields are overridden with type-checked --config.a.b=value
flags.
"""

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
_INPUT = flags.DEFINE_string("input", None, "Record to predict or explain (--mode=predict|explain).")
flags.mark_flags_as_required(["config"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {argv[1:]}")
  if not flags.FLAGS["verbosity"].present:  # orbax logs every save at INFO
    logging.set_verbosity(logging.WARNING)
  modes.run(_CONFIG.value, mode=_MODE.value, workdir=_WORKDIR.value,
          config_path=flags.FLAGS["config"].config_filename,
          input_path=_INPUT.value)


if __name__ == "__main__":
  app.run(main)
