r"""What each XLA:CPU change of the speed work buys, measured in one process.

Builds the cardiojax train step of each case several times, with the changes
switched on one after another (by swapping the implementation the model code
calls before it is traced), then times the variants alternately so all see the
same load:

  baseline      `lax.conv_general_dilated`, no `common.materialize`
  +materialize  residual streams written once (`common.materialize`)
  +conv_vjp     and the matmul input gradient of `models.conv`

  python experiments/benchmarks/ablation.py --json_out=experiments/benchmarks/ablation_speed_work.json
  python experiments/benchmarks/ablation.py --per_layer \
      --json_out=experiments/benchmarks/ablation_conv_layers.json

`--per_layer` times, for every convolution shape of ResNet-34 at its reference
input, the input gradient alone (XLA's convolution against `models.conv`'s
matmul, batch 4) and XLA's forward convolution (batch 16, with its GFLOP/s).

The LSTM layer (`recurrent.LSTMLayer` against flax's `OptimizedLSTMCell` in
`nn.RNN`) changes the parameter layout, so it is compared across commits with
`speed.py --jax_only` instead (RESULTS.md).
"""

import os
import sys
import time

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from cardiojax.models import common
from cardiojax.models import conv as conv_lib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import speed  # pylint: disable=g-import-not-at-top

_REPS = flags.DEFINE_integer("reps", 9, "Alternated timed repetitions per variant.")
_PER_LAYER = flags.DEFINE_bool("per_layer", False,
                               "Time ResNet-34's convolution shapes one by one instead.")
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


# ResNet-34 at T = 5000: (in channels, out channels, kernel, stride, input length).
RESNET34_CONVS = ((64, 64, 7, 1, 1250), (64, 128, 7, 2, 1250), (64, 128, 1, 2, 1250),
                  (128, 128, 7, 1, 625), (128, 256, 7, 2, 625), (256, 256, 7, 1, 313),
                  (256, 512, 7, 2, 313), (512, 512, 7, 1, 157))


def _median_ms(fn, reps: int) -> float:
  for _ in range(3):
    jax.block_until_ready(fn())
  times = []
  for _ in range(reps):
    start = time.perf_counter()
    jax.block_until_ready(fn())
    times.append(time.perf_counter() - start)
  return 1e3 * float(np.median(times))


def measure_layer(c_in: int, c_out: int, kernel: int, stride: int, length: int,
                  reps: int) -> dict:
  """Input-gradient time (batch 4) of both implementations; forward time (batch 16)."""
  rng = np.random.default_rng(0)
  w = jnp.asarray(rng.normal(size=(kernel, c_in, c_out)), jnp.float32)
  numbers = ("NWC", "WIO", "NWC")
  def conv(fn):
    return lambda x, w: fn(x, w, (stride,), "SAME", dimension_numbers=lax.conv_dimension_numbers(
        x.shape, w.shape, numbers))
  x = jnp.asarray(rng.normal(size=(4, length, c_in)), jnp.float32)
  g = jnp.ones((4, -(-length // stride), c_out), jnp.float32)
  input_grad = {name: jax.jit(lambda x, w, f=f: jax.vjp(lambda x: conv(f)(x, w), x)[1](g)[0])
                for name, f in (("xla_ms", lax.conv_general_dilated),
                                ("conv_vjp_ms", conv_lib.conv_general_dilated))}
  result = {"shape": [c_in, c_out, kernel, stride, length]}
  result.update({name: _median_ms(lambda f=f: f(x, w), reps) for name, f in input_grad.items()})
  x16 = jnp.asarray(rng.normal(size=(16, length, c_in)), jnp.float32)
  forward = jax.jit(conv(lax.conv_general_dilated))
  result["forward_b16_ms"] = _median_ms(lambda: forward(x16, w), reps)
  flops = 2 * 16 * -(-length // stride) * c_out * kernel * c_in
  result["forward_gflop_s"] = flops / result["forward_b16_ms"] / 1e6
  return result


def main_per_layer():
  load_before = os.getloadavg()
  results = [measure_layer(*shape, _REPS.value) for shape in RESNET34_CONVS]
  print("| C_in -> C_out, k, stride, T | input grad XLA ms | input grad conv_vjp ms | "
        "forward (batch 16) ms | forward GFLOP/s |")
  print("|---|---:|---:|---:|---:|")
  for r in results:
    c_in, c_out, kernel, stride, length = r["shape"]
    print(f"| {c_in} -> {c_out}, k{kernel}, s{stride}, {length} | {r['xla_ms']:.2f} | "
          f"{r['conv_vjp_ms']:.2f} | {r['forward_b16_ms']:.2f} | {r['forward_gflop_s']:.0f} |")
  settings = {"reps": _REPS.value, "what": "per-layer input gradient and forward times"}
  speed.write_json(FLAGS.json_out, {**speed.report(settings, results, load_before),
                                    "benchmark": "ablation_conv_layers"})


def main(argv):
  del argv
  if _PER_LAYER.value:
    return main_per_layer()
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
