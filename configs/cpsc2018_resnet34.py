"""CPSC 2018, 9 labels (multi-label), 1D ResNet-34 with average+max pooling.

    python -m cardiojax.main --config=configs/cpsc2018_resnet34.py \
        --config.data.manual_dir=/path/to/cpsc2018 --workdir=runs/cpsc2018

Data: the challenge's training set in its original form (the .mat files in any
sub-folder and REFERENCE.csv at the root of manual_dir; REFERENCE.csv is read
on every run for the label lists, primary label first), prepared once into
config.data.data_dir. Splits: the builder's seeded iterative-stratified folds
0-7 train, 8 validation, 9 test (each record its own patient). 500 Hz, 12
leads, standardised per lead on 2,000 training records.
Protocol of Zhang et al. 2021 (seed 002, onlyzdd/ecg-diagnosis; docs
PUBLISHED_RESULTS.md §4): ResNet-34 (stem kernel 15, kernel 7, avg+max
pooling), 30 s inputs (15,000 samples; here a random 30 s crop of longer
records for training; validation and test records are scored whole, 30 s
windows every 15 s with the maximum over a record's windows, shorter records
padded with zeros at the end; onlyzdd takes the last 30 s), Adam lr 1e-4,
batch 32, 40 epochs (about 6,900 steps), binary cross-entropy; per-class
thresholds fitted on the validation fold (saved in input_contract.json). Compare the test fold's mean
per-class F1 and macro AUROC (workdir/results.json: `macro_f1`,
`macro_auroc`) with the published 0.813 / 0.970 (status P; their folds are
not reproducible, ours differ); `cpsc2018/F1` (config.eval.metrics =
("cpsc2018",)) is the official challenge score of the argmax label (the
hidden-test winner's 0.837 is a different test set). `:smoke` runs seconds on
the 10 shared records.
"""

from cardiojax.evaluate import cpsc2018_score
from configs import common
from configs import twelve_lead_common as tl


def get_config(variant: str = ""):
  _, options = common.parse_variant("configs/cpsc2018_resnet34.py",
                                    variant)
  config = common.base_config()
  config.data = tl.data_section(
      "cpsc2018", builder_config="original", folds=tl.CPSC2018_FOLDS,
      sampling_rate_hz=500, train_length=15000, eval_length=15000,
      label_lists=True)
  config.task = common.ml_collections.ConfigDict({
      "name": "multi_label", "class_names": cpsc2018_score.CPSC2018_CLASSES,
      "loss_name": "ce", "threshold_method": "f1", "label_lists": True})
  config.eval.metrics = ("cpsc2018",)
  tl.resnet34(config, 9)
  config.train.num_steps = 6900
  if "smoke" in options:
    tl.use_shared_subset(config, "cpsc2018")
    config.data.train_length = 1000
    config.data.eval_length = 2500
    config.model.features = (8, 8, 16, 16)
    tl.smoke_train(config, batch_size=4, eval_batch_size=4)
  return config
