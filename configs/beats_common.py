"""Config pieces shared by the beat-classification studies (configs/beats_*.py).

Data fields are read by `cardiojax.datasets.kaggle_heartbeat` and
`cardiojax.datasets.mitdb`. `data_dir` is where the prepared ArrayRecords go
(prepared once, then only read; `common.data_dir()`); `manual_dir` is the raw
corpus and is needed only for that first preparation: set it with
`--config.data.manual_dir=/path/to/corpus`. The `:smoke` variants read the
real subsets in the shared data folder (`common.shared_data`).
"""

import ml_collections
from ml_collections import config_dict

from configs import common

AAMI_CLASSES = ("N", "S", "V", "F", "Q")


def kaggle_data(subset: str, files: tuple[str, str]) -> ml_collections.ConfigDict:
  """The Kaggle heartbeat CSVs (`cardiojax.datasets.kaggle_heartbeat.load`)."""
  return ml_collections.ConfigDict({
      "name": "kaggle_heartbeat",
      "subset": subset,                  # mitbih | ptbdb
      "manual_dir": config_dict.placeholder(str),  # folder with the CSVs
      "data_dir": common.data_dir(),
      "files": files,                    # relative to manual_dir
      "validation_fraction": 0.1,        # stratified, of the train split
      "split_seed": 0,
      "normalization": "none",           # the CSVs are already [0, 1]
  })


def kaggle_smoke_data(data: ml_collections.ConfigDict,
                      files: tuple[str, str]) -> None:
  """Points a Kaggle data config at the shared CSV samples."""
  common.use_shared(data, "kaggle_heartbeat")
  data.files = files
  data.validation_fraction = 0.2


def mitdb_data(label: str) -> ml_collections.ConfigDict:
  """Raw MIT-BIH beat windows (`cardiojax.datasets.mitdb.load`)."""
  return ml_collections.ConfigDict({
      "name": "mitdb",
      "manual_dir": config_dict.placeholder(str),  # mitdb 1.0.0 files
      "data_dir": common.data_dir(),
      "records": config_dict.placeholder(tuple),   # None = all 48 records
      "half_window": 720,                # samples each side: +/-2 s at 360 Hz
      "num_validation": 4,               # DS1 records held out
      "validation_rule": "class_preserving",  # or random (mitdb.record_splits)
      "validation_records": config_dict.placeholder(tuple),  # overrides the rule
      "split_seed": 0,
      "label": label,                    # abnormal | aami
      "leads": ("MLII",),                # or ("MLII", "chest")
      "input": "waveform",               # waveform | stft
      "stft_nperseg": 64,                # 178 ms at 360 Hz
      "stft_noverlap": 32,
      "normalization": "standard",
      "normalization_windows": 5000,     # training windows for the statistics
      "sampler": "shuffle",              # shuffle | oversample
  })


def mitdb_smoke_data(data: ml_collections.ConfigDict) -> None:
  """Shared records: 106 train, 108 validation, 100 test."""
  common.use_shared(data, "mitdb")
  data.records = ("100", "106", "108")
  data.validation_records = ("108",)
  data.normalization_windows = 256


def transfer(init_from=None) -> ml_collections.ConfigDict:
  """Initialisation from another run (`cardiojax.train.transfer`)."""
  return ml_collections.ConfigDict({
      # workdir of a finished run whose best checkpoint initialises the model.
      "init_from": config_dict.placeholder(str) if init_from is None
                   else init_from,
      "skip": ("head",),                 # top-level modules left at init
      "freeze": (),                      # top-level modules not trained
  })


def mitdb_training(config, monitor: str) -> None:
  """Training of the MIT-BIH window configs: batch 128, up to 10k steps,
  early stopping after 6 evaluations without a better validation `monitor`."""
  config.train.batch_size = 128
  config.train.num_steps = 10000
  config.train.eval_every = 500
  config.train.log_every = 100
  config.train.monitor = monitor
  config.train.monitor_mode = "max"
  config.train.early_stopping_patience = 6
  config.optimizer.warmup_steps = 200
