"""Defaults every experiment config starts from; each key is declared here.

An experiment's get_config() calls `base_config()` and sets its own data,
task and model sections and the fields it changes. Shared by every config:
- one variant grammar (`parse_variant`): `--config=configs/NAME.py:a,b`, a
  comma-separated set of options, at most one of them a choice among the
  config's alternatives (e.g. a PTB-XL label set), e.g. `ptbxl.py:rhythm,smoke`;
- one prepared-data root (`data_dir()`): $CARDIOJAX_DATA_DIR, else
  ~/cardiojax_data/tfds;
- one shared-data helper (`shared_data`) and one smoke helper (`use_shared`
  and `smoke_train`) for the `:smoke` variants, which run in seconds on the
  real subsets in ../shared/data ($CARDIOJAX_SHARED_DATA).
"""

import os
import pathlib
import tempfile

import ml_collections
from ml_collections import config_dict

from cardiojax.datasets import paths


def data_dir() -> str:
  """Where corpora are prepared (once) and read: the prepared-data root,
  $CARDIOJAX_DATA_DIR or ~/cardiojax_data/tfds
  (`cardiojax.datasets.paths.data_root`; `cardiojax prepare` writes there)."""
  return paths.data_root()


def shared_data(corpus: str = "") -> str:
  """The shared real-data subset of `corpus` (e.g. 'mitdb'):
  $CARDIOJAX_SHARED_DATA, else <repo>/../shared/data."""
  default = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
  root = os.environ.get("CARDIOJAX_SHARED_DATA") or str(default)
  return os.path.normpath(os.path.join(root, corpus))


def parse_variant(path: str, variant: str, options: tuple[str, ...] = (),
                  choices: tuple[str, ...] = (),
                  default: str | None = None) -> tuple[str | None, set[str]]:
  """Parses a `--config=path:variant` string (see the module docstring).

  Args:
    path: the config file, named in errors.
    variant: comma-separated tokens.
    options: the allowed flags ('smoke' is always allowed).
    choices: mutually exclusive alternatives; at most one may be given.
    default: the choice when none is given.

  Returns:
    (choice, options given).

  Raises:
    ValueError: an unknown token or two choices, naming `path`.
  """
  tokens = [token for token in variant.split(",") if token]
  allowed = {"smoke", *options}
  unknown = sorted(set(tokens) - allowed - set(choices))
  chosen = [token for token in tokens if token in choices]
  if unknown or len(chosen) > 1:
    expected = sorted(allowed) + ([f"one of {list(choices)}"] if choices else [])
    raise ValueError(f"{path}: unknown variant {variant!r}; expected a "
                     f"comma-separated subset of {expected}")
  return (chosen[0] if chosen else default), set(tokens) - set(chosen)


def use_shared(data: ml_collections.ConfigDict, corpus: str) -> None:
  """Points `config.data` at the shared subset of `corpus` and a temporary
  prepared-data folder (the `:smoke` variants)."""
  data.manual_dir = shared_data(corpus)
  data.data_dir = str(pathlib.Path(tempfile.gettempdir()) / "cardiojax_smoke"
                      / "tfds")


def smoke_train(config, *, batch_size: int, eval_batch_size: int,
                num_steps: int, warmup_steps: int,
                monitor_loss: bool = False) -> None:
  """A seconds-long run: `num_steps` steps, two evaluations (batch sizes are
  multiples of the 4 virtual devices of the tests)."""
  config.train.batch_size = batch_size
  config.train.eval_batch_size = eval_batch_size
  config.train.num_steps = num_steps
  config.train.log_every = 2
  config.train.eval_every = num_steps // 2
  config.train.early_stopping_patience = 0
  config.optimizer.warmup_steps = warmup_steps
  config.eval.bootstrap_samples = 100  # intervals of a smoke run mean nothing
  if monitor_loss:
    config.train.monitor = "loss"
    config.train.monitor_mode = "min"


