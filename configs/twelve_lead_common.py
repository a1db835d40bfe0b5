"""What the 12-lead configs share: data sections, variants, smoke settings.

Data fields (read by `cardiojax.input.records.build_record_splits` and the
corpus modules `cardiojax.datasets.ptbxl`, `cpsc2018`, `cinc`):
  name: the corpus module in `cardiojax.datasets`.
  manual_dir: the raw corpus folder; needed to prepare on first use (set it
    with --config.data.manual_dir=...; the smoke variants use the shared
    subsets in ../shared/data or $CARDIOJAX_SHARED_DATA).
  data_dir: where the prepared ArrayRecord files live (prepared once).
  builder_config (PTB-XL, CPSC 2018): the tfds builder config
    ('100hz'/'500hz'; 'original'/'cinc').
  train_folds, validation_folds, test_folds: folds of each split.
  sampling_rate_hz: the model's rate; records are resampled to it.
  input_leads: the leads given to the model, in order.
  train_length: random training crop in samples at sampling_rate_hz.
  eval_length, eval_align: the window of the model at evaluation (a shorter
    record is padded, aligned as eval_align).
  eval_stride: validation and test records are scored whole: windows of
    eval_length every eval_stride samples (None: eval_length // 2), their
    outputs aggregated per record (max for multi-label, else mean).
  normalization: 'standard' (per-lead, training split) or 'none' (mV).
  normalization_records: training records sampled for the statistics (0: all).
"""

import ml_collections

from cardiojax.signal import leads
from configs import common

ALL_LEADS = leads.STANDARD_12
PTBXL_FOLDS = {"train_folds": tuple(range(1, 9)), "validation_folds": (9,),
               "test_folds": (10,)}
CPSC2018_FOLDS = {"train_folds": tuple(range(8)), "validation_folds": (8,),
                  "test_folds": (9,)}


def data_section(name: str, *, folds: dict,
                 sampling_rate_hz: float, train_length: int, eval_length: int,
                 eval_align: str = "start",
                 eval_stride: int | None = None,
                 input_leads: tuple[str, ...] = ALL_LEADS,
                 normalization: str = "standard",
                 normalization_records: int = 2000,
                 **extra) -> ml_collections.ConfigDict:
  """The common data fields plus the corpus's own (`extra`, e.g. the tfds
  `builder_config`)."""
  return ml_collections.ConfigDict({
      "name": name,
      "manual_dir": ml_collections.config_dict.placeholder(str),
      "data_dir": common.data_dir(),
      **folds,
      "sampling_rate_hz": sampling_rate_hz,
      "input_leads": tuple(input_leads),
      "train_length": train_length,
      "eval_length": eval_length,
      "eval_align": eval_align,
      "eval_stride": (ml_collections.config_dict.placeholder(int)
                      if eval_stride is None else eval_stride),
      "normalization": normalization,
      "normalization_records": normalization_records,
      **extra,
  })


def ptbxl_data(target: str, *, label_set: str = "superdiagnostic",
               max_age_years: float = 90.0,
               **common_fields) -> ml_collections.ConfigDict:
  """PTB-XL (`cardiojax.datasets.ptbxl.load`) for `target`: 'labels' (of
  `label_set`), 'age' (capped at `max_age_years`) or 'leads' (lead
  reconstruction); `common_fields` as `data_section`."""
  return data_section("ptbxl", folds=PTBXL_FOLDS, target=target,
                      label_set=label_set, max_age_years=max_age_years,
                      skip_missing_records=False, **common_fields)


def use_shared_subset(config, corpus: str) -> None:
  """`common.use_shared` for a 12-lead corpus (subsets need
  skip_missing_records)."""
  common.use_shared(config.data, corpus)
  if "skip_missing_records" in config.data:
    config.data.skip_missing_records = True


def smoke_train(config, *, batch_size: int = 8,
                eval_batch_size: int = 8) -> None:
  """The 12-lead smoke run: 4 steps, validation loss monitored."""
  common.smoke_train(config, batch_size=batch_size,
                     eval_batch_size=eval_batch_size, num_steps=4,
                     warmup_steps=1, monitor_loss=True)


def ribeiro_model(num_outputs: int) -> ml_collections.ConfigDict:
  """The Ribeiro et al. 2020 network as in their paper (4096 samples at 400 Hz)."""
  return ml_collections.ConfigDict({
      "name": "ribeiro_resnet", "num_outputs": num_outputs,
      "features": (64, 128, 196, 256, 320), "strides": (4, 4, 4, 4),
      "kernel_size": 16, "dropout_rate": 0.2})


def resnet34(config, num_outputs: int) -> None:
  """The 1D ResNet-34 of Zhang et al. 2021 (seed 002) and its training:
  Adam lr 1e-4, batch 32, macro AUROC monitored on validation."""
  config.model = ml_collections.ConfigDict({
      "name": "resnet34", "num_outputs": num_outputs,
      "features": (64, 128, 256, 512), "kernel_size": 7,
      "stem_kernel_size": 15, "dropout_rate": 0.0})
  config.train.batch_size = 32
  config.train.eval_batch_size = 64
  config.train.log_every = 100
  config.train.eval_every = 500
  config.train.monitor = "macro_auroc"
  config.train.monitor_mode = "max"
  config.optimizer.learning_rate = 1e-4
  config.optimizer.schedule = "constant"
