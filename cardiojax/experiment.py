"""An experiment assembled from a config: data, task, model, optimizer, steps.

`build_experiment(config)` loads the training corpus (for training and for
evaluation on its splits); `build_from_run(config, workdir)` builds the same
model, task and state from the run directory alone (its saved input
contract), for predict and explain on new records without the corpus.
`restore_best` fills either with the run's best checkpoint.
"""

import dataclasses
import json
import pathlib
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from cardiojax import datasets
from cardiojax import models
from cardiojax import tasks
from cardiojax.input import contract as contract_lib
from cardiojax.input import splits as splits_lib
from cardiojax.signal import windows
from cardiojax.train import checkpoints as checkpoints_lib
from cardiojax.train import evaluation as evaluation_lib
from cardiojax.train import loop
from cardiojax.train import optim
from cardiojax.train import rundir
from cardiojax.train import sharding
from cardiojax.train import state as state_lib
from cardiojax.train import steps
from cardiojax.train import transfer

# The integrated-gradients baseline saved with a run (the mean training input).
BASELINE_FILE = "explain_baseline.npy"


@dataclasses.dataclass
class Experiment:
  """What a run is made of; built identically for training and evaluation.

  `splits` is None when the experiment was built from a run directory.
  """
  config: Any
  contract: contract_lib.InputContract
  splits: splits_lib.Splits | None
  task: Any
  model: Any
  mesh: Any
  tx: Any
  schedule: Any
  train_fn: Any
  eval_fn: Any
  initial_state: Any

  @property
  def replicated(self):
    return sharding.replicated(self.mesh)


def build_model(model_config, dtype=jnp.float32):
  """The model `config.model.name` (a `models.MODELS` key), other fields as kwargs,
  computing in `dtype` (its parameters are float32 either way)."""
  fields = dict(model_config)
  name = fields.pop("name")
  if name not in models.MODELS:
    raise ValueError(f"config.model.name: unknown model {name!r}; expected one "
                     f"of {sorted(models.MODELS)}")
  return models.MODELS[name](**fields, dtype=dtype)


def _make_task(config, class_names):
  """The task of `config.task`; a classifier configured without class names
  (`class_names=()`) takes those of the data."""
  task = tasks.make_task(config.task, metric_names=tuple(config.eval.metrics))
  if getattr(task, "class_names", None) == ():
    task = dataclasses.replace(task, class_names=tuple(class_names))
  return task


def _fitted_fields(fitted, unfitted) -> dict:
  """The task fields that `fit` changed (the task's training statistics)."""
  return {field.name: getattr(fitted, field.name)
          for field in dataclasses.fields(fitted)
          if getattr(fitted, field.name) != getattr(unfitted, field.name)}


def _as_tuples(value):
  if isinstance(value, list):
    return tuple(_as_tuples(item) for item in value)
  return value


def task_from_contract(config, contract: contract_lib.InputContract):
  """The task of `config` with the statistics and thresholds of the contract."""
  task = _make_task(config, contract.label_names)
  fields = {key: _as_tuples(value)
            for key, value in contract.task_statistics.items()}
  if contract.thresholds is not None:
    fields["thresholds"] = contract.thresholds
  return dataclasses.replace(task, **fields) if fields else task


def _identity_value(value):
  """A config value JSON lacks, in full: arrays as lists (numpy's repr
  abbreviates large ones), anything else by its repr."""
  return value.tolist() if hasattr(value, "tolist") else repr(value)


def _assemble(config, contract, splits, task) -> Experiment:
  sharding.maybe_initialize(config.distributed)
  if config.train.batch_size % jax.device_count():
    raise ValueError(f"config.train.batch_size={config.train.batch_size} must "
                     f"be a multiple of the {jax.device_count()} devices")
  # Runs saved before compute_dtype existed computed in float32.
  dtype_name = config.train.get("compute_dtype", "float32")
  model = build_model(config.model, state_lib.compute_dtype(dtype_name))
  mesh = sharding.data_mesh()
  tx, schedule = optim.make_optimizer(config.optimizer, config.train.num_steps)
  tx = transfer.freeze(tx, config.transfer)
  # What defines the programs besides the code and the shapes: a rerun with
  # the same ones reuses their traces (`cardiojax.train.program_cache`).
  identity = json.dumps({"config": config.to_dict(), "contract": contract.to_dict()},
                        sort_keys=True, default=_identity_value)
  example = np.zeros((1, *contract.input_shape), np.float32)
  state = state_lib.create_train_state(model, tx, example, config.seed, identity)
  state = jax.device_put(state, sharding.replicated(mesh))
  train_fn, eval_fn = steps.compile_steps(task, mesh, identity)
  return Experiment(config, contract, splits, task, model, mesh, tx, schedule,
                    train_fn, eval_fn, state)


