"""Normal vs abnormal beats from raw MIT-BIH records, inter-patient DS1/DS2.

    python -m cardiojax.main --config=configs/beats_mitdb.py \
        --config.data.manual_dir=/path/to/mitdb/1.0.0
    # options, comma-separated: stft (log STFT inputs instead of the waveform),
    # oversample (class-balanced sampling instead of a weighted loss):
    python -m cardiojax.main --config=configs/beats_mitdb.py:stft,oversample ...

Data: the 48 MIT-BIH records (360 Hz, mV; prepared once into
config.data.data_dir); one example per reference beat annotation, the
+/-2 s window (1440 samples) of lead MLII centred on it. Label: 'N' normal,
every other beat symbol abnormal. Protocol (our own, PUBLISHED_RESULTS.md
§2): de Chazal 2004 inter-patient split, DS1 for training less 4 validation
records chosen (split_seed) so training keeps at least 80% of every AAMI
class's DS1 beats (`mitdb.select_validation_records`; the per-split class
counts are in results.md), DS2 for test, paced 102/104/107/217
excluded; normalisation from training windows only; no patient in two splits.
Model: the deep 1D CNN of the seed study (`deep_cnn`).

Measured against: no published anchor exists for this exact protocol. Report
AUROC, sensitivity and specificity of 'abnormal' on DS2 beside the naive
baseline (workdir/evaluation.json), and compare the S and V sensitivities
with the inter-patient AAMI results (configs/beats_mitdb_aami.py: de Chazal
2004 accuracy 0.862, Mondejar 2019 0.945). The intra-patient Kaggle tasks
(configs/beats_kaggle_*.py) are not comparable.

`:smoke` trains a tiny model a few steps on the shared records (106 train,
108 validation, 100 test).
"""

from configs import beats_common
from configs import common

PATH = "configs/beats_mitdb.py"


def get_config(variant: str = ""):
  _, options = common.parse_variant(PATH, variant, ("stft", "oversample"))
  config = common.base_config()
  config.data = beats_common.mitdb_data("abnormal")
  config.task = common.ml_collections.ConfigDict({
      "name": "binary", "class_names": ("normal", "abnormal"),
      "loss_name": "ce", "class_weights": "balanced", "label_smoothing": 0.0,
      "focal_gamma": 2.0, "focal_alpha": None, "threshold_method": "youden",
      "thresholds": None})
  config.model = common.ml_collections.ConfigDict({
      "name": "deep_cnn", "num_outputs": 1, "features": (32, 32, 64, 64, 128),
      "kernel_size": 5, "hidden": (128,), "dropout_rate": 0.25})
  if "stft" in options:
    config.data.input = "stft"
    config.model.features = (64, 64, 128)
    config.model.kernel_size = 3
  if "oversample" in options:
    config.data.sampler = "oversample"
    config.task.class_weights = None
  beats_common.mitdb_training(config, monitor="auroc")
  if "smoke" in options:
    beats_common.mitdb_smoke_data(config.data)
    config.model.features = (8, 16)
    config.model.hidden = (16,)
    common.smoke_train(config, batch_size=16, eval_batch_size=64,
                       num_steps=6, warmup_steps=2)
  return config
