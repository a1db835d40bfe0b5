"""PhysioNet/CinC Challenge 2020-2021 records: the scored classes, 1D ResNet-34.

    python -m cardiojax.main --config=configs/cinc.py \
        --config.data.manual_dir=/path/to/challenge/training \
        --config.data.label_map_dir=/path/to/evaluation-2021 --workdir=runs/cinc

Data: any folder tree of the challenge's WFDB records (`.hea` with `# Age`,
`# Sex`, `# Dx:` SNOMED-CT codes, `.mat` or `.dat` signals): CPSC2018,
CPSC-extra, INCART (257 Hz), PTB (1 kHz), PTB-XL, Georgia, Chapman-Shaoxing,
Ningbo, one sub-folder per database. Labels are the 26 scored classes of the
challenge's tables (dx_mapping_scored.csv and weights.csv in
`label_map_dir`; equivalent codes merged). Records are resampled to 500 Hz
and cut or zero-padded to 10 s when prepared (`cardiojax.datasets.cinc`);
seeded hash folds 0-7 train, 8 validation, 9 test, and
`--config.data.test_databases='("ningbo",)'` holds a whole database out for
testing. No published anchor for this protocol; the 2021 challenge score
(hidden test sets) is not comparable. Compare macro AUROC and F1 with the
naive baseline in workdir/evaluation.json. `:smoke` runs seconds on the 10
shared PTB-XL records in CinC form.
"""

from configs import common
from configs import twelve_lead_common as tl

NUM_CLASSES = 26  # the scored classes of the 2021 tables, pairs merged


def get_config(variant: str = ""):
  _, options = common.parse_variant("configs/cinc.py", variant)
  config = common.base_config()
  config.data = tl.data_section(
      "cinc", folds={"train_folds": tuple(range(8)), "validation_folds": (8,),
                     "test_folds": (9,)},
      sampling_rate_hz=500, train_length=5000, eval_length=5000,
      record_samples=5000, num_folds=10, split_seed=0, test_databases=(),
      label_map_dir=common.ml_collections.config_dict.placeholder(str))
  config.task = common.ml_collections.ConfigDict({
      "name": "multi_label", "class_names": (), "loss_name": "ce",
      "threshold_method": "f1"})
  tl.resnet34(config, NUM_CLASSES)
  config.train.num_steps = 10000
  if "smoke" in options:
    tl.use_shared_subset(config, "ptbxl/cinc2021_format")
    config.data.label_map_dir = common.shared_data(
        "cpsc2018/cinc2021_label_maps")
    config.data.num_folds = 3
    config.data.train_folds = (0,)
    config.data.validation_folds = (1,)
    config.data.test_folds = (2,)
    config.data.normalization_records = 0
    config.model.features = (8, 8, 16, 16)
    tl.smoke_train(config, batch_size=4, eval_batch_size=4)
  return config
