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
# # Tutorial 2: a beat classifier on MIT-BIH, and the beats of a record
#
# `configs/beats_mitdb_aami.py` classifies every heartbeat of the MIT-BIH
# Arrhythmia Database into the five AAMI EC57 classes (N, S, V, F, Q) from a
# +/-2 s window of lead MLII at 360 Hz, with the inter-patient protocol of de
# Chazal 2004 (train on DS1, test on DS2). Its `:smoke` variant trains a tiny
# model for 6 steps on three real MIT-BIH records (106 train, 108 validation,
# 100 test) from the shared data folder (`$CARDIOJAX_SHARED_DATA`, default
# `../shared/data` beside the repository).
#
# Then the trained run predicts a record it has never seen (record 103): the
# QRS detector finds the beats, every beat is classified, and the
# predictions are scored beat by beat against the cardiologists' reference
# annotations (`103.atr`) as EC57 does. Six training steps do not make a good
# classifier: this tutorial shows the workflow, not the accuracy.
#
# ```bash
# python docs/tutorials/02_beat_classifier.py
# jupytext --to ipynb docs/tutorials/02_beat_classifier.py
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
from cardiojax.datasets import files  # noqa: E402
from cardiojax.datasets import wfdb_io  # noqa: E402
from configs import beats_mitdb_aami  # noqa: E402
from configs import common  # noqa: E402

WORK = pathlib.Path(os.environ.get("CARDIOJAX_TUTORIAL_DIR")
                    or tempfile.mkdtemp(prefix="cardiojax_tutorial_"))
WORK.mkdir(parents=True, exist_ok=True)
MITDB = pathlib.Path(common.shared_data("mitdb"))
assert (MITDB / "103.hea").is_file(), (
    f"{MITDB}: no MIT-BIH record 103; set CARDIOJAX_SHARED_DATA to the shared "
    f"data folder")
print("writing into", WORK, "; MIT-BIH records from", MITDB)


def show(path):
  """Shows a PNG inline in a notebook; a plain run prints its path."""
  print("figure:", path)
  if "ipykernel" in sys.modules:
    from IPython import display  # pylint: disable=g-import-not-at-top
    display.display(display.Image(filename=str(path)))


# %% [markdown]
# ## Train
#
# The smoke config reads the raw WFDB records from the shared folder
# (`config.data.manual_dir`) and prepares them once into
# `config.data.data_dir` (here inside the tutorial folder). For the whole
# database: `--config.data.manual_dir=/path/to/mitdb/1.0.0` (see the config's
# docstring).

# %%
config = beats_mitdb_aami.get_config("smoke")
config.data.data_dir = str(WORK / "tfds")
print("records:", config.data.records, "validation:",
      config.data.validation_records, "manual_dir:", config.data.manual_dir)
workdir = WORK / "beats_mitdb_aami_smoke"
modes.run(config, mode="train", workdir=str(workdir),
          config_path="configs/beats_mitdb_aami.py:smoke")

evaluation = json.loads((workdir / "evaluation.json").read_text())
test = evaluation["splits"]["test"]
print(f"test: {test['num_examples']} beats of {test['num_clusters']} record(s)")
for metric in ("accuracy", "macro_f1", "aami/accuracy"):
  print(f"  {metric:<14} model {test['model'][metric]:.3f}   "
        f"naive {test['naive_baseline'][metric]:.3f}")
assert test["num_examples"] > 0
assert np.isfinite(test["model"]["accuracy"])

# %% [markdown]
# ## Predict a record it has never seen
#
# `cardiojax.load(workdir)` reads the run directory only: the best checkpoint
# and the input contract (rate, window, lead, the training normaliser, the
# classes). `predict_record` reads any supported file (here a WFDB `.hea`),
# checks the signal, detects the beats, cuts a window around each and
# classifies it. With `reference="atr"` it also scores the beats against the
# reference annotations (a detected beat matches a reference beat within
# 150 ms).

# %%
model = cardiojax.load(workdir)
prediction = model.predict_record(MITDB / "103.hea", reference="atr")
fs = prediction.sampling_rate_hz
print(f"record {prediction.record_id}: {len(prediction.beat_samples)} beats "
      f"at {fs:g} Hz; classes {prediction.class_names}")
