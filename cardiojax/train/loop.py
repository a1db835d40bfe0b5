"""The training loop: an assembled experiment, to a run directory.

`train_and_evaluate(experiment, workdir)` trains on the 'train' split, evaluates
the 'validation' split every `config.train.eval_every` steps, keeps the latest
and the best checkpoints, stops early when the monitored validation metric
stops improving, and resumes from the latest checkpoint when rerun. The best
checkpoint is then scored by `cardiojax.train.evaluation` (the caller,
`cardiojax.experiment.train_run`, does it once training has finished).

Every `config.train.log_every` steps the mean train loss, the learning rate,
examples/s and seconds per step (validation and checkpoints excluded) are
logged, and each validation's metrics, into metrics.jsonl and TensorBoard
event files (`rundir.MetricsLog`, process 0). A tqdm bar on stderr shows the
step, elapsed time, ETA, steps/s, the last train loss and the last
validation value of `config.train.monitor` (`rundir.progress`). A rerun
prints 'resuming from step N (checkpoint <folder>)', or that the run has
already finished.

`evaluate` predicts every example of a split once; a split of whole records
cut into windows (`window_record`) is scored per record, its windows'
predictions aggregated by the contract's rule (max or mean).
"""

import ctypes
import pathlib
import sys
import time

import jax
import numpy as np
from absl import logging

from cardiojax.input import pipeline
from cardiojax.signal import windows
from cardiojax.train import checkpoints as checkpoints_lib
from cardiojax.train import rundir
from cardiojax.train import sharding


# The training bar: 'train step 120/2000  6%|#  | [00:41<11:02, 2.84step/s,
# loss=0.412, val_macro_auroc=0.871]'.
_BAR_FORMAT = ("{desc} step {n_fmt}/{total_fmt} {percentage:3.0f}%|{bar}| "
               "[{elapsed}<{remaining}, {rate_fmt}{postfix}]")


class NonFiniteError(FloatingPointError):
  """The loss or the gradients of a training step are NaN or infinite."""


def release_free_memory() -> None:
  """Returns the C heap's free pages to the kernel (glibc `malloc_trim`: the
  compiler's and XLA's freed buffers, ~0.75 GB after compiling the main
  job's step); nothing where libc is not glibc."""
  try:
    ctypes.CDLL("libc.so.6").malloc_trim(0)
  except (OSError, AttributeError):
    pass


def all_targets(source) -> np.ndarray:
  """The targets of every example of a source, stacked.

  Sources that hold their targets apart from the signals expose them as a
  `targets` array, which is used without reading any signal.
  """
  if isinstance(getattr(source, "targets", None), np.ndarray):
    return source.targets
  if hasattr(source, "take"):
    return np.asarray(source.take(np.arange(len(source)))["targets"])
  return np.stack([source[i]["targets"] for i in range(len(source))])


def aggregate_by_record(predictions: np.ndarray, window_record: np.ndarray,
                        how: str) -> np.ndarray:
  """(R, ...) per-record predictions from (W, ...) window predictions.

  Args:
    predictions: (W, ...) one row per window.
    window_record: (W,) record index (0..R-1) of each window, every record
      present.
    how: 'max' or 'mean' (`windows.aggregate_window_predictions`).
  """
  order = np.argsort(window_record, kind="stable")
  bounds = np.flatnonzero(np.diff(window_record[order])) + 1
  return np.stack([windows.aggregate_window_predictions(group, how)
                   for group in np.split(predictions[order], bounds)])


