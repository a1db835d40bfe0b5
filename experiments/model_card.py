r"""Writes the model card (docs/models.md): every model in cardiojax.models.MODELS with
its source, input contract, parameter count and forward FLOPs per example.

  python experiments/model_card.py --out=docs/models.md

Parameters come from jax.eval_shape of the initialiser (nothing is computed); FLOPs
from XLA's cost analysis of the lowered eval-mode forward pass at batch 1 and the
reference input size (nothing is compiled). Runs in about half a minute on a CPU.
"""

import pathlib

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import numpy as np

from cardiojax import models

_OUT = flags.DEFINE_string("out", "docs/models.md", "Where to write the model card.")

_BEAT = "one beat, 187 samples at 125 Hz, 1 lead (Kaggle heartbeat CSVs)"
_PTBXL = "10 s, 1000 samples at 100 Hz, 12 leads (PTB-XL)"
_LLNL = "500 samples at 1 kHz, 12 leads (LLNL simulated ECG)"

# name -> (source, input contract, reference (time, leads), constructor kwargs).
CARDS = {
    "rnn": ("Elman RNN (seeds 001, 004)", _BEAT, (187, 1), dict(num_outputs=5)),
    "lstm": ("Hochreiter and Schmidhuber 1997 (seeds 001, 004)", _BEAT, (187, 1),
             dict(num_outputs=5)),
    "gru": ("Cho et al. 2014 (seed 001)", _BEAT, (187, 1), dict(num_outputs=5)),
    "bilstm": ("seed 001 BiLSTM, after Yildirim 2018: 1 bidirectional layer, flatten, linear",
               "+/-2 s window, 1440 samples at 360 Hz, 1 lead (MIT-BIH); flatten fixes T",
               (1440, 1), dict(num_outputs=1)),
    "bilstm_pooled": ("seed 001 BiLSTM with mean+max pooling", _BEAT, (187, 1),
                      dict(num_outputs=5)),
    "deep_cnn": ("seed 001 deep 1D CNN (conv+ReLU blocks, flatten, linears)",
                 "+/-2 s window, 1440 samples at 360 Hz, 1 lead (MIT-BIH); flatten fixes T",
                 (1440, 1), dict(num_outputs=1)),
    "kachuee_resnet": ("Kachuee et al. 2018, IEEE ICHI (seeds 000, 004)",
                       _BEAT + "; flatten fixes T", (187, 1), dict(num_outputs=5)),
    "dilated_cnn_bilstm": ("seed 004 dilated CNN + BiLSTM (Arrhythmia Detectron)", _BEAT,
                           (187, 1), dict(num_outputs=5)),
    "fft_alexnet": ("Kumar and Chakrapani 2022, PLoS One 17:e0274225 (seed 001)",
                    _BEAT + "; raw signal in, rfft magnitude computed inside; flatten fixes T",
                    (187, 1), dict(num_outputs=5)),
    "fft_alexnet_reduced": ("seed 001 reduced FFT-AlexNet (3 conv, 1 dense)",
                            _BEAT + "; raw signal in, rfft magnitude computed inside", (187, 1),
                            dict(num_outputs=5)),
    "squeezenet1d": ("Iandola et al. 2016; LLNL cardiac challenge reference (seed 000)",
                     _LLNL, (500, 12), dict(num_outputs=75)),
    "resnet18": ("He et al. 2016, 1D as in the CPSC2018 study (seed 002)",
                 "30 s, 15000 samples at 500 Hz, 12 leads (CPSC2018); any T", (15000, 12),
                 dict(num_outputs=9)),
    "resnet34": ("He et al. 2016, 1D as in the CPSC2018 study (seed 002)",
                 "30 s, 15000 samples at 500 Hz, 12 leads (CPSC2018); any T", (15000, 12),
                 dict(num_outputs=9)),
    "ribeiro_resnet": ("Ribeiro et al. 2020, Nat. Commun. 11:1760 (seed 003)",
                       "4096 samples at 400 Hz, 12 leads; flatten fixes T", (4096, 12),
                       dict(num_outputs=6)),
    "ml_resnet": ("Han and Shi 2020, CMPB 185:105138 (seed 003), shared branch",
                  _PTBXL + "; lead_mask drops leads", (1000, 12), dict(num_outputs=5)),
    "xresnet1d18": ("He et al. 2019 (bag of tricks); Strodthoff et al. 2021, IEEE JBHI",
                    _PTBXL + "; any T", (1000, 12), dict(num_outputs=5)),
    "xresnet1d34": ("He et al. 2019 (bag of tricks); Strodthoff et al. 2021, IEEE JBHI",
                    _PTBXL + "; any T", (1000, 12), dict(num_outputs=5)),
    "xresnet1d50": ("He et al. 2019 (bag of tricks); Strodthoff et al. 2021, IEEE JBHI",
                    _PTBXL + "; any T", (1000, 12), dict(num_outputs=5)),
    "xresnet1d101": ("He et al. 2019 (bag of tricks); Strodthoff et al. 2021, IEEE JBHI",
                     _PTBXL + "; any T", (1000, 12), dict(num_outputs=5)),
    "inception1d": ("Fawaz et al. 2020 (InceptionTime); Strodthoff et al. 2021, IEEE JBHI",
                    _PTBXL + "; any T", (1000, 12), dict(num_outputs=5)),
    "transformer": ("Vaswani et al. 2017; ViT patches, Dosovitskiy et al. 2021 (seed 004)",
                    _PTBXL + "; any T", (1000, 12), dict(num_outputs=5)),
    "conv_autoencoder": ("Masci et al. 2011 conv autoencoder (seed 004)",
                         _BEAT + "; reconstruction in intermediates", (187, 1),
                         dict(num_outputs=5)),
    "unet1d": ("Ronneberger et al. 2015 (U-Net)",
               _PTBXL + "; missing leads zero, mask appended; out (B, T, 12)", (1000, 12),
               dict(num_outputs=12)),
    "uresnet1d": ("Gedon et al. 2021, CinC (UResNet, seed 003)",
                  _PTBXL + "; missing leads zero, mask appended; out (B, T, 12)", (1000, 12),
                  dict(num_outputs=12)),
    "ecg_to_vm": ("LLNL challenge task 4 (Landajuela et al. 2022, seed 000)",
                  _LLNL + "; out (B, 500, 75) Vm (time x sites)", (500, 12),
                  dict(num_outputs=75, output_shape=(500, 75))),
    "ecg_to_activation": ("LLNL challenge task 3 (Landajuela et al. 2022, seed 000)",
                          _LLNL + "; out (B, 75) activation times; flatten fixes T",
                          (500, 12), dict(num_outputs=75)),
}

