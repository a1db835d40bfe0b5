"""Every corpus module provides the same small protocol (cardiojax.datasets)."""

import inspect

import pytest

from cardiojax import datasets

CORPORA = ("cinc", "cpsc2018", "intracardiac", "kaggle_heartbeat", "mitdb",
           "ptbxl")


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_protocol(name):
  module = datasets.corpus(name)
  assert list(inspect.signature(module.load).parameters) == ["data_config"]
  assert list(inspect.signature(module.prepare_record).parameters) == [
      "contract", "signal", "sampling_rate_hz", "lead_names"]


def test_unknown_corpus_lists_the_corpora():
  with pytest.raises(ValueError) as error:
    datasets.corpus("wfdb_io")
  message = str(error.value)
  assert message.startswith("config.data.name: unknown corpus 'wfdb_io'")
  for name in CORPORA:
    assert repr(name) in message
