"""Normal vs abnormal (myocardial infarction) beats on the Kaggle PTB CSVs.

    python -m cardiojax.main --config=configs/beats_kaggle_ptb.py \
        --config.data.manual_dir=/path/to/kaggle_heartbeat

Transfer from a finished configs/beats_kaggle_mitbih.py run (every layer but
the head initialised from its best checkpoint):

    ... --config.transfer.init_from=/path/to/mitbih_workdir            # fine-tune all
    ... --config=configs/beats_kaggle_ptb.py:frozen \
        --config.transfer.init_from=/path/to/mitbih_workdir            # frozen convs

Data: ptbdb_normal.csv + ptbdb_abnormal.csv (14,552 beats, (187, 1) at
125 Hz, unitless [0, 1]), split 80/20 as `train_test_split(test_size=0.2,
random_state=1337, stratify=label)` (the customary split); validation is a
10 % stratified part of the 80 %. Positive class: abnormal (72 % of beats).
Threshold 0.5 as the published baselines.

Measured against (PUBLISHED_RESULTS.md §1, CVxTz, V): accuracy / F1 of
abnormal 98.3 % / 0.988 from scratch; 99.2 % / 0.994 with MIT-BIH weights
fine-tuned; 95.6 % / 0.969 with frozen convolutions (Kachuee 2018: 95.9 %,
P). Always "abnormal" already gives 72 % accuracy (see `naive_baseline` in
workdir/evaluation.json). The split is beat-level: beats of one patient sit
in train and test, so these are intra-patient numbers.

`:smoke` trains a tiny model on the shared 100 + 100 rows.
"""

from configs import beats_common
from configs import common

PATH = "configs/beats_kaggle_ptb.py"


def get_config(variant: str = ""):
  _, options = common.parse_variant(PATH, variant, ("frozen",))
  config = common.base_config()
  config.data = beats_common.kaggle_data(
      "ptbdb", ("ptbdb_normal.csv", "ptbdb_abnormal.csv"))
  config.task = common.ml_collections.ConfigDict({
      "name": "binary", "class_names": ("normal", "abnormal"),
      "loss_name": "ce", "class_weights": None, "label_smoothing": 0.0,
      "focal_gamma": 2.0, "focal_alpha": None, "threshold_method": "f1",
      "thresholds": None})
  config.model = common.ml_collections.ConfigDict({
      "name": "kachuee_resnet", "num_outputs": 1, "features": 32,
      "num_blocks": 5, "hidden": (32, 32), "dropout_rate": 0.0})
  config.transfer = beats_common.transfer()
  if "frozen" in options:
    config.transfer.freeze = ("stem", "block")  # every convolution
  config.train.batch_size = 128
  config.train.num_steps = 6000
  config.train.eval_every = 500
  config.train.log_every = 100
  config.train.monitor = "auroc"
  config.train.monitor_mode = "max"
  config.optimizer.warmup_steps = 200
  if "smoke" in options:
    beats_common.kaggle_smoke_data(
        config.data, ("ptbdb_normal_sample.csv", "ptbdb_abnormal_sample.csv"))
    config.model.features = 8
    config.model.num_blocks = 2
    config.model.hidden = (16,)
    common.smoke_train(config, batch_size=16, eval_batch_size=32,
                       num_steps=6, warmup_steps=2)
  return config
