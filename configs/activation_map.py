"""ECG to activation-time map (LLNL task 3) on the simulated intracardiac data.

    python -m cardiojax.main --config=configs/activation_map.py

12-lead ECG (500 ms at 1 kHz) -> the activation time (ms, first sample with
Vm > 0) of 75 sites, a compact residual encoder (`ecg_to_activation`), MSE on
standardised times. Splits are by simulated heart (8 train, 1 validation,
1 test). About 2 minutes on 2 CPU cores. Expect a validation MAE near 5 ms
against 25 ms for the naive baseline (the training-mean time of each site;
measured: 5.2 vs 25.1 ms validation, 6.4 vs 28.3 ms test): see
workdir/evaluation.json (`model.mae` vs `naive_baseline.mae`).
For reference, an LLNL DSC 2024 participant reported about 2.3 ms MAE on the
real data (unreviewed; see PUBLISHED_RESULTS.md §5). `:quick` (about a
minute) is the test suite's learning check; `:smoke` runs in seconds.
"""

from configs import common


def get_config(variant: str = ""):
  _, options = common.parse_variant("configs/activation_map.py", variant,
                                    ("quick",))
  config = common.base_config()
  config.data = common.intracardiac_data("activation_times")
  config.task = common.ml_collections.ConfigDict(
      {"name": "dense_regression", "loss_name": "mse", "unit": "ms"})
  config.model = common.ml_collections.ConfigDict({
      "name": "ecg_to_activation", "num_outputs": 75,
      "features": (32, 32, 64, 64, 64), "kernel_size": 7, "hidden": 128,
      "dropout_rate": 0.1})
  config.train.num_steps = 1500
  config.train.eval_every = 250
  config.optimizer.learning_rate = 2e-3
  if "smoke" in options:
    common.shrink_simulated_for_smoke(config)
    config.model.features = (8, 8, 16)
    config.model.hidden = 16
  elif "quick" in options:  # the learning check of the test suite
    config.train.num_steps = 500
    config.train.eval_every = 250
    config.optimizer.warmup_steps = 25
  return config
