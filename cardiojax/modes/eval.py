"""--mode=eval: the best checkpoint of a run on its test split, as reviewers expect.

The same scoring as the end of training (`cardiojax.train.evaluation`):
thresholds fitted on validation and written into the run's input contract,
every test example (record, beat) counted once, 95% intervals from a
bootstrap that resamples the corpus's independent unit, the naive baseline
beside the model. Writes evaluation.json, results.json, results.md and the
figures into the run directory.
"""

import pathlib

from cardiojax import experiment as experiment_lib
from cardiojax.train import evaluation


def evaluate_run(config, workdir) -> dict:
  """Scores the best checkpoint of the run in `workdir`.

  Returns:
    {'results_json', 'results_md', 'plots': [paths], 'evaluation': the
    evaluation.json contents}.
  """
  workdir = pathlib.Path(workdir)
  experiment = experiment_lib.build_experiment(config)
  scored = evaluation.score_best_checkpoint(experiment, workdir)
  return {"results_json": scored["results_json"],
          "results_md": scored["results_md"], "plots": scored["plots"],
          "evaluation": {key: value for key, value in scored.items()
                         if key not in ("results_json", "results_md", "plots")}}
