"""`cardiojax prepare CORPUS`: the corpus folder or its parent, prepared where
the configs read it; every mistake one line naming the flag and the fix."""

import os
import pathlib
import subprocess
import sys

import pytest

from cardiojax.datasets import paths
from cardiojax.datasets import prepared
from cardiojax.datasets import ptbdb
from cardiojax.datasets import ptbxl
from cardiojax.modes import prepare
from configs import ptbxl as ptbxl_config

# The shared subset: PTB-XL rows 1-400, all with 100 Hz records; strat_fold
# 1-8 train, 9 validation, 10 test.
SPLIT_SIZES = {"train": 276, "validation": 70, "test": 54}
TFDS_TERMS = ("DownloadConfig", "tfds", "download_and_prepare")


@pytest.fixture(scope="module")
def prepared_by_the_command(shared_data, tmp_path_factory):
  """`cardiojax prepare ptbxl --manual_dir=<parent of the PhysioNet folder>`
  run as a user would: the installed script, from a folder outside the
  repository, the prepared-data root from $CARDIOJAX_DATA_DIR."""
  tmp = tmp_path_factory.mktemp("prepare")
  parent = tmp / "downloads"
  parent.mkdir()
  (parent / "ptb-xl-1.0.3").symlink_to(shared_data / "ptbxl")
  root = tmp / "root"
  env = {**os.environ, paths.ENV_VAR: str(root), "JAX_PLATFORMS": "cpu"}
  script = pathlib.Path(sys.executable).with_name("cardiojax")
  done = subprocess.run(
      [str(script), "prepare", "ptbxl", f"--manual_dir={parent}"],
      cwd=tmp, env=env, capture_output=True, text=True, timeout=600,
      check=False)
  return parent, root, done


def test_the_command_prepares_from_the_parent_folder(prepared_by_the_command):
  parent, root, done = prepared_by_the_command
  assert done.returncode == 0, done.stderr[-2000:]
  assert (f"using {parent}/ptb-xl-1.0.3: the PTB-XL folder inside {parent}"
          in done.stderr)
  folder = root / "ptbxl" / "100hz" / "1.0.0"
  assert done.stdout.splitlines()[-2:] == [
      f"ready: ptbxl/100hz in {folder} (prepared now)",
      "  --config=ptbxl reads it: cardiojax train --config=ptbxl"]
  assert (folder / "dataset_info.json").is_file()


def test_training_then_reads_it_without_manual_dir(prepared_by_the_command,
                                                   monkeypatch):
  """What `cardiojax train --config=ptbxl` loads: prepared, no manual_dir."""
  _, root, _ = prepared_by_the_command
  monkeypatch.setenv(paths.ENV_VAR, str(root))
  monkeypatch.setattr(ptbxl.Ptbxl, "download_and_prepare",
                      lambda *a, **k: pytest.fail("prepared again"))
  config = ptbxl_config.get_config()
  assert config.data.data_dir == str(root) and config.data.manual_dir is None
  config.data.normalization_records = 16
  with prepared.watch() as seen:
    splits = ptbxl.load(config.data)
  [item] = seen
  assert not item.prepared_now
  assert {s: item.builder.info.splits[s].num_examples
          for s in SPLIT_SIZES} == SPLIT_SIZES
  # One training record has no superdiagnostic label: dropped, as the
  # benchmark does (test_datasets_load_twelve_lead counts the same 275).
  assert len(splits.sources["train"]) == 275


def test_prepare_corpus_finds_it_prepared(prepared_by_the_command,
                                          shared_data):
  """The importable function, with the PhysioNet folder itself."""
  _, root, _ = prepared_by_the_command
  summary = prepare.prepare_corpus("ptbxl",
                                   manual_dir=str(shared_data / "ptbxl"),
                                   data_dir=str(root))
  assert summary["manual_dir"] == str(shared_data / "ptbxl")
  [entry] = summary["configs"]
  assert entry["prepared"] == [{
      "name": "ptbxl/100hz", "dir": str(root / "ptbxl" / "100hz" / "1.0.0"),
      "prepared_now": False}]


