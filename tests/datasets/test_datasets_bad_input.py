"""Bad input gives errors that name the file and the problem."""

import pathlib

import pytest
import tensorflow_datasets as tfds

from cardiojax.datasets import download
from cardiojax.datasets import kaggle_heartbeat as kh
from cardiojax.datasets import mitdb
from cardiojax.datasets import wfdb_io


def _link_record(shared_data, target: pathlib.Path, record: str,
                 exts=("hea", "dat", "atr")) -> None:
  for ext in exts:
    (target / f"{record}.{ext}").symlink_to(
        shared_data / "mitdb" / f"{record}.{ext}")


def _prepare_mitdb(manual_dir, data_dir, records=("100",)):
  config = mitdb.MitdbConfig(name="bad", records=records, half_window=4)
  return download.prepare(mitdb.Mitdb, data_dir, config,
                          manual_dir=manual_dir)


def test_truncated_dat(shared_data, tmp_path):
  raw = tmp_path / "raw"
  raw.mkdir()
  _link_record(shared_data, raw, "100", ("hea", "atr"))
  data = (shared_data / "mitdb" / "100.dat").read_bytes()
  (raw / "100.dat").write_bytes(data[:len(data) // 2])
  with pytest.raises(ValueError, match=r"100\.dat: truncated: holds 975000 "
                     r"bytes, but .*100\.hea declares sig_len=650000"):
    _prepare_mitdb(raw, tmp_path / "tfds")


def test_header_length_disagrees(shared_data, tmp_path):
  raw = tmp_path / "raw"
  raw.mkdir()
  _link_record(shared_data, raw, "100", ("dat", "atr"))
  header = (shared_data / "mitdb" / "100.hea").read_text()
  (raw / "100.hea").write_text(header.replace("650000", "640000", 1))
  with pytest.raises(ValueError, match=r"100\.dat: longer than the header "
                     r"says.*sig_len=640000"):
    wfdb_io.read_record(raw / "100")


def test_header_checksum_disagrees(shared_data, tmp_path):
  raw = tmp_path / "raw"
  raw.mkdir()
  _link_record(shared_data, raw, "100", ("dat", "atr"))
  header = (shared_data / "mitdb" / "100.hea").read_text()
  (raw / "100.hea").write_text(header.replace("-22131", "-22130"))
  with pytest.raises(ValueError, match=r"100\.dat: signal 0 \(MLII\) "
                     r"checksum .*declares checksum=-22130"):
    _prepare_mitdb(raw, tmp_path / "tfds")


def test_missing_atr(shared_data, tmp_path):
  raw = tmp_path / "raw"
  raw.mkdir()
  _link_record(shared_data, raw, "100", ("hea", "dat"))
  with pytest.raises(FileNotFoundError, match=r"100\.atr: file not found"):
    _prepare_mitdb(raw, tmp_path / "tfds")


def test_csv_row_with_wrong_number_of_columns(shared_data, tmp_path):
  lines = (shared_data / "kaggle_heartbeat" /
           "mitbih_train_sample.csv").read_text().splitlines()
  lines[3] = lines[3].rsplit(",", 1)[0]
  (tmp_path / "train.csv").write_text("\n".join(lines) + "\n")
  with pytest.raises(ValueError, match=r"train\.csv: line 4: expected 188 "
                     r"comma-separated values .* got 187"):
    kh.read_csv(tmp_path / "train.csv", 5)


def test_interrupted_prepare_leaves_no_readable_dataset(shared_data, tmp_path,
                                                        monkeypatch):
  read_record = wfdb_io.read_record
  calls = []

  def failing(path, name=None):
    calls.append(path)
    if len(calls) == 2:
      raise RuntimeError("simulated crash in the middle of prepare")
    return read_record(path, name)

  monkeypatch.setattr(wfdb_io, "read_record", failing)
  with pytest.raises(RuntimeError, match="simulated crash"):
    _prepare_mitdb(shared_data / "mitdb", tmp_path, records=("100", "103"))
  version_dir = tmp_path / "mitdb" / "bad" / "1.0.0"
  assert not version_dir.exists()
  with pytest.raises(Exception):
    tfds.builder_from_directory(str(version_dir))
  with pytest.raises(Exception):
    tfds.data_source("mitdb/bad", data_dir=str(tmp_path), split="test",
                     download=False)
