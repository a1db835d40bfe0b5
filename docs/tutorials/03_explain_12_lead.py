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
# # Tutorial 3: explain a 12-lead prediction and read the lead importance
#
# `configs/ptbxl.py` is the PTB-XL benchmark of Strodthoff et al. 2021
# (multi-label diagnosis from 12-lead ECGs at 100 Hz; `:superdiagnostic`
# labels NORM, MI, STTC, CD, HYP by default). Its `:smoke` variant trains a
# tiny xresnet1d18 for 4 steps on the 400 real PTB-XL records of the shared
# data folder (`$CARDIOJAX_SHARED_DATA`, default `../shared/data` beside the
# repository).
#
# The trained run is then loaded as a model, predicts one 12-lead record from
# the test fold, and explains that prediction: attributions of every window
# of the record (gradient, gradient x input, SmoothGrad, integrated
# gradients, occlusion, Grad-CAM) drawn on ECG paper, and a lead-importance
# table: the share of the attribution that falls in each lead, and how often
# the model's decisions change when that lead is flattened. Four training
# steps do not make a diagnostician: this tutorial shows the workflow, not
# the accuracy.
#
# ```bash
# python docs/tutorials/03_explain_12_lead.py
# jupytext --to ipynb docs/tutorials/03_explain_12_lead.py
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
import pandas as pd  # noqa: E402

import cardiojax  # noqa: E402
from cardiojax import modes  # noqa: E402
from cardiojax.modes import explain  # noqa: E402
from configs import common  # noqa: E402
from configs import ptbxl  # noqa: E402

WORK = pathlib.Path(os.environ.get("CARDIOJAX_TUTORIAL_DIR")
                    or tempfile.mkdtemp(prefix="cardiojax_tutorial_"))
WORK.mkdir(parents=True, exist_ok=True)
PTBXL = pathlib.Path(common.shared_data("ptbxl"))
assert (PTBXL / "ptbxl_database.csv").is_file(), (
    f"{PTBXL}: no ptbxl_database.csv; set CARDIOJAX_SHARED_DATA to the shared "
    f"data folder")
print("writing into", WORK, "; PTB-XL records from", PTBXL)


def show(path):
  """Shows a PNG inline in a notebook; a plain run prints its path."""
  print("figure:", path)
  if "ipykernel" in sys.modules:
    from IPython import display  # pylint: disable=g-import-not-at-top
    display.display(display.Image(filename=str(path)))


# %% [markdown]
# ## Train a 12-lead run
#
# The records are prepared once from `config.data.manual_dir` (the shared
# subset) into `config.data.data_dir` (here inside the tutorial folder).
# Folds 1-8 train, fold 9 validates (and fits the decision thresholds), fold
# 10 tests; every test record is scored whole.

# %%
config = ptbxl.get_config("smoke")
config.data.data_dir = str(WORK / "tfds")
config.eval.bootstrap_samples = 200  # of the 95% intervals (default 1000)
workdir = WORK / "ptbxl_smoke"
modes.run(config, mode="train", workdir=str(workdir),
          config_path="configs/ptbxl.py:smoke")
test = json.loads((workdir / "evaluation.json").read_text())["splits"]["test"]
print(f"test: {test['num_examples']} records; macro AUROC model "
      f"{test['model']['macro_auroc']:.3f}, naive "
      f"{test['naive_baseline']['macro_auroc']:.3f} (0.5 by construction)")

# %% [markdown]
# ## Load the run and predict one record
#
# `cardiojax.load(workdir)` reads the run directory alone (best checkpoint,
# input contract, fitted thresholds). The record is a 10 s PTB-XL recording
# from the test fold; the model sees 2.5 s windows every 1.25 s and the
# record's probability of each label is the maximum over its windows, as the
# benchmark scores it.

# %%
database = pd.read_csv(PTBXL / "ptbxl_database.csv", index_col="ecg_id")
row = database[database.strat_fold == 10].iloc[0]
record_path = PTBXL / f"{row.filename_lr}.hea"
print(f"record {record_path.name}: statements {row.scp_codes}")

model = cardiojax.load(workdir)
prediction = model.predict_record(record_path)
print(f"{len(prediction.outputs)} windows; aggregate: "
      f"{prediction.aggregate['rule']}")
