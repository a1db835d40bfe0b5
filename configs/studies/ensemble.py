"""An ensemble of three beat classifiers on the Kaggle MIT-BIH CSVs (seed 004).

    python -m cardiojax.main --mode=study --config=configs/studies/ensemble.py \
        --config.members.resnet_seed0.data.manual_dir=/path/to/kaggle_heartbeat \
        --workdir=studies/ensemble

(the three members read the same CSVs: prepared once, so one manual_dir is
enough). Or ensemble finished runs of one task instead of training members:
--config.study.runs='("runs/a", "runs/b", "runs/c")'.

Members (configs/beats_kaggle_mitbih.py's protocol, 5 AAMI classes): the
residual CNN of Kachuee et al. 2018 with seeds 0 and 1, and seed 004's
BiLSTM (mean+max pooled, seed 2). `:smoke` trains tiny members for seconds
on the shared 500-row sample (validation 20 beats per class; test: the first
10 rows of the official test file, all N, so only accuracy and macro F1 are
defined there).

Result (cardiojax.studies.ensemble; results.md, ensemble.png): test
accuracy, macro F1 and macro AUROC of each member, of their averaged
probabilities and of a logistic-regression stacker fitted on validation,
with 95% bootstrap intervals (each beat its own cluster: the CSVs carry no
record ids). Context: CVxTz's single model reaches 98.5 % accuracy and 0.915
macro F1 on mitbih_test.csv (PUBLISHED_RESULTS.md §1).

Measured on the shared sample, `:smoke` with 2,000 steps per member (70 s
on 2 CPU cores):

    args=; for m in resnet_seed0 resnet_seed1 bilstm_seed2; do
      args="$args --config.members.$m.train.num_steps=2000
        --config.members.$m.train.eval_every=250
        --config.members.$m.train.log_every=250
        --config.members.$m.optimizer.warmup_steps=100"; done
    python -m cardiojax.main --mode=study \
        --config=configs/studies/ensemble.py:smoke $args \
        --config.study.bootstrap_samples=1000 --workdir=/tmp/ensemble

test accuracy (10 beats) resnet_seed0 0.70 [0.40, 0.90],
resnet_seed1 0.50, bilstm_seed2 0.30, average 0.60, stacking 0.70
[0.40, 0.90]; validation accuracy (100 beats) 0.83, 0.81, 0.57, average 0.84.
"""

import ml_collections

from configs import beats_kaggle_mitbih
from configs import common

PATH = "configs/studies/ensemble.py"


def _member(smoke: bool, seed: int, model: dict | None = None):
  config = beats_kaggle_mitbih.get_config("smoke" if smoke else "")
  config.seed = seed
  if model is not None:
    config.model = ml_collections.ConfigDict(model)
  if smoke:
    config.train.num_steps = 4
    config.train.eval_every = 4
    config.eval.bootstrap_samples = 20
  return config


def get_config(variant: str = ""):
  _, options = common.parse_variant(PATH, variant)
  smoke = "smoke" in options
  config = ml_collections.ConfigDict()
  config.study = ml_collections.ConfigDict({
      "name": "ensemble",
      "runs": (),                  # finished run directories, or () for members
      "metrics": ("accuracy", "macro_f1", "macro_auroc"),
      "stacking_c": 1.0,
      "bootstrap_samples": 100 if smoke else 1000,
      "bootstrap_seed": 0,
  })
  bilstm = {"name": "bilstm_pooled", "num_outputs": 5,
            "hidden": 8 if smoke else 64, "num_layers": 1,
            "dropout_rate": 0.0}
  config.members = ml_collections.ConfigDict({
      "resnet_seed0": _member(smoke, 0),
      "resnet_seed1": _member(smoke, 1),
      "bilstm_seed2": _member(smoke, 2, bilstm),
  })
  return config
