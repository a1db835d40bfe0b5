"""Expert features + classical classifiers vs the deep model (seed 002).

    python -m cardiojax.main --mode=study \
        --config=configs/studies/expert_baseline.py:cpsc2018 \
        --config.base.data.manual_dir=/path/to/cpsc2018 \
        --workdir=studies/expert_cpsc

Variants: cpsc2018 (default; base configs/cpsc2018_resnet34.py, ResNet-34) |
ptbxl (base configs/ptbxl.py, superdiagnostic, xresnet1d101); add ',smoke'
for the smoke base config on the shared subsets (seconds; the numbers mean
nothing there). The study trains the base config once as the member run
`deep/` (hours on one GPU for the full corpora), then the four classifiers on
expert features of the same records (minutes), and writes results.md with
every column scored alike: thresholds fitted on validation, test metrics with
clustered bootstrap 95% intervals (`cardiojax/studies/expert_baseline.py`).

Expect on the full CPSC2018 (seed 002, Zhang et al. 2021; PUBLISHED_RESULTS.md
section 4, status P, their folds not reproducible): expert features macro
AUROC 0.891 / mean F1 0.743 (their best classifier) against the ResNet-34's
0.970 / 0.813 (results.md rows `macro_auroc`, `macro_f1`). The deep model
should lead by a margin well outside the intervals; our features are fewer
(rhythm, QRS and ST measurements rather than their per-lead signal
statistics and wavelet coefficients).

Measured on the 400 shared PTB-XL records (275 / 62 / 53; intervals over 46
test patients) with a widened xresnet1d18 trained 400 steps:

    python -m cardiojax.main --mode=study \
        --config=configs/studies/expert_baseline.py:ptbxl,smoke \
        --config.base.model.stem_features='(16,16,32)' \
        --config.base.model.features='(32,64,128,128)' \
        --config.base.model.head_hidden='(64,)' \
        --config.base.train.batch_size=32 \
        --config.base.train.eval_batch_size=64 \
        --config.base.train.num_steps=400 --config.base.train.eval_every=50 \
        --config.base.optimizer.warmup_steps=120 \
        --config.base.train.monitor=macro_auroc \
        --config.base.train.monitor_mode=max \
        --config.base.data.normalization_records=0 \
        --config.study.bootstrap_samples=1000 --workdir=/tmp/expert_ptbxl

macro AUROC: logistic regression 0.755 [0.645, 0.869], random forest 0.862
[0.788, 0.930], gradient boosting 0.830 [0.740, 0.911], MLP 0.676 [0.459,
0.845], xresnet1d18 0.789 [0.713, 0.871]: with 275 training records the
expert features match a small deep model; the intervals overlap.
"""

import ml_collections

from configs import common
from configs import cpsc2018_resnet34
from configs import ptbxl

BASES = {"cpsc2018": cpsc2018_resnet34, "ptbxl": ptbxl}


def get_config(variant: str = ""):
  corpus, options = common.parse_variant(
      "configs/studies/expert_baseline.py", variant, choices=tuple(BASES),
      default="cpsc2018")
  config = ml_collections.ConfigDict()
  config.study = ml_collections.ConfigDict({
      "name": "expert_baseline",
      "classifiers": ("logistic_regression", "random_forest",
                      "hist_gradient_boosting", "mlp"),
      "rhythm_lead": "II",
      "bootstrap_samples": 1000,
      "bootstrap_seed": 0,
      "plot_metrics": ("macro_auroc", "macro_f1"),
  })
  config.base = BASES[corpus].get_config("smoke" if "smoke" in options
                                         else "")
  if "smoke" in options:
    config.study.bootstrap_samples = 50
  return config
