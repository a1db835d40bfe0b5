"""ECG to transmembrane voltage (LLNL task 4) on the simulated intracardiac data.

    python -m cardiojax.main --config=configs/seq2seq.py

12-lead ECG (500 ms at 1 kHz) -> Vm of 75 sites x 500 ms, a compact 1D U-Net
(`ecg_to_vm`), MSE on standardised Vm. Splits are by simulated heart (8 train,
1 validation, 1 test). About 10 minutes on 2 CPU cores. Expect a validation Vm
MSE many times below the naive baseline (the training-mean Vm trace at every
site): see workdir/evaluation.json (`model.mse` vs `naive_baseline.mse`, mV^2).
`:smoke` is a seconds-long variant for tests.
"""

from configs import common


def get_config(variant: str = ""):
  config = common.base_config()
  config.data = common.simulated_intracardiac_data("vm")
  config.task = common.ml_collections.ConfigDict(
      {"name": "dense_regression", "loss_name": "mse", "unit": "mV"})
  config.model = common.ml_collections.ConfigDict({
      "name": "ecg_to_vm", "num_outputs": 75, "output_shape": (500, 75),
      "features": (32, 64, 128), "kernel_size": 7, "dropout_rate": 0.1})
  config.train.num_steps = 1500
  config.train.eval_every = 250
  config.optimizer.learning_rate = 2e-3
  if variant == "smoke":
    config.data.num_samples = 96
    config.data.num_hearts = 6
    config.model.features = (8, 16)
    config.train.batch_size = 8
    config.train.eval_batch_size = 16
    config.train.num_steps = 6
    config.train.log_every = 2
    config.train.eval_every = 3
    config.optimizer.warmup_steps = 2
  elif variant:
    raise ValueError(f"configs/seq2seq.py: unknown variant {variant!r}; "
                     f"expected '' or 'smoke'")
  return config
