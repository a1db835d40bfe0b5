"""Model inputs back in the units of the record, for drawing.

Models see normalised inputs (the input contract's `normalizer`, fitted on
the training split: x_model = (x - offset) / scale per lead); a clinician
reads millivolts. `to_display` undoes the normaliser of a waveform input and
names the unit that results, read from the contract's `input_units` with the
normalisation removed ('standardised mV', 'mV, standard-normalised' -> 'mV').
Spectral inputs (`features['stft']`) are not waveforms: they are drawn as they
are, in the contract's `input_units`, and never claimed to be mV.
"""

import re

import numpy as np

from cardiojax.input import transforms

MV = "mV"
# How the corpora name a normalisation in `input_units`: 'standardised mV',
# 'mV, standard-normalised', '..., then minmax-normalised'.
_NORMALISED = re.compile(r"^standardised |,( then)? \w+-normalised$")


def unnormalised_units(contract) -> str:
  """The unit of the contract's model input once its normaliser is undone."""
  if contract.normalizer is None:
    return contract.input_units
  return _NORMALISED.sub("", contract.input_units)


def is_waveform(contract) -> bool:
  """Whether the model input is the (normalised) signal, time x leads."""
  return not contract.features.get("stft")


def to_display(inputs: np.ndarray, contract=None) -> tuple[np.ndarray, str]:
  """A model input as it should be drawn, and its unit.

  Args:
    inputs: one model input (T, C) (or (T,)).
    contract: the run's `InputContract`; None means the inputs are already mV.

  Returns:
    `(signal, units)`: the input with the contract's normaliser undone (float64)
    and 'mV' for waveform models of mV records; for other inputs (spectra,
    Kachuee's unitless beats) the input as the model sees it and the
    contract's description of its unit.
  """
  signal = np.asarray(inputs, np.float64)
  if contract is None:
    return signal, MV
  if not is_waveform(contract) or contract.normalizer is None:
    return signal, contract.input_units
  normalizer = transforms.Normalizer.from_dict(contract.normalizer)
  leads = signal.shape[-1] if signal.ndim == 2 else 1
  if normalizer.offset.shape != (leads,):
    raise ValueError(f"inputs of shape {signal.shape}: the contract's normaliser has "
                     f"{normalizer.offset.shape[0]} leads")
  return normalizer.invert(signal), unnormalised_units(contract)
