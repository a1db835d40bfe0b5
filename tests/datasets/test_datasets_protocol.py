"""Every corpus module provides the same small protocol (cardiojax.datasets)."""

import inspect

import pytest

from cardiojax import datasets
from cardiojax.datasets import prepared

CORPORA = ("cinc", "cpsc2018", "intracardiac", "kaggle_heartbeat", "mitdb",
           "ptbxl")


@pytest.mark.parametrize("name", CORPORA)
def test_corpus_protocol(name):
  module = datasets.corpus(name)
  assert list(inspect.signature(module.load).parameters) == ["data_config"]
  assert list(inspect.signature(module.prepare_record).parameters) == [
      "contract", "signal", "sampling_rate_hz", "lead_names", "usable",
      "beat_samples"]


def test_unknown_corpus_lists_the_corpora():
  with pytest.raises(ValueError) as error:
    datasets.corpus("wfdb_io")
  message = str(error.value)
  assert message.startswith("config.data.name: unknown corpus 'wfdb_io'")
  for name in CORPORA:
    assert repr(name) in message


@pytest.mark.parametrize("name, builder, corpus_folder", [
    ("ptbxl", "Ptbxl", "ptbxl"), ("mitdb", "Mitdb", "mitdb"),
    ("cpsc2018", "Cpsc2018", "cpsc2018")])
def test_corpus_folder_one_level_off(
    name, builder, corpus_folder, shared_data, tmp_path, capsys):
  """The unzipped PhysioNet folder and its parent both work (the one corpus
  folder inside is used, said on stderr); a folder inside the corpus gives one
  line naming the folder to pass."""
  builder_cls = getattr(datasets.corpus(name), builder)
  folder = shared_data / corpus_folder
  assert prepared.check_manual_dir(builder_cls, str(folder)) == str(folder)
  assert prepared.check_manual_dir(builder_cls, str(shared_data)) == str(folder)
  assert capsys.readouterr().err == (
      f"using {folder}: the {builder_cls.CORPUS_NAME} folder inside "
      f"{shared_data}\n")
  inner = next(p for p in folder.iterdir() if p.is_dir())
  with pytest.raises(ValueError) as error:
    prepared.check_manual_dir(builder_cls, str(inner))
  message = str(error.value)
  assert "\n" not in message
  assert message.endswith(f"but its parent does: pass "
                          f"--config.data.manual_dir={folder}")
  with pytest.raises(ValueError, match=f"does not look like {builder_cls.CORPUS_NAME}"):
    prepared.check_manual_dir(builder_cls, str(tmp_path))
