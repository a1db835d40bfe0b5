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