def evaluate(experiment, state, split: str):
  """Predicts every example of `split` once, with a transient progress bar
  'evaluate <split>' (`rundir.progress`: shown once it runs for a while).

  Returns:
    (metrics, predictions, targets): task metrics plus 'loss' (the mean over
    model inputs), and the predictions and targets in the source's order, one
    per record where the split's records are cut into windows.
  """
  source = experiment.splits.sources[split]
  local_batch = experiment.config.train.eval_batch_size // jax.process_count()
  predictions, indices, loss_sum = [], [], 0.0
  # Counts this process's examples, the ceil(N / processes) of its shard.
  bar = rundir.progress(desc=f"evaluate {split}", unit="example",
                        total=-(-len(source) // jax.process_count()),
                        transient=True)
  with bar:
    for batch in pipeline.eval_batches(source, batch_size=local_batch,
                                       process_index=jax.process_index(),
                                       process_count=jax.process_count()):
      index = batch.pop("index")
      outputs = experiment.eval_fn(state,
                                   sharding.global_batch(batch, experiment.mesh))
      predictions.append(sharding.to_host(outputs["predictions"]))
      indices.append(sharding.to_host(index))
      loss_sum += float(outputs["loss_sum"].addressable_data(0))
      bar.update(int((index >= 0).sum()))
  release_free_memory()  # the eval step's compilation and buffers
  predictions = np.concatenate(predictions)
  indices = np.concatenate(indices)
  real = indices >= 0
  order = np.argsort(indices[real])
  predictions = predictions[real][order]
  window_record = getattr(source, "window_record", None)
  if window_record is not None:
    predictions = aggregate_by_record(predictions, window_record,
                                      experiment.contract.aggregation)
  targets = all_targets(source)
  metrics = {"loss": loss_sum / len(source),
             **experiment.task.metrics(predictions, targets)}
  return metrics, predictions, targets


def _improved(value: float, best: float | None, mode: str) -> bool:
  if best is None:
    return True
  return value < best if mode == "min" else value > best


def train_and_evaluate(experiment, workdir: str, *,
                       interrupt_after: int | None = None) -> dict:
  """Trains (or resumes) `experiment` in `workdir`.

  Args:
    experiment: a `cardiojax.experiment.Experiment` with its splits.
    workdir: the run directory; rerunning with the same one resumes.
    interrupt_after: stop, as if preempted, after this many steps in this
      call (the run resumes on the next call); None trains to the end.

  Returns:
    The bookkeeping: best validation value and step, early stopping, and
    'finished' (False when interrupted).
  """
  config = experiment.config
  workdir = pathlib.Path(workdir)
  is_chief = jax.process_index() == 0
  if is_chief:
    rundir.write_provenance(workdir, config)
  train_config = config.train
  local_batch = train_config.batch_size // jax.process_count()
  train_iterator = pipeline.train_iterator(
      experiment.splits.sources["train"], batch_size=local_batch,
      seed=config.seed, random_transform=experiment.splits.train_augment,
      process_index=jax.process_index(), process_count=jax.process_count())
  checkpoints = checkpoints_lib.Checkpoints(workdir)
  state = experiment.initial_state
  bookkeeping = {"best_value": None, "best_step": None, "stale_evals": 0,
                 "stopped_early": False}
  restored = checkpoints.restore_latest(state, train_iterator,
                                        experiment.replicated)
  if restored is not None:
    state, bookkeeping = restored[0], restored[1]["bookkeeping"]
  start_step = int(state.step)
  if restored is not None and is_chief:
    print(_resume_line(checkpoints.latest_directory(start_step), start_step,
                       train_config, bookkeeping), file=sys.stderr)
  if _finished(start_step, train_config, bookkeeping):
    checkpoints.close()
    return {**bookkeeping, "finished": True}
  metrics_log = rundir.MetricsLog(workdir, start_step) if is_chief else None
  bar = rundir.progress(desc="train", unit="step", total=train_config.num_steps,
                        initial=start_step, bar_format=_BAR_FORMAT)
  shown = {}  # the bar's postfix: the last train loss and validation value
  train_losses, train_seconds = [], 0.0
  step = start_step
  release_free_memory()  # what loading the corpus and initialising freed
  try:
    while (not _finished(step, train_config, bookkeeping) and
           (interrupt_after is None or step < start_step + interrupt_after)):
      started = time.perf_counter()
      batch = sharding.global_batch(next(train_iterator), experiment.mesh)
      state, step_metrics = experiment.train_fn(state, batch)
      if step == start_step:
        # The compiler's freed memory, returned while the first step runs
        # (asynchronously): otherwise both count in the peak.
        release_free_memory()
      step += 1
      step_metrics = jax.device_get(step_metrics)
      train_seconds += time.perf_counter() - started
      if not step_metrics["finite"]:
        raise NonFiniteError(
            f"step {step}: the loss ({step_metrics['loss']}) or the gradient "
            f"norm ({step_metrics['grad_norm']}) is not finite; the state of "
            f"step {step - 1} is kept and the last checkpoint is intact. Check "
            f"the inputs for NaN/inf and lower config.optimizer.learning_rate.")
      train_losses.append(float(step_metrics["loss"]))
      if step % train_config.log_every == 0 or step == train_config.num_steps:
        # Seconds of the steps since the last record: data, step, transfer;
        # validation and checkpoints excluded.
        record = {"loss": np.mean(train_losses),
                  "learning_rate": experiment.schedule(step),
                  "examples_per_s": (len(train_losses) * train_config.batch_size
                                     / train_seconds),
                  "step_time_s": train_seconds / len(train_losses)}
        train_losses, train_seconds = [], 0.0
        shown["loss"] = float(record["loss"])
        if is_chief:
          metrics_log.write(step, "train", record)
      if step % train_config.eval_every == 0 or step == train_config.num_steps:
        metrics = _evaluate_and_checkpoint(experiment, state, step, checkpoints,
                                           train_iterator, metrics_log,
                                           bookkeeping)
        shown[f"val_{train_config.monitor}"] = float(
            metrics[train_config.monitor])
      bar.set_postfix(shown, refresh=False)
      bar.update(1)
  finally:
    bar.close()
    checkpoints.close()
    if metrics_log is not None:
      metrics_log.close()
  finished = _finished(step, train_config, bookkeeping)
  if finished and is_chief:
    rundir.plot_training_curve(metrics_log, workdir / "training_curve.png")
  return {**bookkeeping, "finished": finished}


def _finished(step: int, train_config, bookkeeping) -> bool:
  return step >= train_config.num_steps or bookkeeping["stopped_early"]


def _resume_line(checkpoint: pathlib.Path, step: int, train_config,
                 bookkeeping) -> str:
  """What a rerun says: it resumes from `step` (restored from `checkpoint`),
  or the run has finished."""
  if _finished(step, train_config, bookkeeping):
    why = ("stopped early" if bookkeeping["stopped_early"] else
           f"config.train.num_steps={train_config.num_steps}")
    return (f"the run has already finished at step {step} ({why}; checkpoint "
            f"{checkpoint}): nothing to train")
  return f"resuming from step {step} (checkpoint {checkpoint})"


def _evaluate_and_checkpoint(experiment, state, step, checkpoints,
                             train_iterator, metrics_log, bookkeeping) -> dict:
  """Validates, saves latest (and best), updates early stopping in place;
  returns the validation metrics."""
  train_config = experiment.config.train
  metrics, _, _ = evaluate(experiment, state, "validation")
  if jax.process_index() == 0:
    metrics_log.write(step, "validation", metrics)
    metrics_log.flush()
  value = metrics[train_config.monitor]
  if _improved(value, bookkeeping["best_value"], train_config.monitor_mode):
    bookkeeping.update(best_value=value, best_step=step, stale_evals=0)
    checkpoints.save_best(step, state, {"step": step, "validation": metrics})
  else:
    bookkeeping["stale_evals"] += 1
    if (train_config.early_stopping_patience and
        bookkeeping["stale_evals"] >= train_config.early_stopping_patience):
      bookkeeping["stopped_early"] = True
      logging.info("early stop at step %d: validation %s did not improve for "
                   "%d evaluations", step, train_config.monitor,
                   bookkeeping["stale_evals"])
  checkpoints.save_latest(step, state, train_iterator,
                          {"step": step, "bookkeeping": bookkeeping})
  return metrics