_RECURRENT = ("rnn", "lstm", "gru", "bilstm", "bilstm_pooled", "dilated_cnn_bilstm")


def measure(name: str) -> tuple[int, float]:
  """(parameter count, forward FLOPs per example) at the reference input size."""
  _, _, (length, leads), kwargs = CARDS[name]
  model = models.MODELS[name](**kwargs)
  x = jax.ShapeDtypeStruct((1, length, leads), jnp.float32)
  variables = jax.eval_shape(lambda x: model.init(jax.random.key(0), x, train=False), x)
  params = sum(int(np.prod(p.shape)) for p in jax.tree.leaves(variables["params"]))
  lowered = jax.jit(lambda v, x: model.apply(v, x, train=False)).lower(variables, x)
  return params, float(lowered.cost_analysis()["flops"])


def render() -> str:
  """The model card as markdown."""
  lines = [
      "# Model card",
      "",
      "Generated by `python experiments/model_card.py --out=docs/models.md`; do not edit.",
      "Every model: input (B, T, C) in mV, channels-last; `apply(..., train=...)` returns",
      "`(outputs, intermediates)`; outputs are raw (logits or values, float32). Parameters",
      "at the reference input and output sizes; FLOPs are XLA's count for one eval-mode",
      "forward pass of one example (a multiply-add counts 2).",
      "",
      "| name | source | input contract | reference input (T, C) | parameters | GFLOPs |",
      "|---|---|---|---|---:|---:|",
  ]
  for name in sorted(models.MODELS):
    source, contract, shape, _ = CARDS[name]
    params, flops = measure(name)
    mark = " *" if name in _RECURRENT else ""
    lines.append(f"| `{name}` | {source} | {contract} | {shape} | {params:,} | "
                 f"{flops / 1e9:.4g}{mark} |")
  lines += [
      "",
      "\\* XLA counts the body of a recurrent scan once, so these figures leave out the",
      "recurrent layers' work at all but one time step.",
      "",
  ]
  return "\n".join(lines)


def main(argv):
  del argv
  pathlib.Path(_OUT.value).write_text(render())


if __name__ == "__main__":
  app.run(main)