print("beats per decided class:", prediction.aggregate["counts"])
dropped = prediction.preparation["beats_dropped_at_ends"]
print(f"{len(dropped)} detected beats dropped: their +/-2 s window leaves the "
      f"record (samples {dropped})")
print(f"{'beat':>4} {'sample':>7} {'time (s)':>9} {'class':>6} "
      f"{'p(class)':>9}")
for i in range(10):
  k = int(prediction.decisions[i])
  print(f"{i:>4} {prediction.beat_samples[i]:>7} "
        f"{prediction.beat_samples[i] / fs:>9.2f} "
        f"{prediction.class_names[k]:>6} {prediction.outputs[i, k]:>9.2f}")
detection = prediction.reference["detection"]
print(f"beat detection against 103.atr: sensitivity "
      f"{detection['sensitivity']:.3f}, positive predictivity "
      f"{detection['positive_predictivity']:.3f} "
      f"({detection['matched']} of {detection['reference']} reference beats)")
assert len(prediction.beat_samples) > 1000  # about 2,000 beats in 30 min
assert detection["sensitivity"] > 0.9
assert np.isfinite(prediction.outputs).all()

# %% [markdown]
# Every beat as a row (sample and seconds, probabilities, decision), as
# `--mode=predict` writes it into `predictions/<record>-<hash>.csv`:

# %%
for key, value in prediction.rows()[0].items():
  print(f"{key:>13}: {value:.3f}" if isinstance(value, float)
        else f"{key:>13}: {value}")

# %% [markdown]
# ## The record with its beats
#
# The first 10 s of lead MLII in mV against time in seconds, each classified
# beat marked in the colour of its decided class, and the reference beats
# (from `103.atr`) as ticks below. The beats of the first 2 s have no full
# +/-2 s window, so they are dropped (listed in `prediction.preparation`).

# %%
record = files.read_record_file(MITDB / "103.hea")
lead = record.lead_names.index("MLII")
seconds = 10.0
n = int(seconds * record.sampling_rate_hz)
t = np.arange(n) / record.sampling_rate_hz
signal = record.signal[:n, lead]
reference_samples = model.corpus.reference_beats(
    wfdb_io.read_annotations(MITDB / "103", "atr"), model.contract)[0]

fig, ax = plt.subplots(figsize=(11, 4.2))
ax.plot(t, signal, color="black", linewidth=0.8, label="MLII")
colours = plt.get_cmap("tab10")
shown = prediction.beat_samples < n
for k, name in enumerate(prediction.class_names):
  beats = prediction.beat_samples[shown & (prediction.decisions == k)]
  if len(beats):
    ax.scatter(beats / fs, signal[beats], color=colours(k), zorder=3, s=30,
               label=f"detected, predicted {name}")
low = signal.min() - 0.3
ref = reference_samples[reference_samples < n]
ax.plot(ref / fs, np.full(len(ref), low), "|", color="grey", markersize=12,
        label="reference beat (103.atr)")
ax.set_xlabel("time (s)")
ax.set_ylabel("MLII (mV)")
ax.set_xlim(0, seconds)
ax.set_title(f"MIT-BIH record {prediction.record_id}, first {seconds:g} s: "
             f"beats and their predicted AAMI class")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8,
          ncol=len(prediction.class_names) + 2, frameon=False)
ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(WORK / "record_103_beats.png", dpi=100)
plt.close(fig)
show(WORK / "record_103_beats.png")

# %% [markdown]
# ## From the shell
#
# The whole database, downloaded from PhysioNet once (checksums verified;
# `prepare` prints where the files are: `<data root>/downloads/mitdb`), then
# trained and used on a record:
#
# ```bash
# cardiojax prepare mitdb --download
# cardiojax train --config=beats_mitdb_aami --workdir=runs/aami
# cardiojax predict --config=beats_mitdb_aami --workdir=runs/aami \
#     --input=$HOME/cardiojax_data/tfds/downloads/mitdb/103.hea --reference=atr
# ```
#
# (`python -m cardiojax.main --mode=train --config=configs/beats_mitdb_aami.py
# --config.data.manual_dir=/path/to/mitdb/1.0.0 ...` from the repository root
# does the same with an unzipped copy.) Predict writes
# `runs/aami/predictions/103-<hash>.json` and `.csv` with the same beats,
# classes and beat-by-beat scores as above.
