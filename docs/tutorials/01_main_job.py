# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial 1: the main job, ECG to transmembrane voltage
#
# The main job of cardiojax (`configs/seq2seq.py`, LLNL task 4) maps a 12-lead
# ECG (500 ms at 1 kHz, mV) to the transmembrane voltage Vm of 75 myocardial
# sites (500 ms x 75 sites, mV). It trains on the built-in simulator of the
# LLNL intracardiac data, so nothing has to be downloaded.
#
# This tutorial runs the job at smoke size (6 steps on 96 simulated samples,
# well under a minute on a laptop), reads the scores the run wrote, shows its
# figures and loads the run as a model. Run it as a script or as a notebook:
#
# ```bash
# python docs/tutorials/01_main_job.py
# jupytext --to ipynb docs/tutorials/01_main_job.py   # then open the .ipynb
# ```
#
# Everything is written into `$CARDIOJAX_TUTORIAL_DIR` (default: a new
# temporary folder).

# %%
import json
import os
import pathlib
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # figures are written as PNG files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import cardiojax  # noqa: E402
from cardiojax import modes  # noqa: E402
from cardiojax.signal.leads import STANDARD_12  # noqa: E402
from cardiojax.simulate import intracardiac  # noqa: E402
from configs import seq2seq  # noqa: E402

WORK = pathlib.Path(os.environ.get("CARDIOJAX_TUTORIAL_DIR")
                    or tempfile.mkdtemp(prefix="cardiojax_tutorial_"))
WORK.mkdir(parents=True, exist_ok=True)
print("writing into", WORK)


def show(path):
  """Shows a PNG inline in a notebook; a plain run prints its path."""
  print("figure:", path)
  if "ipykernel" in sys.modules:
    from IPython import display  # pylint: disable=g-import-not-at-top
    display.display(display.Image(filename=str(path)))


# %% [markdown]
# ## The data: one simulated sample
#
# `cardiojax.simulate.intracardiac.simulate(num_samples, seed)` returns paired
# ECGs `(N, 500, 12)` and Vm `(N, 500, 75)`, both in mV at 1 kHz (one sample
# per ms), and the activation time of every site (the first millisecond with
# Vm > 0 mV).

# %%
sample = intracardiac.simulate(num_samples=1, seed=0)
ecg, vm = sample["ecg"][0], sample["vm"][0]
print("ECG", ecg.shape, "Vm", vm.shape)
time_ms = np.arange(ecg.shape[0])  # 1 kHz: sample k is at k ms
sites = np.argsort(sample["activation_times"][0])[[0, 37, 74]]  # early, mid, late

fig, (ax_ecg, ax_vm) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
for lead in ("II", "V1", "V5"):
  ax_ecg.plot(time_ms, ecg[:, STANDARD_12.index(lead)], label=f"lead {lead}")
ax_ecg.set_ylabel("ECG (mV)")
ax_ecg.legend(loc="upper right")
for site in sites:
  ax_vm.plot(time_ms, vm[:, site],
             label=f"site {site} (activated at "
                   f"{sample['activation_times'][0, site]:.0f} ms)")
ax_vm.set_xlabel("time (ms)")
ax_vm.set_ylabel("Vm (mV)")
ax_vm.legend(loc="upper right")
fig.suptitle("one simulated sample: the input (ECG) and the target (Vm)")
fig.tight_layout()
fig.savefig(WORK / "simulated_sample.png", dpi=100)
plt.close(fig)
show(WORK / "simulated_sample.png")

# %% [markdown]
# ## Train at smoke size
#
# A config is an `ml_collections.ConfigDict`; `configs/seq2seq.py:smoke` is
# the same experiment shrunk to seconds. The prepared data go into
# `config.data.data_dir` (here inside the tutorial folder).
# `cardiojax.modes.run` is what `python -m cardiojax.main` calls: it trains,
# then scores the best checkpoint once (`evaluation.json`, `results.md`,
# figures). The run directory also holds the training log (`metrics.jsonl`,
# and TensorBoard event files in `tensorboard/`: watch a running job with
# `tensorboard --logdir <workdir>`) and the checkpoints a rerun resumes from.

# %%
config = seq2seq.get_config("smoke")
config.data.data_dir = str(WORK / "tfds")
workdir = WORK / "seq2seq_smoke"
summary = modes.run(config, mode="train", workdir=str(workdir),
                    config_path="configs/seq2seq.py:smoke")
print(sorted(path.name for path in workdir.iterdir()))

# %% [markdown]
# ## The scores: model against the naive baseline
#
# `evaluation.json` holds, for validation and test, the model's metrics beside
# the naive baseline's (here the training-mean Vm trace at every site). The
# errors are in mV (MSE in mV²). Six steps do not learn the task: at smoke
# size the model is *worse* than the naive baseline, which is expected. The
# full job (below) is about 3.7x better than it.

# %%
evaluation = json.loads((workdir / "evaluation.json").read_text())
print(f"best checkpoint: step {evaluation['best_step']}")
print(f"{'split':<11}{'metric':<8}{'model':>10}{'naive':>10}")
for split, scores in evaluation["splits"].items():
  for metric in ("mse", "mae", "rmse"):
    print(f"{split:<11}{metric:<8}{scores['model'][metric]:>10.1f}"
          f"{scores['naive_baseline'][metric]:>10.1f}")
test = evaluation["splits"]["test"]
assert test["num_examples"] > 0
assert all(np.isfinite(test[column][metric])
           for column in ("model", "naive_baseline")
           for metric in ("mse", "mae", "rmse"))

# %% [markdown]
# ## The figures the run wrote
#
# `training_curve.png` (training and validation loss per step), and the
# task's figures listed in `evaluation.json`: for the Vm maps the error of
# every site and the true and predicted traces of the best, median and worst
# site.

# %%
for path in [workdir / "training_curve.png", *evaluation["plots"]]:
  assert pathlib.Path(path).is_file(), path
  show(path)

# %% [markdown]
# ## The run as a model
#
# `cardiojax.load(workdir)` restores the best checkpoint and the input
# contract (rate, window, lead order, normaliser) from the run directory
# alone. `predict` takes a `(time, leads)` array in mV at any rate, in any
# lead order; here a new simulated ECG.

# %%
model = cardiojax.load(workdir)
new = intracardiac.simulate(num_samples=1, seed=1)
prediction = model.predict(new["ecg"][0], fs=1000, lead_names=STANDARD_12)
predicted_vm = prediction.outputs[0]
print("predicted Vm", predicted_vm.shape, "mV; windows:",
      len(prediction.outputs))
print("MAE on this sample:",
      f"{np.abs(predicted_vm - new['vm'][0]).mean():.1f} mV")
assert predicted_vm.shape == (500, 75) and np.isfinite(predicted_vm).all()

# %% [markdown]
# ## The full job
#
# From the shell, in any folder (or `python -m cardiojax.main
# --config=configs/seq2seq.py --workdir=runs/seq2seq` from the repository
# root):
#
# ```bash
# cardiojax train --config=seq2seq --workdir=runs/seq2seq
# ```
#
# It trains 1,200 steps on 4,000 simulated samples (8 hearts to train, 1 to
# validate, 1 to test); see the docstring of `configs/seq2seq.py` for the
# time on 2 CPU cores and the result to expect (measured: validation Vm MSE
# 156 mV² against the naive baseline's 584 mV²), then read
# `runs/seq2seq/evaluation.json` and `runs/seq2seq/results.md` as above.
# Rerunning the same command resumes from the latest checkpoint.
