"""5-class AAMI beat classification on the Kaggle MIT-BIH CSVs (Kachuee 2018).

    python -m cardiojax.main --config=configs/beats_kaggle_mitbih.py \
        --config.data.manual_dir=/path/to/kaggle_heartbeat

Data: mitbih_train.csv / mitbih_test.csv from
kaggle.com/datasets/shayanfazeli/heartbeat (prepared once into
config.data.data_dir): single beats, (187, 1) at 125 Hz, unitless [0, 1],
classes N, S, V, F, Q. Protocol (PUBLISHED_RESULTS.md §1, CVxTz baseline):
train on mitbih_train.csv less a 10 % stratified validation part, test on the
official mitbih_test.csv (21,892 beats), argmax. Model: Kachuee's residual
CNN (`kachuee_resnet`), Adam 1e-3, batch 128, ~30 epochs.

Measured against: CVxTz 98.5 % accuracy / 0.915 macro F1 on mitbih_test.csv
(V); Kachuee 2018 93.4 % "average accuracy" is on a balanced test subset and
is not comparable (P). Compare `test.model.accuracy` and `macro_f1` (and the
AAMI Se/+P under `aami/`, from config.eval.metrics = ("aami",)) in
workdir/evaluation.json. The split is beat-level (intra-patient): the numbers
do not measure generalisation to new patients (see configs/beats_mitdb_aami.py
for that).

`:smoke` trains a tiny model a few steps on the shared 500-row sample
(validation 20 per class; test = the first 10 rows of the official test file).
"""

from configs import beats_common
from configs import common

PATH = "configs/beats_kaggle_mitbih.py"


def get_config(variant: str = ""):
  _, options = common.parse_variant(PATH, variant)
  config = common.base_config()
  config.data = beats_common.kaggle_data(
      "mitbih", ("mitbih_train.csv", "mitbih_test.csv"))
  config.task = common.ml_collections.ConfigDict({
      "name": "multi_class", "class_names": beats_common.AAMI_CLASSES,
      "loss_name": "ce", "class_weights": None, "label_smoothing": 0.0,
      "focal_gamma": 2.0})
  config.eval.metrics = ("aami",)
  config.model = common.ml_collections.ConfigDict({
      "name": "kachuee_resnet", "num_outputs": 5, "features": 32,
      "num_blocks": 5, "hidden": (32, 32), "dropout_rate": 0.0})
  config.train.batch_size = 128
  config.train.num_steps = 20000
  config.train.eval_every = 1000
  config.train.log_every = 100
  config.train.monitor = "macro_f1"
  config.train.monitor_mode = "max"
  config.optimizer.warmup_steps = 200
  if "smoke" in options:
    beats_common.kaggle_smoke_data(
        config.data, ("mitbih_train_sample.csv",
                      "original_format_rows/mitbih_test_first10.csv"))
    config.model.features = 8
    config.model.num_blocks = 2
    config.model.hidden = (16,)
    common.smoke_train(config, batch_size=16, eval_batch_size=32,
                       num_steps=6, warmup_steps=2)
  return config
