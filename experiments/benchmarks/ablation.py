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

`--conv_transpose` times three formulations of the 1D transposed convolution
(`models.conv_transpose`), per layer (forward, and forward + backward) at the
decoder shapes of the zoo's configs, and in the train step of the models that
use it (all alternated):

  lhs_dilation  `lax.conv_transpose`, what `nn.ConvTranspose` runs
  dilate_pad    the input dilated by `lax.pad` (explicit zeros), then a VALID conv
  phases        `conv_transpose.conv_transpose` (one conv over the output phases)

  python experiments/benchmarks/ablation.py --conv_transpose \
      --json_out=experiments/benchmarks/ablation_conv_transpose.json

`--attention` times the Transformer's train step and inference with flax's
attention against `transformer.attention` (`jax.nn.dot_product_attention`).

  python experiments/benchmarks/ablation.py --attention \
      --json_out=experiments/benchmarks/ablation_attention.json

The LSTM layer (`recurrent.LSTMLayer` against flax's `OptimizedLSTMCell` in
`nn.RNN`) changes the parameter layout, so it is compared across commits with
`speed.py --jax_only` instead (RESULTS.md).
"""

import os
import sys
import time

from absl import app
from absl import flags
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from cardiojax.models import common
from cardiojax.models import conv as conv_lib
from cardiojax.models import conv_transpose as conv_transpose_lib
from cardiojax.models import transformer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common  # pylint: disable=g-import-not-at-top
import speed  # pylint: disable=g-import-not-at-top

_REPS = flags.DEFINE_integer("reps", 9, "Alternated timed repetitions per variant.")
_PER_LAYER = flags.DEFINE_bool("per_layer", False,
                               "Time ResNet-34's convolution shapes one by one instead.")
_CONV_TRANSPOSE = flags.DEFINE_bool("conv_transpose", False,
                                    "Time the transposed-convolution formulations instead.")
_ATTENTION = flags.DEFINE_bool("attention", False,
                               "Time flax's attention against jax.nn.dot_product_attention.")
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
  bench_common.write_json(FLAGS.json_out, {**speed.report(settings, results, load_before),
                                    "benchmark": "ablation_conv_layers"})


_NWC = ("NWC", "WIO", "NWC")


def _lhs_dilation(x, kernel, stride, padding="SAME"):
  return lax.conv_transpose(x, kernel, (stride,), padding, dimension_numbers=_NWC)


def _dilate_pad(x, kernel, stride, padding="SAME"):
  low, high = conv_transpose_lib.transpose_padding(kernel.shape[0], stride, padding)
  x = lax.pad(x, jnp.zeros((), x.dtype), ((0, 0, 0), (low, high, stride - 1), (0, 0, 0)))
  return conv_lib.conv_general_dilated(
      x, kernel, (1,), "VALID", dimension_numbers=lax.conv_dimension_numbers(
          x.shape, kernel.shape, _NWC))


TRANSPOSE_VARIANTS = {"lhs_dilation": _lhs_dilation, "dilate_pad": _dilate_pad,
                      "phases": conv_transpose_lib.conv_transpose}
# (config, C_in, F, kernel, stride, input length, batch) of the zoo's decoders.
TRANSPOSE_LAYERS = (
    ("seq2seq ecg_to_vm", 160, 128, 2, 2, 16, 32), ("seq2seq ecg_to_vm", 64, 32, 2, 2, 128, 32),
    ("seq2seq ecg_to_vm", 32, 16, 2, 2, 256, 32),
    ("lead_reconstruction uresnet1d", 256, 128, 2, 2, 250, 64),
    ("lead_reconstruction uresnet1d", 128, 64, 2, 2, 500, 64),
    ("lead_reconstruction uresnet1d", 64, 32, 2, 2, 1000, 64),
    ("conv_autoencoder T=1000", 64, 32, 7, 2, 125, 32),
    ("conv_autoencoder T=1000", 32, 16, 7, 2, 250, 32),
    ("conv_autoencoder T=1000", 16, 16, 7, 2, 500, 32))
# Train steps of the models with a decoder: speed.py's ecg_to_vm case and two more.
TRANSPOSE_MODELS = {
    "ecg_to_vm": speed.CASES["ecg_to_vm"],
    "uresnet1d": speed.Case("uresnet1d", 2000, 12, 12, 8, 8, None, task="dense_regression"),
    "conv_autoencoder": speed.Case("conv_autoencoder", 1000, 12, 5, 32, 32, None),
}


def measure_transpose_layer(label, c_in, c_out, kernel, stride, length, batch, reps):
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(size=(batch, length, c_in)), jnp.float32)
  w = jnp.asarray(rng.normal(size=(kernel, c_in, c_out)), jnp.float32)
  result = {"config": label, "shape": [c_in, c_out, kernel, stride, length, batch]}
  fns = {}
  for name, fn in TRANSPOSE_VARIANTS.items():
    fns[name + "_forward"] = jax.jit(lambda x, w, fn=fn: fn(x, w, stride))
    fns[name + "_grad"] = jax.jit(jax.grad(lambda x, w, fn=fn: jnp.sum(fn(x, w, stride) ** 2),
                                           (0, 1)))
  times = speed._alternate({k: lambda f=f: jax.block_until_ready(f(x, w))  # pylint: disable=protected-access
                            for k, f in fns.items()}, 2, reps)
  result["median_ms"] = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
  return result


def _transpose_runner(case, fn):
  saved = conv_transpose_lib.conv_transpose
  conv_transpose_lib.conv_transpose = fn
  try:
    runner = speed.JaxRunner(case, case.length, case.train_batch, case.infer_batch)
    runner.train_step()
    return runner
  finally:
    conv_transpose_lib.conv_transpose = saved


def main_conv_transpose():
  load_before = os.getloadavg()
  layers = [measure_transpose_layer(*shape, _REPS.value) for shape in TRANSPOSE_LAYERS]
  print("| config | C_in -> F, k, s, T, B | " + " | ".join(
      f"{v} fwd / fwd+bwd ms" for v in TRANSPOSE_VARIANTS) + " |")
  print("|---|---|" + "---:|" * len(TRANSPOSE_VARIANTS))
  for r in layers:
    c_in, c_out, kernel, stride, length, batch = r["shape"]
    cells = [f"{r['median_ms'][v + '_forward']:.2f} / {r['median_ms'][v + '_grad']:.2f}"
             for v in TRANSPOSE_VARIANTS]
    print(f"| {r['config']} | {c_in} -> {c_out}, k{kernel}, s{stride}, {length}, {batch} | "
          + " | ".join(cells) + " |")
  models = []
  for name, case in TRANSPOSE_MODELS.items():
    runners = {v: _transpose_runner(case, fn) for v, fn in TRANSPOSE_VARIANTS.items()}
    times = speed._alternate({v: r.train_step for v, r in runners.items()}, 2, _REPS.value)  # pylint: disable=protected-access
    base = np.asarray(times["lhs_dilation"])
    models.append({"case": name, "input": [case.length, case.leads],
                   "train_batch": case.train_batch,
                   "median_s": {v: float(np.median(t)) for v, t in times.items()},
                   "ratio_to_lhs_dilation": {v: float(np.median(np.asarray(t) / base))
                                             for v, t in times.items()}, "times_s": times})
  print("\n| model (input, batch) | " + " | ".join(f"{v} ms" for v in TRANSPOSE_VARIANTS)
        + " | dilate_pad / lhs_dilation | phases / lhs_dilation |")
  print("|---|" + "---:|" * (len(TRANSPOSE_VARIANTS) + 2))
  for m in models:
    print(f"| {m['case']} ({m['input'][0]} x {m['input'][1]}, {m['train_batch']}) | "
          + " | ".join(f"{1e3 * m['median_s'][v]:.1f}" for v in TRANSPOSE_VARIANTS)
          + f" | {m['ratio_to_lhs_dilation']['dilate_pad']:.3f}"
          f" | {m['ratio_to_lhs_dilation']['phases']:.3f} |")
  settings = {"variants": list(TRANSPOSE_VARIANTS), "warmup": 2, "reps": _REPS.value,
              "what": "1D transposed convolution: per-layer forward and forward+backward "
                      "(grad of sum of squares in x and kernel) medians, and model train "
                      "steps, alternated"}
  bench_common.write_json(FLAGS.json_out, {
      **speed.report(settings, {"layers": layers, "models": models}, load_before),
      "benchmark": "ablation_conv_transpose"})


def _flax_attention(query, key, value, mask=None, dropout_rng=None, dropout_rate=0.0,
                    broadcast_dropout=True, deterministic=False, dtype=None, precision=None):
  return nn.dot_product_attention(query, key, value, mask=mask, dropout_rng=dropout_rng,
                                  dropout_rate=dropout_rate,
                                  broadcast_dropout=broadcast_dropout,
                                  deterministic=deterministic, dtype=dtype,
                                  precision=precision)


def main_attention():
  load_before = os.getloadavg()
  case = speed.CASES["transformer"]
  runners = {}
  for name, fn in (("flax", _flax_attention), ("jax.nn", transformer.attention)):
    saved = transformer.attention
    transformer.attention = fn
    try:
      runner = speed.JaxRunner(case, case.length, case.train_batch, case.infer_batch)
      runner.train_step()
      runner.infer()
      runners[name] = runner
    finally:
      transformer.attention = saved
  results = {}
  for kind in ("train_step", "infer"):
    times = speed._alternate({k: getattr(r, kind) for k, r in runners.items()}, 2,  # pylint: disable=protected-access
                             _REPS.value)
    results[kind] = {"median_s": {k: float(np.median(v)) for k, v in times.items()},
                     "jax_nn_over_flax": float(np.median(np.asarray(times["jax.nn"])
                                                         / np.asarray(times["flax"]))),
                     "times_s": times}
    print(f"transformer {kind}: flax {1e3 * results[kind]['median_s']['flax']:.1f} ms, "
          f"jax.nn {1e3 * results[kind]['median_s']['jax.nn']:.1f} ms, "
          f"ratio {results[kind]['jax_nn_over_flax']:.3f}")
  settings = {"warmup": 2, "reps": _REPS.value, "train_batch": case.train_batch,
              "infer_batch": case.infer_batch,
              "what": "Transformer train step (attention dropout: flax's path in both) "
                      "and inference, flax attention vs transformer.attention"}
  bench_common.write_json(FLAGS.json_out, {
      **speed.report(settings, results, load_before), "benchmark": "ablation_attention"})


def main(argv):
  del argv
  if _PER_LAYER.value:
    return main_per_layer()
  if _CONV_TRANSPOSE.value:
    return main_conv_transpose()
  if _ATTENTION.value:
    return main_attention()
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
  bench_common.write_json(FLAGS.json_out, {**speed.report(settings, results, load_before),
                                     "benchmark": "ablation"})


if __name__ == "__main__":
  app.run(main)
