"""Model inputs drawn in the units of the record: the contract's normaliser undone."""

import dataclasses

import numpy as np
import pytest

from cardiojax.explain import display
from cardiojax.input import contract as contract_lib
from cardiojax.input import transforms


def _contract(input_units, normalizer=None, features=None, leads=1):
  return contract_lib.InputContract(
      corpus="mitdb", preparation="beat_windows", sampling_rate_hz=360.0,
      window_samples=1440, lead_names=("MLII", "V1")[:leads], input_shape=(1440, leads),
      units="mV", input_units=input_units, normalizer=normalizer,
      window_policy={"kind": "beat", "half_window": 720},
      features={"stft": None, **(features or {})})


@pytest.mark.parametrize("units, expected", [
    ("standardised mV", "mV"),  # whole records (input.records)
    ("mV, standard-normalised", "mV"),  # MIT-BIH beat windows
    ("mV, minmax-normalised", "mV"),
    ("unitless, min-max normalised to [0, 1] per 10 s window, then standard-normalised",
     "unitless, min-max normalised to [0, 1] per 10 s window"),  # Kachuee beats
])
def test_unnormalised_units(units, expected):
  normalizer = {"mode": "standard", "offset": [0.0], "scale": [1.0]}
  assert display.unnormalised_units(_contract(units, normalizer)) == expected


def test_a_normalised_waveform_is_drawn_in_mv():
  rng = np.random.default_rng(0)
  mv = rng.normal(0.1, 0.4, (1440, 2))
  normalizer = transforms.Normalizer.fit([mv], "standard")
  contract = _contract("mV, standard-normalised", normalizer.to_dict(), leads=2)
  signal, units = display.to_display(normalizer.apply(mv), contract)
  assert units == "mV"
  np.testing.assert_allclose(signal, mv, atol=1e-6)
  first = dataclasses.replace(contract, normalizer={
      "mode": "standard", "offset": normalizer.offset[:1], "scale": normalizer.scale[:1]})
  single, _ = display.to_display(normalizer.apply(mv)[:, 0], first)  # a (T,) beat
  np.testing.assert_allclose(single, mv[:, 0], atol=1e-6)
  with pytest.raises(ValueError, match="2 leads"):
    display.to_display(np.zeros((1440, 3)), contract)
  same, units = display.to_display(mv, None)  # no contract: the inputs are mV
  assert units == "mV" and np.array_equal(same, mv)


def test_spectral_inputs_are_never_called_mv():
  units = "log STFT magnitude of the window, standard-normalised"
  contract = _contract(units, {"mode": "standard", "offset": [0.0], "scale": [2.0]},
                       features={"stft": [64, 48]})
  spectrum = np.random.default_rng(1).standard_normal((87, 33))
  signal, drawn_units = display.to_display(spectrum, contract)
  assert drawn_units == units and np.array_equal(signal, spectrum)
