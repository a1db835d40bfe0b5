"""PTB-XL multi-label classification, one label set per variant (100 Hz).

    python -m cardiojax.main --config=configs/ptbxl.py:superdiagnostic \
        --config.data.manual_dir=/path/to/ptb-xl-1.0.3 --workdir=runs/ptbxl_super

Variants: all | diagnostic | subdiagnostic | superdiagnostic (default) | form |
rhythm; add ',smoke' (e.g. `:rhythm,smoke`; `:smoke` alone is superdiagnostic)
for a seconds-long run on the 400 shared records in ../shared/data/ptbxl.

Data: the PhysioNet PTB-XL folder (ptbxl_database.csv, scp_statements.csv,
records100/), prepared once into config.data.data_dir. Protocol of Strodthoff
et al. 2021 (helme/ecg_ptbxl_benchmarking; docs PUBLISHED_RESULTS.md §3):
strat_fold 1-8 train, 9 validation, 10 test; records without a label of the
set dropped per task; 100 Hz; xresnet1d101; batch 128, 50 epochs (about 6,700
steps), one-cycle lr 1e-2, AdamW weight decay 1e-2; metric: macro AUROC on
fold 10 (workdir/results.md and evaluation.json, `test.model.macro_auroc`),
scored the benchmark's way: trained on random 2.5 s crops, each record scored
by the maximum over 2.5 s windows every 1.25 s; the benchmark's interval rule
(100 resamples, 5th-95th percentile) beside cardiojax's 95% interval over
patients, and the benchmark's F_beta=2 / G_beta=2 (`f_beta2_macro`,
`g_beta2_macro`) and Fmax. Compare with the benchmark's xresnet1d101 row for
the label set (e.g. superdiagnostic 0.925(08)). Expect a few hours on one GPU.
"""

from cardiojax.datasets import ptbxl
from configs import common
from configs import twelve_lead_common as tl

LABEL_SETS = tuple(ptbxl.LABEL_NAMES)


def get_config(variant: str = ""):
  label_set, options = common.parse_variant(
      "configs/ptbxl.py", variant, choices=LABEL_SETS,
      default="superdiagnostic")
  class_names = ptbxl.LABEL_NAMES[label_set]
  config = common.base_config()
  config.data = tl.ptbxl_data(
      "labels", label_set=label_set, builder_config="100hz",
      sampling_rate_hz=100, train_length=250, eval_length=250,
      eval_stride=125)
  config.task = common.ml_collections.ConfigDict({
      "name": "multi_label", "class_names": class_names, "loss_name": "ce",
      "pos_weight": None, "threshold_method": "f1"})
  config.model = common.ml_collections.ConfigDict({
      "name": "xresnet1d101", "num_outputs": len(class_names),
      "kernel_size": 5, "stem_features": (32, 32, 64),
      "features": (64, 128, 256, 512), "head_hidden": (128,),
      "dropout_rate": 0.5})
  config.train.batch_size = 128
  config.train.eval_batch_size = 256
  config.train.num_steps = 6700
  config.train.log_every = 100
  config.train.eval_every = 500
  config.train.monitor = "macro_auroc"
  config.train.monitor_mode = "max"
  config.eval.benchmark_interval = True
  config.optimizer.name = "adamw"
  config.optimizer.learning_rate = 1e-2
  config.optimizer.weight_decay = 1e-2
  config.optimizer.schedule = "one_cycle"
  config.optimizer.warmup_steps = 2000  # pct_start 0.3, as fastai v1
  if "smoke" in options:
    tl.use_shared_subset(config, "ptbxl")
    config.data.normalization_records = 64
    config.model.name = "xresnet1d18"
    config.model.stem_features = (8, 8, 8)
    config.model.features = (8, 8, 16, 16)
    config.model.head_hidden = (16,)
    tl.smoke_train(config)
  return config
