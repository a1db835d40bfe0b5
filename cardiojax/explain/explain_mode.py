"""--mode=explain: attributions of a trained run's best checkpoint.

For the records `config.explain.records` of `config.explain.split` (or its most
confident correct and misclassified examples), writes attribution arrays
(.npz), ECG plots with attribution overlays, and the split's lead-importance
table into `workdir/explain/` (see `cardiojax.explain.run.explain_run`).
Classification tasks only.
"""

import pathlib

import numpy as np

from cardiojax.explain import attributions
from cardiojax.explain import run as explain_run_lib
from cardiojax.train import loop


def _baseline(source, limit: int) -> np.ndarray:
  """Integrated-gradients baseline: the mean of up to `limit` training inputs."""
  count = min(len(source), limit)
  return attributions.mean_baseline(
      np.stack([np.asarray(source[i]["inputs"]) for i in range(count)]))


def explain_workdir(config, workdir) -> dict:
  """Explains the best checkpoint of the run in `workdir`; returns the summary."""
  experiment = loop.build_experiment(config)
  if not hasattr(experiment.task, "class_names"):
    raise ValueError(f"config.task.name={config.task.name!r}: --mode=explain "
                     f"explains classifiers; use cardiojax.explain.attributions "
                     f"directly for regression outputs (per site or lead)")
  state, _ = loop.restore_best(experiment, workdir)
  explain = config.explain
  source = experiment.splits.sources[explain.split]
  info = experiment.splits.info
  limit = explain.max_importance_examples
  return explain_run_lib.explain_run(
      experiment.model, state.variables, experiment.task, source,
      pathlib.Path(workdir) / "explain",
      sample_rate=info["sampling_rate_hz"],
      records=tuple(explain.records) or None,
      num_confident=explain.num_confident,
      num_misclassified=explain.num_misclassified,
      lead_names=info["lead_names"],
      gradcam_feature=explain.gradcam_feature,
      baseline=_baseline(experiment.splits.sources["train"], limit),
      ig_steps=explain.ig_steps,
      smoothgrad_samples=explain.smoothgrad_samples,
      occlusion_window_s=explain.occlusion_window_s,
      importance_indices=tuple(range(min(len(source), limit))),
      seed=config.seed)