def build_experiment(config) -> Experiment:
  """Loads the corpus, fits the task on the training targets, builds the model.

  The returned contract is complete but for thresholds: the data half from the
  corpus, the task half (kind, label names, fitted statistics) from the task.
  """
  sharding.maybe_initialize(config.distributed)
  splits = datasets.corpus(config.data.name).load(config.data)
  unfitted = _make_task(config, splits.info.get("class_names", ()))
  task = unfitted
  if hasattr(task, "fit") and getattr(task, "needs_fit", True):
    task = task.fit(loop.all_targets(splits.sources["train"]))
  contract = dataclasses.replace(
      splits.contract, task_kind=config.task.name,
      aggregation="max" if config.task.name == "multi_label" else "mean",
      label_names=tuple(getattr(task, "class_names", ())),
      task_statistics=_fitted_fields(task, unfitted))
  evaluation_lib.warn_missing_classes(task, splits)
  experiment = _assemble(config, contract, splits, task)
  experiment.initial_state = transfer.initialize(experiment.initial_state,
                                                 config.transfer)
  return experiment


def build_from_run(config, workdir) -> Experiment:
  """The experiment of the run in `workdir`, from its files alone (no corpus).

  Raises:
    ContractError: the run has no readable input_contract.json.
  """
  contract = contract_lib.load(workdir)
  return _assemble(config, contract, None, task_from_contract(config, contract))


def restore_best(experiment: Experiment, workdir) -> tuple[Any, dict]:
  """The best checkpoint's state of the run in `workdir` and its meta."""
  return checkpoints_lib.restore_best(workdir, experiment.initial_state,
                                      experiment.replicated)


def training_mean_input(experiment: Experiment, limit: int) -> np.ndarray:
  """(T, C) mean of up to `limit` training inputs, each cut to the window."""
  source = experiment.splits.sources["train"]
  contract = experiment.contract
  inputs = []
  for i in range(min(len(source), limit)):
    x = np.asarray(source[i]["inputs"], np.float32)
    if x.shape != contract.input_shape:
      x = windows.crop_or_pad(x, contract.input_shape[0],
                              align=contract.window_policy.get("align", "start"))
    inputs.append(x)
  return np.mean(np.stack(inputs), axis=0)


def save_run_files(experiment: Experiment, workdir) -> None:
  """Writes what later stages read instead of the corpus: the contract and the
  integrated-gradients baseline."""
  workdir = pathlib.Path(workdir)
  experiment.contract.save(workdir)
  baseline = training_mean_input(
      experiment, experiment.config.explain.max_importance_examples)
  tmp = workdir / (BASELINE_FILE + ".tmp")
  with open(tmp, "wb") as f:
    np.save(f, baseline, allow_pickle=False)
  tmp.replace(workdir / BASELINE_FILE)


def train_run(config, workdir, *, interrupt_after: int | None = None) -> dict:
  """Trains (or resumes) the run of `config` in `workdir`, then scores it.

  Writes the input contract and the explain baseline into the run directory
  before the first step, so that predict and explain never need the corpus.
  Once training has finished, the best checkpoint is scored as `--mode=eval`
  scores it (`cardiojax.train.evaluation.score_best_checkpoint`).

  Returns:
    The evaluation (evaluation.json), or the training bookkeeping when
    interrupted (`interrupt_after`).
  """
  workdir = rundir.prepare(workdir)
  experiment = build_experiment(config)
  if jax.process_index() == 0:
    save_run_files(experiment, workdir)
  bookkeeping = loop.train_and_evaluate(experiment, workdir,
                                        interrupt_after=interrupt_after)
  if not bookkeeping["finished"]:
    return bookkeeping
  return evaluation_lib.score_best_checkpoint(experiment, workdir)
