"""From `config.data` to the sources of each split.

`DATASETS` maps `config.data.name` to the function that loads it; functions
are imported on use, so loading one corpus never imports another's code.
"""

import dataclasses
import importlib
from typing import Any, Callable

# name -> "module:function"; each function takes config.data, returns Splits.
DATASETS = {
    "simulated_intracardiac": "cardiojax.input.simulated:load",
    "kaggle_mitbih": "cardiojax.input.beats:load_kaggle_mitbih",
    "kaggle_ptbdb": "cardiojax.input.beats:load_kaggle_ptbdb",
    "mitdb_beats": "cardiojax.input.beats:load_mitdb",
    "ptbxl": "cardiojax.input.twelve_lead:load_ptbxl",
    "ptbxl_age": "cardiojax.input.twelve_lead:load_ptbxl_age",
    "ptbxl_lead_reconstruction":
        "cardiojax.input.twelve_lead:load_ptbxl_lead_reconstruction",
    "cpsc2018": "cardiojax.input.twelve_lead:load_cpsc2018",
}


@dataclasses.dataclass
class Splits:
  """The sources of a data set and what a model needs to know about them.

  Attributes:
    sources: split name ('train', 'validation', 'test') -> random-access source
      of dicts with 'inputs' (T, C) float32 and 'targets'.
    info: the input contract and provenance: 'sampling_rate_hz', 'input_shape',
      'target_shape', 'lead_names', 'units', 'input_normalization', 'groups'
      (split -> patient/record/simulation ids), ...
    train_augment: optional `(example, np.random.Generator) -> example` applied
      to training examples only (e.g. `cardiojax.input.transforms.Augment`).
    prepare_record: `(signal (T, C) float mV, sampling_rate_hz, lead_names) ->
      inputs` with the model's input contract: (T', C') for one example or
      (n, T', C') for windows of a long record (used by --mode=predict); one
      with a `prepare_beats((n, T', C') beats)` method also takes records that
      are already segmented beats (Kaggle CSV rows).
  """
  sources: dict[str, Any]
  info: dict[str, Any]
  train_augment: Callable | None = None
  prepare_record: Callable | None = None


def load_splits(data_config) -> Splits:
  """Loads the data set named by `data_config.name`."""
  if data_config.name not in DATASETS:
    raise ValueError(f"config.data.name: unknown data set {data_config.name!r}; "
                     f"expected one of {sorted(DATASETS)}")
  module_name, function_name = DATASETS[data_config.name].split(":")
  return getattr(importlib.import_module(module_name), function_name)(data_config)
