"""Recursive lead elimination on PTB-XL, 12 -> 3 leads (seed 003).

    python -m cardiojax.main --mode=study \
        --config=configs/studies/lead_elimination.py:superdiagnostic \
        --config.base.data.manual_dir=/path/to/ptb-xl-1.0.3 \
        --workdir=studies/lead_elimination

Variants: superdiagnostic (default; configs/ptbxl.py, 5 labels at 100 Hz,
selection by validation macro AUPRC) | age (configs/ptbxl_age.py, years at
400 Hz, selection by validation MAE); add ',smoke' for a run of about two
minutes on the 400 shared PTB-XL records (tiny members, 2 steps each).

Members: the ML-ResNet of seed 003 (Han and Shi 2020: one residual branch
shared by all leads, features combined linearly), trained with the base
config's protocol on the current leads, one member per step (10 members).
Result (cardiojax.studies.lead_elimination): the elimination order, the test
metric of each step with a clustered 95% interval (results.md, results.json)
and metric_vs_leads.png. Seed 003 reports no number to compare with
(its figures only).

Measured on the 400 shared records (100 Hz; 53 test records of 46 patients)
with small members, 6 min on 2 CPU cores (twice, identical numbers):

    python -m cardiojax.main --mode=study \
        --config=configs/studies/lead_elimination.py:superdiagnostic,smoke \
        --config.base.model.features='(16, 16, 32, 32)' \
        --config.base.train.num_steps=300 --config.base.train.batch_size=32 \
        --config.base.train.eval_every=100 --config.base.optimizer.name=adam \
        --config.base.optimizer.learning_rate=3e-3 \
        --config.base.optimizer.schedule=warmup_cosine \
        --config.base.optimizer.warmup_steps=30 \
        --config.study.bootstrap_samples=1000 --workdir=/tmp/lead_elimination

order V4, V2, aVL, III, V5, V1, II, I, aVF (aVR, V3, V6 left); test macro
AUPRC 0.694 [0.571, 0.801] with 12 leads, 0.687 [0.550, 0.800] with 3 (macro
AUROC 0.851 and 0.881): no step differs beyond the intervals of 53 records.
"""

import ml_collections

from configs import common
from configs import ptbxl
from configs import ptbxl_age

PATH = "configs/studies/lead_elimination.py"
TASKS = ("superdiagnostic", "age")


def ml_resnet(num_outputs: int) -> ml_collections.ConfigDict:
  """The ML-ResNet of seed 003 (`cardiojax.models.MLResNet` defaults)."""
  return ml_collections.ConfigDict({
      "name": "ml_resnet", "num_outputs": num_outputs,
      "features": (32, 32, 64, 128), "blocks_per_stage": 1, "kernel_size": 7,
      "dropout_rate": 0.2})


def tiny_ml_resnet(num_outputs: int) -> ml_collections.ConfigDict:
  """A few-hundred-parameter ML-ResNet for the studies' ':smoke' members
  (quick to compile; numbers only check the plumbing)."""
  model = ml_resnet(num_outputs)
  model.features = (4, 4, 8, 8)
  model.dropout_rate = 0.0
  return model


def smoke_members(*configs) -> None:
  """The studies' ':smoke' members: 2 steps, one validation, evaluation
  batches of 64, 20 bootstrap resamples and no benchmark interval in their
  own evaluation."""
  for config in configs:
    config.train.num_steps = 2
    config.train.eval_every = 2
    config.train.eval_batch_size = 64
    config.eval.bootstrap_samples = 20
    config.eval.benchmark_interval = False


def get_config(variant: str = ""):
  task, options = common.parse_variant(PATH, variant, choices=TASKS,
                                       default="superdiagnostic")
  smoke = ",smoke" if "smoke" in options else ""
  config = ml_collections.ConfigDict()
  config.study = ml_collections.ConfigDict({
      "name": "lead_elimination",
      "min_leads": 3,
      "bootstrap_samples": 1000,
      "bootstrap_seed": 0,
  })
  if task == "superdiagnostic":
    config.base = ptbxl.get_config("superdiagnostic" + smoke)
    config.base.model = ml_resnet(config.base.model.num_outputs)
    config.study.metric = "macro_auprc"
    config.study.metric_mode = "max"
    config.study.test_metrics = ("macro_auroc",)
  else:
    config.base = ptbxl_age.get_config(smoke.lstrip(","))
    config.base.model = ml_resnet(1)
    config.study.metric = "mae"
    config.study.metric_mode = "min"
    config.study.test_metrics = ("rmse", "pearson_r")
  if smoke:
    config.base.model = tiny_ml_resnet(config.base.model.num_outputs)
    smoke_members(config.base)
    config.study.bootstrap_samples = 100
  return config
