"""Describe a corpus: per-split counts, lengths, beats, demographics, figures.

    python -m cardiojax.main --mode=study \
        --config=configs/studies/describe.py:ptbxl \
        --config.base.data.manual_dir=/path/to/ptb-xl-1.0.3 \
        --workdir=studies/describe_ptbxl

Variants: ptbxl (default; the splits of configs/ptbxl.py, superdiagnostic,
100 Hz) | cpsc2018 (configs/cpsc2018_resnet34.py, 500 Hz); add ',smoke' for
the shared subsets (../shared/data; seconds). The MIT-BIH figures of seed 001
read record 100 from `study.mitdb_dir` (default: the shared MIT-BIH folder).

Expect (results.md, `cardiojax/studies/describe.py`): on the full PTB-XL,
21,799 records of 18,869 patients, strat_fold 1-8 / 9 / 10 as train /
validation / test, all 10 s at 100 Hz (Wagner et al., Sci. Data 7:154,
2020; records without a superdiagnostic label dropped); on the full CPSC 2018,
6,877 records of 6-144 s at 500 Hz (PUBLISHED_RESULTS.md section 4; primary
labels Normal 918, AF 1,098, I-AVB 704, LBBB 207, RBBB 1,695, PAC 556, PVC
672, STD 825, STE 202, each record counted once per label here). The shared
PTB-XL subset has 400 records (ecg_id 1-400), the CPSC subset 10 (A1980-A1989).
"""

import ml_collections

from configs import common
from configs import cpsc2018_resnet34
from configs import ptbxl

BASES = {"ptbxl": ptbxl, "cpsc2018": cpsc2018_resnet34}


def get_config(variant: str = ""):
  corpus, options = common.parse_variant(
      "configs/studies/describe.py", variant, choices=tuple(BASES),
      default="ptbxl")
  config = ml_collections.ConfigDict()
  config.study = ml_collections.ConfigDict({
      "name": "describe",
      "rhythm_lead": "II",
      "print_split": "train",
      "print_index": 0,
      "mitdb_dir": common.shared_data("mitdb"),
      "mitdb_record": "100",
      "strip_s": 10.0,
      "window_s": 1.0,
      "seed": 0,
  })
  config.base = BASES[corpus].get_config("smoke" if "smoke" in options
                                         else "")
  return config
