"""Single-lead models against the 12-lead model (seed 002, CPSC 2018).

    python -m cardiojax.main --mode=study \
        --config=configs/studies/single_lead.py \
        --config.base.data.manual_dir=/path/to/cpsc2018 \
        --workdir=studies/single_lead

Variants: cpsc2018 (default; configs/cpsc2018_resnet34.py: ResNet-34, 9
labels, 500 Hz) | ptbxl (configs/ptbxl.py superdiagnostic: xresnet1d101, 5
labels, 100 Hz); add ',smoke' for seconds-long members (a tiny ML-ResNet,
2 steps) on the shared subsets with config.study.leads = ('I', 'II', 'V1')
(`:ptbxl,smoke` gives defined metrics; the 10 shared CPSC 2018 records leave
one record in test).

13 members (12 single leads and all leads), scored on the test split: macro
AUROC and macro F1 at thresholds fitted on validation, with clustered 95%
intervals (cardiojax.studies.single_lead; results.md, single_lead.png).
Compare with seed 002: all leads best; I, aVR and V5 the best single leads
(their folds differ from ours; status P in PUBLISHED_RESULTS.md §4).
"""

import ml_collections

from configs import common
from configs import cpsc2018_resnet34
from configs import ptbxl
from configs import twelve_lead_common as tl
from configs.studies import lead_elimination

PATH = "configs/studies/single_lead.py"
CORPORA = ("cpsc2018", "ptbxl")


def get_config(variant: str = ""):
  corpus, options = common.parse_variant(PATH, variant, choices=CORPORA,
                                         default="cpsc2018")
  smoke = "smoke" in options
  config = ml_collections.ConfigDict()
  if corpus == "cpsc2018":
    config.base = cpsc2018_resnet34.get_config("smoke" if smoke else "")
  else:
    config.base = ptbxl.get_config("superdiagnostic" +
                                   (",smoke" if smoke else ""))
  config.study = ml_collections.ConfigDict({
      "name": "single_lead",
      "leads": ("I", "II", "V1") if smoke else tl.ALL_LEADS,
      "metrics": ("macro_auroc", "macro_f1"),
      "bootstrap_samples": 100 if smoke else 1000,
      "bootstrap_seed": 0,
  })
  if smoke:
    config.base.model = lead_elimination.tiny_ml_resnet(
        config.base.model.num_outputs)
    lead_elimination.smoke_members(config.base)
  return config