print(f"{'label':<6}{'p':>6}{'threshold':>11}{'decided':>9}")
for k, name in enumerate(prediction.class_names):
  print(f"{name:<6}{prediction.aggregate['outputs'][k]:>6.2f}"
        f"{prediction.thresholds[k]:>11.2f}"
        f"{int(prediction.aggregate['decisions'][k]):>9}")
assert np.isfinite(prediction.outputs).all()

# %% [markdown]
# ## Explain it
#
# `cardiojax.modes.explain.explain_workdir(config, workdir, record)` is what
# `--mode=explain --input=RECORD` runs. Each window of the record (up to
# `config.explain.max_importance_examples`) is explained for the label the
# model finds most probable there, and the leads are ranked over those
# windows. It writes into `workdir/explain/`: one `.npz` of attributions and
# one ECG-paper plot per window and method, and
# `lead_importance.{md,json,png}`. Here the explain settings are lowered for
# speed: the first 2 windows (0-2.5 s and 1.25-3.75 s), fewer integration
# steps and noisy copies. They are not part of what the run was trained
# with, so they may differ from its config.

# %%
explain_config = model.config
explain_config.explain.max_importance_examples = 2
explain_config.explain.ig_steps = 16
explain_config.explain.smoothgrad_samples = 4
summary = explain.explain_workdir(explain_config, workdir, record_path)
explained = sorted((workdir / "explain" / "records").glob("*.png"))
print(f"{len(summary['records'])} windows explained, {len(explained)} plots;"
      f" Grad-CAM on feature map {summary['gradcam_feature']!r}")
show(workdir / "explain" / "records" / "00000_integrated_gradients.png")

# %% [markdown]
# ## The lead importance table
#
# `lead_importance.json` ranks the 12 leads: `mass` is the mean share of the
# absolute gradient x input attribution that falls in the lead (the shares
# of the 12 leads sum to 1); `drop` is how much the agreement with the
# model's own decisions (label by label) falls when the lead is flattened
# (its model input set to 0, the lead's training mean) in the explained
# windows. A well-trained model relies on a few leads; this 4-step model
# spreads its attribution almost evenly.

# %%
table = json.loads((workdir / "explain" / "lead_importance.json").read_text())
print("metric:", table["metric"])
print((workdir / "explain" / "lead_importance.md").read_text())
leads = table["leads"]
mass = np.array([row["mass"] for row in leads])
assert len(leads) == 12 and np.isclose(mass.sum(), 1.0, atol=1e-4)
assert all(np.isfinite(row["drop"]) for row in leads)

order = np.argsort(-mass)
names = [leads[i]["lead"] for i in order]
fig, (ax_mass, ax_drop) = plt.subplots(1, 2, figsize=(11, 4))
ax_mass.bar(names, mass[order] * 100, color="tab:blue")
ax_mass.axhline(100 / 12, color="grey", linestyle="--", linewidth=1,
                label="even share (1/12)")
ax_mass.set_ylabel("share of attribution (%)")
ax_mass.set_xlabel("lead")
ax_mass.legend()
ax_drop.bar(names, [leads[i]["drop"] * 100 for i in order],
            color="tab:orange")
ax_drop.set_ylabel("drop in agreement when flattened (% points)")
ax_drop.set_xlabel("lead")
fig.suptitle(f"lead importance of record {prediction.record_id} "
             f"({len(summary['records'])} windows)")
fig.tight_layout()
fig.savefig(WORK / "lead_importance.png", dpi=100)
plt.close(fig)
show(WORK / "lead_importance.png")

# %% [markdown]
# ## From the shell
#
# ```bash
# cardiojax prepare ptbxl --manual_dir=/path/to   # the unzipped PTB-XL folder or its parent
# cardiojax train --config=ptbxl:superdiagnostic --workdir=runs/ptbxl
# cardiojax explain --config=ptbxl:superdiagnostic --workdir=runs/ptbxl \
#     --input=/path/to/ptb-xl-1.0.3/records100/00000/00009_lr.hea
# ```
#
# (`python -m cardiojax.main --mode=explain --config=configs/ptbxl.py ...`
# from the repository root does the same.) Without `--input`,
# `explain` explains the most confident correct and misclassified records of
# the test fold and ranks the leads over the whole fold by the drop in macro
# AUROC (`config.explain`).
