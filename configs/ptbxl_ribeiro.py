"""PTB-XL multi-label classification with the Ribeiro residual network (400 Hz).

    python -m cardiojax.main --config=configs/ptbxl_ribeiro.py:superdiagnostic \
        --config.data.manual_dir=/path/to/ptb-xl-1.0.3 --workdir=runs/ribeiro

Variants: a PTB-XL label set (all | diagnostic | subdiagnostic |
superdiagnostic (default) | form | rhythm); add ',smoke' (`:smoke` alone is
superdiagnostic) for seconds on the shared 100 records at 500 Hz.

Data: the PhysioNet PTB-XL folder (records500/), prepared once into
config.data.data_dir; 10 s at 500 Hz resampled to 400 Hz (4,000 samples) and
zero-padded to the network's 4,096 samples (Ribeiro et al. 2020,
antonior92/automatic-ecg-diagnosis; the seed 003 study's model 1),
standardised per lead on 2,000 training records. Splits: strat_fold 1-8 / 9 /
10; records without a label of the set dropped (as in Strodthoff et al.).
Ribeiro's recipe: Adam lr 1e-3, batch 64, binary cross-entropy. Metric: macro
AUROC on fold 10, comparable with the 100 Hz PTB-XL benchmark rows of
PUBLISHED_RESULTS.md §3 (e.g. superdiagnostic xresnet1d101 0.925(08)), which
uses another rate and model.
"""

from cardiojax.datasets import ptbxl
from configs import common
from configs import twelve_lead_common as tl


def get_config(variant: str = ""):
  label_set, options = common.parse_variant(
      "configs/ptbxl_ribeiro.py", variant, choices=tuple(ptbxl.LABEL_NAMES),
      default="superdiagnostic")
  class_names = ptbxl.LABEL_NAMES[label_set]
  config = common.base_config()
  config.data = tl.ptbxl_data(
      "labels", label_set=label_set, builder_config="500hz",
      sampling_rate_hz=400, train_length=4096, eval_length=4096,
      eval_align="center")
  config.task = common.ml_collections.ConfigDict({
      "name": "multi_label", "class_names": class_names, "loss_name": "ce",
      "pos_weight": None, "threshold_method": "f1"})
  config.model = tl.ribeiro_model(len(class_names))
  config.train.batch_size = 64
  config.train.eval_batch_size = 128
  config.train.num_steps = 6800
  config.train.log_every = 100
  config.train.eval_every = 500
  config.train.monitor = "macro_auroc"
  config.train.monitor_mode = "max"
  config.optimizer.warmup_steps = 200
  if "smoke" in options:
    tl.use_shared_subset(config, "ptbxl")
    config.data.normalization_records = 32
    config.model.features = (8, 8, 16, 16, 16)
    config.model.kernel_size = 8
    tl.smoke_train(config, eval_batch_size=4)
  return config
