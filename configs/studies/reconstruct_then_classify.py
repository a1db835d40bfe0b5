"""Reconstruct 12 leads from a subset, then classify (seed 003, PTB-XL).

    python -m cardiojax.main --mode=study \
        --config=configs/studies/reconstruct_then_classify.py \
        --config.base.data.manual_dir=/path/to/ptb-xl-1.0.3 \
        --config.reconstruction.data.manual_dir=/path/to/ptb-xl-1.0.3 \
        --config.study.lead_elimination_dir=studies/lead_elimination \
        --workdir=studies/reconstruct_then_classify

Members: the 12-lead classifier of configs/ptbxl.py (superdiagnostic,
xresnet1d101, 100 Hz), the UResNet of configs/lead_reconstruction.py (500 Hz)
given the subset, and the same classifier given the subset alone. The subset
is --config.study.subset='("I", "II", "V2")', else the leads a finished lead
elimination study left (--config.study.lead_elimination_dir), else I, II, V2.
`:smoke` runs tiny members (an ML-ResNet classifier, configs/
lead_reconstruction.py:smoke's UResNet; 2 steps) for seconds on the 400
shared PTB-XL records.

Result (cardiojax.studies.reconstruct_then_classify; results.md and
reconstruct_then_classify.png): test macro AUROC, macro AUPRC and macro F1
(validation-fitted thresholds) of the classifier on real and on
reconstructed leads and of the subset classifier, with clustered 95%
intervals; Pearson r and RMSE (mV) of each reconstructed lead. Context, not a
like-for-like anchor (PUBLISHED_RESULTS.md §6): 3-lead reconstruction on
CODE-15% reaches r = 0.93, RMSE 0.10 mV.
"""

import ml_collections
from ml_collections import config_dict

from configs import common
from configs import lead_reconstruction
from configs import ptbxl
from configs.studies import lead_elimination

PATH = "configs/studies/reconstruct_then_classify.py"


def get_config(variant: str = ""):
  _, options = common.parse_variant(PATH, variant)
  smoke = "smoke" in options
  config = ml_collections.ConfigDict()
  config.study = ml_collections.ConfigDict({
      "name": "reconstruct_then_classify",
      "subset": config_dict.placeholder(tuple),
      "lead_elimination_dir": config_dict.placeholder(str),
      "metrics": ("macro_auroc", "macro_auprc", "macro_f1"),
      "batch_size": 64,
      "bootstrap_samples": 100 if smoke else 1000,
      "bootstrap_seed": 0,
  })
  config.base = ptbxl.get_config("superdiagnostic" +
                                 (",smoke" if smoke else ""))
  config.reconstruction = lead_reconstruction.get_config(
      "smoke" if smoke else "")
  if smoke:
    config.base.model = lead_elimination.tiny_ml_resnet(
        config.base.model.num_outputs)
    lead_elimination.smoke_members(config.base, config.reconstruction)
  return config
