"""What the 12-lead configs share: data sections, variants, smoke settings.

Data fields (read by `cardiojax.input.twelve_lead`; every loader reads all of
the common ones):
  name: the loader in `cardiojax.input.data.DATASETS`.
  manual_dir: the raw corpus folder; needed to prepare on first use (set it
    with --config.data.manual_dir=...; the smoke variants use the shared
    subsets in ../shared/data or $CARDIOJAX_SHARED_DATA).
  data_dir: where the prepared ArrayRecord files live (prepared once).
  builder_config: the tfds builder config ('100hz'/'500hz'; 'original'/'cinc').
  train_folds, validation_folds, test_folds: folds of each split.
  sampling_rate_hz: the model's rate; records are resampled to it.
  input_leads: the leads given to the model, in order.
  train_length: random training crop in samples at sampling_rate_hz.
  eval_length, eval_align: evaluation records are cropped/padded to this.
  normalization: 'standard' (per-lead, training split) or 'none' (mV).
  normalization_records: training records sampled for the statistics (0: all).
"""

import os
import pathlib
import tempfile

import ml_collections

from cardiojax.signal import leads

ALL_LEADS = leads.STANDARD_12
PTBXL_FOLDS = {"train_folds": tuple(range(1, 9)), "validation_folds": (9,),
               "test_folds": (10,)}
CPSC2018_FOLDS = {"train_folds": tuple(range(8)), "validation_folds": (8,),
                  "test_folds": (9,)}


def shared_data() -> pathlib.Path:
  """The shared corpus subsets: $CARDIOJAX_SHARED_DATA or <repo>/../shared/data."""
  default = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
  return pathlib.Path(os.environ.get("CARDIOJAX_SHARED_DATA") or default)


def default_data_dir() -> str:
  return str(pathlib.Path.home() / "cardiojax_data" / "tfds")


def smoke_data_dir() -> str:
  return str(pathlib.Path(tempfile.gettempdir()) / "cardiojax_smoke" / "tfds")


def parse_variant(path: str, variant: str, choices: tuple[str, ...],
                  default: str) -> tuple[str, bool]:
  """'<choice>', '<choice>_smoke', 'smoke' or '' -> (choice, smoke)."""
  smoke = variant == "smoke" or variant.endswith("_smoke")
  choice = variant[:-len("smoke")].rstrip("_") if smoke else variant
  choice = choice or default
  if choice not in choices:
    expected = [*choices, *(f"{c}_smoke" for c in choices), "smoke", ""]
    raise ValueError(f"{path}: unknown variant {variant!r}; expected one of "
                     f"{expected}")
  return choice, smoke


def data_section(name: str, *, builder_config: str, folds: dict,
                 sampling_rate_hz: float, train_length: int, eval_length: int,
                 eval_align: str = "start",
                 input_leads: tuple[str, ...] = ALL_LEADS,
                 normalization: str = "standard",
                 normalization_records: int = 2000,
                 **extra) -> ml_collections.ConfigDict:
  """The common data fields plus the loader's own (`extra`)."""
  return ml_collections.ConfigDict({
      "name": name,
      "manual_dir": ml_collections.config_dict.placeholder(str),
      "data_dir": default_data_dir(),
      "builder_config": builder_config,
      **folds,
      "sampling_rate_hz": sampling_rate_hz,
      "input_leads": tuple(input_leads),
      "train_length": train_length,
      "eval_length": eval_length,
      "eval_align": eval_align,
      "normalization": normalization,
      "normalization_records": normalization_records,
      **extra,
  })


def use_shared_subset(config, corpus: str) -> None:
  """Points a config's data at the shared subset of `corpus`, a temp data_dir."""
  config.data.manual_dir = str(shared_data() / corpus)
  config.data.data_dir = smoke_data_dir()
  if "skip_missing_records" in config.data:
    config.data.skip_missing_records = True


def smoke_train(config, *, batch_size: int = 8, eval_batch_size: int = 8,
                num_steps: int = 4) -> None:
  """A seconds-long run (batch sizes are multiples of 4 devices)."""
  config.train.batch_size = batch_size
  config.train.eval_batch_size = eval_batch_size
  config.train.num_steps = num_steps
  config.train.log_every = 2
  config.train.eval_every = num_steps // 2
  config.train.monitor = "loss"
  config.train.monitor_mode = "min"
  config.train.early_stopping_patience = 0
  config.optimizer.warmup_steps = 1


def ribeiro_model(num_outputs: int) -> ml_collections.ConfigDict:
  """The Ribeiro et al. 2020 network as in their paper (4096 samples at 400 Hz)."""
  return ml_collections.ConfigDict({
      "name": "ribeiro_resnet", "num_outputs": num_outputs,
      "features": (64, 128, 196, 256, 320), "strides": (4, 4, 4, 4),
      "kernel_size": 16, "dropout_rate": 0.2})