def test_a_corpus_without_a_config_prepares_its_builder(shared_data,
                                                        tmp_path, capsys):
  """PTB Diagnostic: no training config; its builder's default config."""
  folder = tmp_path / "physionet" / "ptbdb-1.0.0"
  folder.mkdir(parents=True)
  (folder / "patient001").symlink_to(shared_data / "ptbdb" / "patient001")
  (folder / "RECORDS").write_text("patient001/s0010_re\n")
  assert prepare.main(["cardiojax prepare", "ptbdb",
                       f"--manual_dir={folder.parent}",
                       f"--data_dir={tmp_path / 'tfds'}"]) == 0
  target = tmp_path / "tfds" / "ptbdb" / "mi_vs_control" / "1.0.0"
  assert capsys.readouterr().out == (
      f"ready: ptbdb/mi_vs_control in {target} (prepared now)\n")
  builder = ptbdb.Ptbdb(data_dir=tmp_path / "tfds")
  [split] = builder.info.splits
  assert builder.as_data_source(split)[0]["record_id"] == b"patient001/s0010_re"


def test_every_corpus_with_a_loader_has_configs_that_read_it():
  for corpus, known in prepare.CORPORA.items():
    for spec in known.configs:
      assert prepare.load_config(spec).data.name == corpus


def test_data_root_is_the_configs_data_dir(monkeypatch, tmp_path):
  monkeypatch.setenv(paths.ENV_VAR, str(tmp_path))
  assert paths.data_root() == str(tmp_path)
  assert ptbxl_config.get_config().data.data_dir == str(tmp_path)
  monkeypatch.delenv(paths.ENV_VAR)
  assert paths.data_root() == str(pathlib.Path.home() / "cardiojax_data" /
                                  "tfds")


def _folders(shared_data, tmp_path) -> dict[str, pathlib.Path]:
  """Folders a user might pass by mistake."""
  not_corpus = tmp_path / "not_corpus"
  not_corpus.mkdir()
  (not_corpus / "mitdb").symlink_to(shared_data / "mitdb")
  two = tmp_path / "two"
  two.mkdir()
  for name in ("a", "b"):
    (two / name).symlink_to(shared_data / "ptbxl")
  partial = tmp_path / "partial"
  partial.mkdir()
  (partial / "ptbxl_database.csv").symlink_to(
      shared_data / "ptbxl" / "ptbxl_database.csv")
  return {"mitdb": shared_data / "mitdb", "not_corpus": not_corpus,
          "two": two, "partial": partial, "missing": tmp_path / "missing",
          "ptbxl": shared_data / "ptbxl"}


