"""12-lead reconstruction from a reduced lead set with a UResNet (PTB-XL).

    python -m cardiojax.main --config=configs/lead_reconstruction.py \
        --config.data.manual_dir=/path/to/ptb-xl-1.0.3 --workdir=runs/leads

Choose the given leads with --config.input_leads='("I", "II", "V2")'
(the default; used by both data and task).

Data: the PhysioNet PTB-XL folder (records500/), prepared once into
config.data.data_dir; 10 s at 500 Hz (5,000 samples), strat_fold 1-8 / 9 / 10.
Inputs are the 12 leads in mV with the leads not given set to zero, and the
UResNet (Gedon et al. 2021; seed 003) appends the lead mask as 12 more
channels; targets are the 12 leads in mV. Loss: MSE on the missing leads;
training on random 4 s crops, evaluation on whole records. Metrics
(workdir/evaluation.json): MAE, RMSE (mV) and Pearson r per lead and averaged
over the missing leads, against the naive training-mean signal. Context, not
a like-for-like anchor (PUBLISHED_RESULTS.md §6): linear 3-lead (V3 + 2 limb)
reconstruction on CODE-15% reaches r = 0.93, RMSE 0.10 mV. `:smoke` runs
seconds on the 400 shared records at 100 Hz.
"""

from configs import common
from configs import twelve_lead_common as tl


def get_config(variant: str = ""):
  _, options = common.parse_variant("configs/lead_reconstruction.py",
                                    variant)
  config = common.base_config()
  config.input_leads = ("I", "II", "V2")
  config.data = tl.ptbxl_data(
      "leads", builder_config="500hz", sampling_rate_hz=500,
      train_length=2000, eval_length=5000, input_leads=config.input_leads,
      normalization="none")
  config.data.input_leads = config.get_ref("input_leads")
  config.task = common.ml_collections.ConfigDict({
      "name": "lead_reconstruction", "input_leads": config.get_ref(
          "input_leads"), "loss_on": "missing", "loss_name": "mse"})
  config.model = common.ml_collections.ConfigDict({
      "name": "uresnet1d", "num_outputs": 12, "features": (32, 64, 128, 256),
      "kernel_size": 9, "mask_input": True, "dropout_rate": 0.1})
  config.train.batch_size = 64
  config.train.eval_batch_size = 64
  config.train.num_steps = 10000
  config.train.log_every = 100
  config.train.eval_every = 500
  config.train.monitor = "loss"
  config.train.monitor_mode = "min"
  config.optimizer.warmup_steps = 200
  if "smoke" in options:
    tl.use_shared_subset(config, "ptbxl")
    config.data.builder_config = "100hz"
    config.data.sampling_rate_hz = 100
    config.data.train_length = 400
    config.data.eval_length = 1000
    config.model.features = (8, 16)
    tl.smoke_train(config)
  return config