def base_config() -> ml_collections.ConfigDict:
  """Training, optimizer and distributed defaults (data/task/model are set by
  each experiment)."""
  config = ml_collections.ConfigDict()
  config.seed = 0

  config.train = ml_collections.ConfigDict()
  config.train.batch_size = 32          # global, over all devices and hosts
  config.train.eval_batch_size = 128
  config.train.num_steps = 1000
  config.train.log_every = 50
  config.train.eval_every = 250
  config.train.monitor = "loss"         # a validation metric
  config.train.monitor_mode = "min"     # or "max"
  config.train.early_stopping_patience = 0  # evaluations; 0 = never stop early
  # Model computation: 'float32' or 'bfloat16' (mixed precision: parameters,
  # optimizer state and BatchNorm statistics stay float32).
  config.train.compute_dtype = "float32"

  config.optimizer = ml_collections.ConfigDict()
  config.optimizer.name = "adam"        # adam | adamw | sgd
  config.optimizer.learning_rate = 1e-3
  config.optimizer.schedule = "warmup_cosine"  # constant | warmup_cosine | one_cycle | reduce_on_plateau
  config.optimizer.warmup_steps = 50
  config.optimizer.end_factor = 0.01    # final rate / peak rate (warmup_cosine)
  config.optimizer.weight_decay = 1e-4  # adamw
  config.optimizer.momentum = 0.9       # sgd
  config.optimizer.grad_clip_norm = 0.0  # 0 = no clipping
  config.optimizer.plateau_factor = 0.5
  config.optimizer.plateau_patience = 5
  config.optimizer.plateau_accumulation = 50  # steps averaged per plateau check

  config.eval = ml_collections.ConfigDict()  # --mode=eval
  config.eval.bootstrap_samples = 1000
  config.eval.bootstrap_seed = 0
  config.eval.metrics = ()              # extra metric sets: "aami", "cpsc2018"
  # Also the PTB-XL benchmark's interval (100 resamples of examples, 90%).
  config.eval.benchmark_interval = False

  config.predict = ml_collections.ConfigDict()  # --mode=predict, cardiojax.load
  # Non-finite samples (and WFDB invalid-sample markers): 'repair' gaps up to
  # max_repair_s by linear interpolation (longer ones are refused), 'drop' the
  # windows or beats they touch, or 'refuse' the record.
  config.predict.signal_policy = "repair"
  config.predict.max_repair_s = 0.5
  config.predict.aggregation = "auto"   # auto | mean | max (windows of a record)
  config.predict.batch_size = 256       # inputs per forward pass (largest bucket)

  config.explain = ml_collections.ConfigDict()  # --mode=explain
  config.explain.split = "test"
  config.explain.records = ()           # indices; () = the most confident and misclassified
  config.explain.num_confident = 3
  config.explain.num_misclassified = 3
  config.explain.gradcam_feature = config_dict.placeholder(str)  # None = last feature map
  config.explain.ig_steps = 64
  config.explain.smoothgrad_samples = 16
  config.explain.occlusion_window_s = 0.1
  config.explain.max_importance_examples = 256  # for the lead-importance table

  config.transfer = ml_collections.ConfigDict()  # cardiojax.train.transfer
  config.transfer.init_from = config_dict.placeholder(str)  # a finished run's workdir
  config.transfer.skip = ()             # top-level modules left at their init
  config.transfer.freeze = ()           # top-level modules not trained

  config.distributed = ml_collections.ConfigDict()
  config.distributed.enabled = False    # or set CARDIOJAX_COORDINATOR_ADDRESS
  config.distributed.coordinator_address = config_dict.placeholder(str)
  config.distributed.num_processes = config_dict.placeholder(int)
  config.distributed.process_id = config_dict.placeholder(int)
  config.distributed.cpu_collectives = config_dict.placeholder(str)  # "gloo" on CPU
  return config


def intracardiac_data(target: str) -> ml_collections.ConfigDict:
  """The intracardiac corpus (`cardiojax.datasets.intracardiac`); its default
  source is the simulator, so the main job needs no download."""
  return ml_collections.ConfigDict({
      "name": "intracardiac",
      "source": "simulated",        # or "llnl": the LLNL files in manual_dir
      "target": target,             # "vm" or "activation_times"
      "data_dir": data_dir(),
      "manual_dir": config_dict.placeholder(str),
      "num_samples": 4000,          # simulated samples
      "seed": 0,
      "num_hearts": 10,             # one heart = one "patient"
      "validation_hearts": 1,
      "test_hearts": 1,
      "split_seed": 0,
      "noise_std_mv": 0.02,
  })


def shrink_simulated_for_smoke(config) -> None:
  """A little simulated data and a 6-step run (the `:smoke` variants)."""
  config.data.num_samples = 96
  config.data.num_hearts = 6
  config.data.data_dir = str(pathlib.Path(tempfile.gettempdir()) /
                             "cardiojax_smoke" / "tfds")
  smoke_train(config, batch_size=8, eval_batch_size=16, num_steps=6,
              warmup_steps=2)
