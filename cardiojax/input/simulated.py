"""The simulated intracardiac data set: the default data of cardiojax.

Splits are by heart (one simulated geometry = one "patient"), so no heart
straddles two splits. ECG inputs are standardised per lead with statistics of
the training split only.
"""

import dataclasses

import numpy as np

from cardiojax.input import data as data_lib
from cardiojax.input import sources
from cardiojax.input import transforms
from cardiojax.signal import leads
from cardiojax.simulate import intracardiac

_TARGETS = {"vm": ("vm", "mV"), "activation_times": ("activation_times", "ms")}


def split_hearts(num_hearts: int, validation: int, test: int,
                 seed: int) -> dict[str, np.ndarray]:
  """A seeded partition of heart ids into train, validation and test."""
  if validation + test >= num_hearts:
    raise ValueError(f"config.data: {validation} validation + {test} test "
                     f"hearts leave none of {num_hearts} for training")
  order = np.random.default_rng(seed).permutation(num_hearts)
  return {"validation": np.sort(order[:validation]),
          "test": np.sort(order[validation:validation + test]),
          "train": np.sort(order[validation + test:])}


@dataclasses.dataclass(frozen=True)
class SimulatedRecord:
  """`prepare_record` of the simulated-data models (--mode=predict).

  Resamples a 12-lead record to 1 kHz, orders its leads as `STANDARD_12` (by
  name, case-insensitively), keeps the first 500 ms (zero-padded in mV when
  shorter) and standardises each lead with the training statistics.

  Attributes:
    mean: (12,) training mean of each lead in mV.
    std: (12,) training standard deviation of each lead in mV.
  """
  mean: np.ndarray
  std: np.ndarray

  def __call__(self, signal, sampling_rate_hz: float, lead_names):
    """(T, 12) mV record -> (500, 12) float32 inputs."""
    signal = np.asarray(signal, np.float32)
    names = [str(name).lower() for name in lead_names]
    missing = [lead for lead in leads.STANDARD_12 if lead.lower() not in names]
    if signal.ndim != 2 or signal.shape[1] != len(names) or missing:
      raise ValueError(f"signal: expected (time, 12) with leads "
                       f"{leads.STANDARD_12}, got shape {signal.shape} with "
                       f"leads {list(lead_names)}")
    ecg = signal[:, [names.index(lead.lower()) for lead in leads.STANDARD_12]]
    ecg = transforms.resample(ecg, sampling_rate_hz,
                              intracardiac.SAMPLING_RATE_HZ)
    ecg = transforms.crop_or_pad(ecg, intracardiac.NUM_TIME, align="start")
    return ((ecg - self.mean) / self.std).astype(np.float32)


def load(data_config) -> data_lib.Splits:
  """Simulates the data set described by `config.data` and splits it.

  `data_config` fields: num_samples, seed, num_hearts, validation_hearts,
  test_hearts, split_seed, noise_std_mv, target ('vm' or 'activation_times').
  """
  if data_config.target not in _TARGETS:
    raise ValueError(f"config.data.target: expected one of {sorted(_TARGETS)}, "
                     f"got {data_config.target!r}")
  simulated = intracardiac.simulate(
      data_config.num_samples, data_config.seed,
      intracardiac.SimulatorConfig(num_hearts=data_config.num_hearts,
                                   noise_std_mv=data_config.noise_std_mv))
  hearts = split_hearts(data_config.num_hearts, data_config.validation_hearts,
                        data_config.test_hearts, data_config.split_seed)
  target_key, unit = _TARGETS[data_config.target]
  members = {split: np.flatnonzero(np.isin(simulated["heart"], ids))
             for split, ids in hearts.items()}
  train_ecg = simulated["ecg"][members["train"]]
  mean = train_ecg.mean(axis=(0, 1))
  std = train_ecg.std(axis=(0, 1)) + 1e-6
  split_sources = {
      split: sources.ArraySource({
          "inputs": ((simulated["ecg"][index] - mean) / std).astype(np.float32),
          "targets": simulated[target_key][index],
      })
      for split, index in members.items()
  }
  info = {
      "sampling_rate_hz": intracardiac.SAMPLING_RATE_HZ,
      "input_shape": (intracardiac.NUM_TIME, len(leads.STANDARD_12)),
      "target_shape": simulated[target_key].shape[1:],
      "lead_names": leads.STANDARD_12,
      "units": {"inputs": "standardised mV", "targets": unit},
      "input_normalization": {"mean": mean.tolist(), "std": std.tolist()},
      "groups": {split: ids.tolist() for split, ids in hearts.items()},
  }
  return data_lib.Splits(split_sources, info,
                         prepare_record=SimulatedRecord(mean, std))
