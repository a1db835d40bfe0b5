"""AAMI EC57 5-class beats (N, S, V, F, Q) from raw MIT-BIH, DS1 -> DS2.

    python -m cardiojax.main --config=configs/beats_mitdb_aami.py \
        --config.data.manual_dir=/path/to/mitdb/1.0.0
    # oversample: class-balanced sampling instead of the weighted loss.

Data: as configs/beats_mitdb.py (+/-2 s MLII windows at 360 Hz, mV, one per
reference beat, prepared once into config.data.data_dir), labelled with the
AAMI class of the beat symbol. Protocol (de Chazal 2004, PUBLISHED_RESULTS.md
§2): train on DS1 less 4 validation records that leave at least 80% of every
class in training (`mitdb.select_validation_records`), test on DS2, paced
records excluded, record-level (inter-patient); class-balanced loss weights
from the training labels. Metrics: per-class Se / +P, accuracy over N, S, V,
F and jκ under `aami/` (config.eval.metrics = ("aami",); F beats predicted V
are not V false positives), plus macro F1.

Measured against (inter-patient DS1 -> DS2): accuracy / Se / jκ of de Chazal
2004 0.862 / 0.832 / 0.612 and Mondejar-Guerra 2019 0.945 / 0.703 / 0.773 (V,
as quoted); SVEB +P around 40 % is typical in honest inter-patient work, so
S +P above ~90 % should be checked for leakage. Compare
`test.model['aami/accuracy']`, `aami/jk_index`, `aami/se/S`, `aami/+p/S` in
workdir/evaluation.json.

`:smoke` trains a tiny model a few steps on the shared records (106 train,
108 validation, 100 test).
"""

from configs import beats_common
from configs import common

PATH = "configs/beats_mitdb_aami.py"


def get_config(variant: str = ""):
  _, options = common.parse_variant(PATH, variant, ("oversample",))
  config = common.base_config()
  config.data = beats_common.mitdb_data("aami")
  config.task = common.ml_collections.ConfigDict({
      "name": "multi_class", "class_names": beats_common.AAMI_CLASSES,
      "loss_name": "ce", "class_weights": "balanced", "label_smoothing": 0.0,
      "focal_gamma": 2.0})
  config.eval.metrics = ("aami",)
  config.model = common.ml_collections.ConfigDict({
      "name": "deep_cnn", "num_outputs": 5, "features": (32, 32, 64, 64, 128),
      "kernel_size": 5, "hidden": (128,), "dropout_rate": 0.25})
  if "oversample" in options:
    config.data.sampler = "oversample"
    config.task.class_weights = None
  beats_common.mitdb_training(config, monitor="macro_f1")
  if "smoke" in options:
    beats_common.mitdb_smoke_data(config.data)
    config.model.features = (8, 16)
    config.model.hidden = (16,)
    common.smoke_train(config, batch_size=16, eval_batch_size=64,
                       num_steps=6, warmup_steps=2)
  return config
