"""ECG to transmembrane voltage (LLNL task 4) on the simulated intracardiac data.

    python -m cardiojax.main --config=configs/seq2seq.py

12-lead ECG (500 ms at 1 kHz) -> Vm of 75 sites x 500 ms with a U-Net and a
site-conditioned decoder (`ecg_to_vm`), MSE on standardised Vm. Splits are by
simulated heart (8 train, 1 validation, 1 test). About 11.5 minutes on 2 idle
CPU cores (1200 steps at 0.55 s, then the scoring; 1.9 GB peak memory; measured
2026-12-01 with /usr/bin/time -v). Expect a Vm MSE about 3.7x below the naive
baseline (the training-mean Vm trace at every site; measured: 159 vs 584 mV^2
validation, 182 vs 667 mV^2 test), printed at the end and written to
workdir/results.md and workdir/evaluation.json
(`model.mse` vs `naive_baseline.mse`). `:quick` (a few minutes) is the test
suite's learning check; `:smoke` runs in seconds.
"""

from configs import common


def get_config(variant: str = ""):
  _, options = common.parse_variant("configs/seq2seq.py", variant,
                                    ("quick",))
  config = common.base_config()
  config.data = common.intracardiac_data("vm")
  config.task = common.ml_collections.ConfigDict(
      {"name": "dense_regression", "loss_name": "mse", "unit": "mV"})
  config.model = common.ml_collections.ConfigDict({
      "name": "ecg_to_vm", "num_outputs": 75, "output_shape": (500, 75),
      "features": (16, 32, 64, 96, 128, 160), "kernel_size": 7, "hidden": 48,
      "dropout_rate": 0.0})
  config.train.num_steps = 1200
  config.train.eval_every = 200
  config.optimizer.learning_rate = 3e-3
  if "smoke" in options:
    common.shrink_simulated_for_smoke(config)
    config.model.features = (8, 16)
    config.model.hidden = 8
  elif "quick" in options:  # the learning check of the test suite
    config.train.num_steps = 150
    config.train.eval_every = 75
    config.optimizer.warmup_steps = 25
  return config