# (arguments after `cardiojax prepare`, the flag named, the fix's words)
MISTAKES = {
    "another corpus's folder": (
        ["ptbxl", "--manual_dir={mitdb}"], "--manual_dir={mitdb}",
        "this does not look like PTB-XL: no ptbxl_database.csv"),
    "the parent of a folder that is not the corpus": (
        ["ptbxl", "--manual_dir={not_corpus}"], "--manual_dir={not_corpus}",
        "no ptbxl_database.csv (nor in a folder inside it); pass the "
        "unzipped PTB-XL folder from https://physionet.org"),
    "two corpus folders inside": (
        ["ptbxl", "--manual_dir={two}"], "--manual_dir={two}",
        "2 folders inside do: pass one of them, e.g. --manual_dir={two}/a"),
    "a missing folder": (
        ["ptbxl", "--manual_dir={missing}"], "--manual_dir={missing}",
        "no such folder; pass the unzipped PTB-XL folder"),
    "no scp_statements.csv": (
        ["ptbxl", "--manual_dir={partial}"], "--manual_dir={partial}",
        "no scp_statements.csv beside ptbxl_database.csv; pass the complete "
        "folder"),
    "an unknown corpus": (
        ["ptb-xl", "--manual_dir={ptbxl}"], "CORPUS 'ptb-xl'",
        "did you mean ptbxl?"),
    "no corpus": (["--download"], "CORPUS is missing",
                  "cardiojax prepare CORPUS --manual_dir=DIR"),
    "neither folder nor download": (
        ["ptbxl"], "--manual_dir or --download: neither given",
        "pass --manual_dir=DIR"),
    "both folder and download": (
        ["mitdb", "--manual_dir={mitdb}", "--download"],
        "--manual_dir or --download: both given", "or --download"),
    "a corpus PhysioNet does not serve": (
        ["cpsc2018", "--download"], "--download",
        "download it yourself and pass --manual_dir=DIR"),
    "a config of another corpus": (
        ["ptbxl", "--manual_dir={ptbxl}", "--config=beats_mitdb"],
        "--config=beats_mitdb", "it reads mitdb, not ptbxl"),
    "an unknown config": (
        ["ptbxl", "--manual_dir={ptbxl}", "--config=ptbxl_nope"],
        "--config=ptbxl_nope", "no built-in config named ptbxl_nope"),
    "a study config": (
        ["ptbxl", "--manual_dir={ptbxl}", "--config=studies/lead_elimination"],
        "--config=studies/lead_elimination", "not an experiment config"),
    "an unknown data field": (
        ["ptbxl", "--manual_dir={ptbxl}", "--config.data.nope=1"],
        "--config.data.nope", "no data field 'nope'"),
    "an unknown flag": (
        ["ptbxl", "--manual-dir={ptbxl}"], "'--manual-dir=",
        "cardiojax prepare --help"),
    "a plain http URL": (
        ["mitdb", "--download_url=http://example.org/"], "--download_url",
        "expected https://"),
}


@pytest.mark.parametrize("case", MISTAKES)
def test_each_mistake_is_one_line_naming_the_flag(case, shared_data,
                                                  tmp_path, capsys):
  folders = _folders(shared_data, tmp_path)
  args, flag, fix = (
      [a.format(**folders) for a in MISTAKES[case][0]],
      *(text.format(**folders) for text in MISTAKES[case][1:]))
  assert prepare.main(["cardiojax prepare", *args,
                       f"--data_dir={tmp_path / 'tfds'}"]) == 2
  err = capsys.readouterr().err
  assert len(err.splitlines()) == 1, err
  assert err.startswith("error: ")
  assert flag in err and fix in err
  assert not any(term in err for term in TFDS_TERMS)
  assert not (tmp_path / "tfds").exists()


def test_training_without_manual_dir_names_the_flag_and_the_command(tmp_path):
  """`cardiojax train --config=ptbxl` before the corpus is prepared."""
  config = ptbxl_config.get_config()
  config.data.data_dir = str(tmp_path)
  with pytest.raises(ValueError) as error:
    ptbxl.load(config.data)
  message = str(error.value)
  assert "\n" not in message
  assert message.startswith("--config.data.manual_dir: PTB-XL is not "
                            f"prepared in {tmp_path} yet; pass "
                            "--config.data.manual_dir=DIR, or prepare it once"
                            " with `cardiojax prepare ptbxl --config=CONFIG "
                            f"--data_dir={tmp_path} --manual_dir=DIR` (or "
                            "--download instead of --manual_dir); DIR: the "
                            "unzipped PTB-XL folder")
  assert not any(term in message for term in TFDS_TERMS)


def test_training_with_the_parent_folder_uses_the_corpus_inside(
    shared_data, tmp_path, capsys):
  """--config.data.manual_dir may be the parent of the PhysioNet folder."""
  assert prepared.check_manual_dir(ptbxl.Ptbxl, str(shared_data)) == str(
      shared_data / "ptbxl")
  assert capsys.readouterr().err == (
      f"using {shared_data / 'ptbxl'}: the PTB-XL folder inside "
      f"{shared_data}\n")
  with pytest.raises(ValueError, match=(
      r"--config\.data\.manual_dir=.*/records100: this does not look like "
      r"PTB-XL \(no ptbxl_database\.csv\), but its parent does: pass "
      rf"--config\.data\.manual_dir={shared_data / 'ptbxl'}$")):
    prepared.check_manual_dir(ptbxl.Ptbxl,
                              str(shared_data / "ptbxl" / "records100"))
