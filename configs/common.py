"""Defaults every experiment config starts from; each key is declared here.

An experiment's get_config() calls `base_config()` and sets its own data,
task and model sections and the fields it changes.
"""

import ml_collections
from ml_collections import config_dict


def base_config() -> ml_collections.ConfigDict:
  """Training, optimizer and distributed defaults (data/task/model are set by
  each experiment)."""
  config = ml_collections.ConfigDict()
  config.seed = 0

  config.train = ml_collections.ConfigDict()
  config.train.batch_size = 32          # global, over all devices and hosts
  config.train.eval_batch_size = 128
  config.train.num_steps = 1000
  config.train.log_every = 50
  config.train.eval_every = 250
  config.train.monitor = "loss"         # a validation metric
  config.train.monitor_mode = "min"     # or "max"
  config.train.early_stopping_patience = 0  # evaluations; 0 = never stop early

  config.optimizer = ml_collections.ConfigDict()
  config.optimizer.name = "adam"        # adam | adamw | sgd
  config.optimizer.learning_rate = 1e-3
  config.optimizer.schedule = "warmup_cosine"  # constant | warmup_cosine | one_cycle | reduce_on_plateau
  config.optimizer.warmup_steps = 50
  config.optimizer.end_factor = 0.01    # final rate / peak rate (warmup_cosine)
  config.optimizer.weight_decay = 1e-4  # adamw
  config.optimizer.momentum = 0.9       # sgd
  config.optimizer.grad_clip_norm = 0.0  # 0 = no clipping
  config.optimizer.plateau_factor = 0.5
  config.optimizer.plateau_patience = 5
  config.optimizer.plateau_accumulation = 50  # steps averaged per plateau check

  config.eval = ml_collections.ConfigDict()  # --mode=eval
  config.eval.bootstrap_samples = 1000
  config.eval.bootstrap_seed = 0

  config.explain = ml_collections.ConfigDict()  # --mode=explain
  config.explain.split = "test"
  config.explain.records = ()           # indices; () = the most confident and misclassified
  config.explain.num_confident = 3
  config.explain.num_misclassified = 3
  config.explain.gradcam_feature = config_dict.placeholder(str)  # None = last feature map
  config.explain.ig_steps = 64
  config.explain.smoothgrad_samples = 16
  config.explain.occlusion_window_s = 0.1
  config.explain.max_importance_examples = 256  # for the lead-importance table

  config.transfer = ml_collections.ConfigDict()  # cardiojax.train.transfer
  config.transfer.init_from = config_dict.placeholder(str)  # a finished run's workdir
  config.transfer.skip = ()             # top-level modules left at their init
  config.transfer.freeze = ()           # top-level modules not trained

  config.distributed = ml_collections.ConfigDict()
  config.distributed.enabled = False    # or set CARDIOJAX_COORDINATOR_ADDRESS
  config.distributed.coordinator_address = config_dict.placeholder(str)
  config.distributed.num_processes = config_dict.placeholder(int)
  config.distributed.process_id = config_dict.placeholder(int)
  config.distributed.cpu_collectives = config_dict.placeholder(str)  # "gloo" on CPU
  return config


def simulated_intracardiac_data(target: str) -> ml_collections.ConfigDict:
  """The simulated LLNL-like data set (`cardiojax.simulate.intracardiac`)."""
  return ml_collections.ConfigDict({
      "name": "simulated_intracardiac",
      "target": target,             # "vm" or "activation_times"
      "num_samples": 4000,
      "seed": 0,
      "num_hearts": 10,             # one heart = one "patient"
      "validation_hearts": 1,
      "test_hearts": 1,
      "split_seed": 0,
      "noise_std_mv": 0.02,
  })


def shrink_train_for_smoke(config, batch_size: int, eval_batch_size: int) -> None:
  """A seconds-long run of 6 steps with 2 evaluations (the `:smoke` variants)."""
  config.train.batch_size = batch_size
  config.train.eval_batch_size = eval_batch_size
  config.train.num_steps = 6
  config.train.log_every = 2
  config.train.eval_every = 3
  config.train.early_stopping_patience = 0
  config.optimizer.warmup_steps = 2


def shrink_simulated_for_smoke(config) -> None:
  """`shrink_train_for_smoke` on a little simulated data."""
  config.data.num_samples = 96
  config.data.num_hearts = 6
  shrink_train_for_smoke(config, batch_size=8, eval_batch_size=16)
