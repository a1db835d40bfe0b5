"""PTB-XL age regression (years) with the Ribeiro residual network at 400 Hz.

    python -m cardiojax.main --config=configs/ptbxl_age.py \
        --config.data.manual_dir=/path/to/ptb-xl-1.0.3 --workdir=runs/ptbxl_age

Data: the PhysioNet PTB-XL folder (records500/), prepared once into
config.data.data_dir; records resampled 500 -> 400 Hz (4,000 samples) and
zero-padded to 4,096 as in Ribeiro et al. / Lima et al. 2021
(antonior92/ecg-age-prediction; seed 003), standardised per lead on 2,000
training records. Splits: strat_fold 1-8 / 9 / 10. Records without an age are
dropped; PTB-XL codes ages above 89 as 300, which become max_age_years (90).
MSE loss weighted by inverse age frequency (10 equal-width bins, as
ecg-age-prediction weights its loss; set task.weighting='none' to switch it
off), Adam lr 1e-3, batch 64, about 25 epochs. Metric: MAE in years on fold 10
against the naive training-mean MAE (workdir/evaluation.json). No verified
PTB-XL age MAE is published (PUBLISHED_RESULTS.md, summary item 4).
`:smoke` runs seconds on the 400 shared records at 100 Hz.
"""

from configs import common
from configs import twelve_lead_common as tl


def get_config(variant: str = ""):
  _, options = common.parse_variant("configs/ptbxl_age.py", variant)
  config = common.base_config()
  config.data = tl.ptbxl_data(
      "age", max_age_years=90.0, builder_config="500hz",
      sampling_rate_hz=400, train_length=4096, eval_length=4096,
      eval_align="center")
  config.task = common.ml_collections.ConfigDict({
      "name": "scalar_regression", "loss_name": "mse",
      "weighting": "inverse_frequency", "num_bins": 10, "unit": "years"})
  config.model = tl.ribeiro_model(1)
  config.train.batch_size = 64
  config.train.eval_batch_size = 128
  config.train.num_steps = 6800
  config.train.log_every = 100
  config.train.eval_every = 500
  config.train.monitor = "mae"
  config.train.monitor_mode = "min"
  config.optimizer.warmup_steps = 200
  if "smoke" in options:
    tl.use_shared_subset(config, "ptbxl")
    config.data.builder_config = "100hz"
    config.data.sampling_rate_hz = 100
    config.data.train_length = 1024
    config.data.eval_length = 1024
    config.data.normalization_records = 64
    config.model.features = (8, 8, 16, 16, 16)
    config.model.kernel_size = 8
    tl.smoke_train(config)
  return config
