r"""What each XLA:CPU change of the speed work buys, measured in one process.

Builds the cardiojax train step of each case several times, with the changes
switched on one after another (by swapping the implementation the model code
calls before it is traced), then times the variants alternately so all see the
same load:

  baseline      `lax.conv_general_dilated`, no `common.materialize`
  +materialize  residual streams written once (`common.materialize`)
  +conv_vjp     and the matmul input gradient of `models.conv`

  python experiments/benchmarks/ablation.py --json_out=experiments/benchmarks/ablation_speed_work.json

The LSTM layer (`recurrent.LSTMLayer` against flax's `OptimizedLSTMCell` in
`nn.RNN`) changes the parameter layout, so it is compared across commits with
`speed.py --jax_only` instead (RESULTS.md).
"""

import os
import sys

from absl import app
from absl import flags
import numpy as np
from jax import lax

from cardiojax.models import common
from cardiojax.models import conv as conv_lib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import speed  # pylint: disable=g-import-not-at-top

_REPS = flags.DEFINE_integer("reps", 9, "Alternated timed repetitions per variant.")
FLAGS = flags.FLAGS  # --cases and --json_out are speed.py's flags.
DEFAULT_CASES = ("resnet34", "ribeiro_resnet", "dilated_cnn_bilstm")

_IDENTITY = lambda x: x  # noqa: E731
VARIANTS = {  # name -> (materialize, conv_general_dilated)
    "baseline": (_IDENTITY, lax.conv_general_dilated),
    "+materialize": (common.materialize, lax.conv_general_dilated),
    "+conv_vjp": (common.materialize, conv_lib.conv_general_dilated),
}


def _runner(case, materialize, conv):
  """A speed.JaxRunner whose step is traced with the given implementations."""
  saved = common.materialize, conv_lib.conv_general_dilated
  common.materialize, conv_lib.conv_general_dilated = materialize, conv
  try:
    runner = speed.JaxRunner(case, case.length, case.train_batch, case.infer_batch)
    runner.train_step()  # traces and compiles with the swapped implementations
    return runner
  finally:
    common.materialize, conv_lib.conv_general_dilated = saved


def measure(name: str, reps: int) -> dict:
  case = speed.CASES[name]
  runners = {v: _runner(case, *impl) for v, impl in VARIANTS.items()}
  times = speed._alternate({v: r.train_step for v, r in runners.items()}, 2, reps)  # pylint: disable=protected-access
  medians = {v: float(np.median(t)) for v, t in times.items()}
  base = np.asarray(times["baseline"])
  return {"case": name, "train_batch": case.train_batch, "median_s": medians,
          "ratio_to_baseline": {v: float(np.median(np.asarray(t) / base))
                                for v, t in times.items()},
          "times_s": times}


def main(argv):
  del argv
  load_before = os.getloadavg()
  results = [measure(name, _REPS.value) for name in FLAGS.cases or DEFAULT_CASES]
  print("| case | " + " | ".join(f"{v} ms" for v in VARIANTS) + " | "
        + " | ".join(f"{v} / baseline" for v in list(VARIANTS)[1:]) + " |")
  print("|---|" + "---:|" * (2 * len(VARIANTS) - 1))
  for r in results:
    print(f"| {r['case']} | " + " | ".join(f"{1e3 * r['median_s'][v]:.1f}" for v in VARIANTS)
          + " | " + " | ".join(f"{r['ratio_to_baseline'][v]:.3f}" for v in list(VARIANTS)[1:])
          + " |")
  settings = {"variants": list(VARIANTS), "warmup": 2, "reps": _REPS.value,
              "what": "median train-step time of each variant, alternated"}
  speed.write_json(FLAGS.json_out, {**speed.report(settings, results, load_before),
                                     "benchmark": "ablation"})


if __name__ == "__main__":
  app.run(main)
