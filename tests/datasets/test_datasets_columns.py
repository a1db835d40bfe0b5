"""Decoded columns kept beside a prepared split (`cardiojax.datasets.columns`):
decoded once, loaded after, decoded again when the prepared files change."""

import os
import pathlib

import numpy as np
import pytest

from cardiojax.datasets import columns
from cardiojax.datasets import download
from cardiojax.datasets import mitdb
from cardiojax.datasets import prepared


class Decoder:
  """A `decode` that counts its calls."""

  def __init__(self, values):
    self.values = values
    self.calls = 0

  def __call__(self):
    self.calls += 1
    return {key: value.copy() for key, value in self.values.items()}


def _prepared_folder(tmp_path):
  folder = tmp_path / "1.0.0"
  folder.mkdir()
  (folder / "corpus-train.array_record-00000-of-00001").write_bytes(b"records")
  return folder


def test_decoded_once_then_loaded(tmp_path):
  folder = _prepared_folder(tmp_path)
  names = np.empty((3, 2), object)
  names[:] = [[b"MLII", b"V1"], [b"MLII", b"V5"], [b"V5", b"MLII"]]
  decode = Decoder({"ecg": np.arange(12, dtype=np.float32).reshape(3, 4),
                    "lead_names": names, "record_id": np.asarray([b"100", b"101", b"103"])})
  first = columns.cached_columns(folder, "train", ("ecg", "lead_names", "record_id"), decode)
  again = columns.cached_columns(folder, "train", ("ecg", "lead_names", "record_id"), decode)
  assert decode.calls == 1
  for loaded in (first, again):
    np.testing.assert_array_equal(loaded["ecg"], decode.values["ecg"])
    assert loaded["ecg"].dtype == np.float32
    assert loaded["lead_names"].dtype.kind == "S"  # bytes, without pickle
    assert loaded["lead_names"].tolist() == names.tolist()
    assert [r.decode() for r in loaded["record_id"]] == ["100", "101", "103"]
  assert (folder / columns.FOLDER / "train" / "ecg.npy").is_file()
  # A subset is loaded; a key never decoded is decoded (and kept with the rest).
  columns.cached_columns(folder, "train", ("ecg",), decode)
  assert decode.calls == 1
  decode.values["label"] = np.asarray([0, 1, 0])
  columns.cached_columns(folder, "train", ("ecg", "label"), decode)
  columns.cached_columns(folder, "train", ("lead_names", "label"), decode)
  assert decode.calls == 2


def test_a_changed_prepared_folder_is_decoded_again(tmp_path):
  folder = _prepared_folder(tmp_path)
  decode = Decoder({"label": np.asarray([1, 2, 3])})
  columns.cached_columns(folder, "train", ("label",), decode)
  decode.values["label"] = np.asarray([3, 2, 1])
  record_file = folder / "corpus-train.array_record-00000-of-00001"
  record_file.write_bytes(b"records, prepared again")
  again = columns.cached_columns(folder, "train", ("label",), decode)
  assert decode.calls == 2 and again["label"].tolist() == [3, 2, 1]
  stat = record_file.stat()
  os.utime(record_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
  columns.cached_columns(folder, "train", ("label",), decode)
  assert decode.calls == 3


def test_unwritable_folders_and_other_objects_are_decoded_every_time(tmp_path):
  folder = _prepared_folder(tmp_path)
  (folder / columns.FOLDER).write_text("a file where the folder would go")
  decode = Decoder({"label": np.asarray([1, 2])})
  for _ in range(2):
    assert columns.cached_columns(folder, "train", ("label",), decode)["label"].tolist() == [1, 2]
  assert decode.calls == 2
  (tmp_path / "other").mkdir()
  other = _prepared_folder(tmp_path / "other")
  ragged = np.empty(2, object)
  ragged[:] = [np.zeros(2), np.zeros(3)]
  decode = Decoder({"ragged": ragged})
  for _ in range(2):
    assert columns.cached_columns(other, "train", ("ragged",), decode)["ragged"].dtype == object
  assert decode.calls == 2
  assert not list((other / columns.FOLDER / "train").glob("*.tmp"))


@pytest.fixture(scope="module")
def beats(shared_data, tmp_path_factory):
  config = mitdb.MitdbConfig(name="beats_columns", records=("100", "106", "108"),
                             half_window=90)
  return download.prepare(mitdb.Mitdb, tmp_path_factory.mktemp("tfds"), config,
                          manual_dir=shared_data / "mitdb")


def test_real_mitdb_columns_equal_tfds_decoding(beats):
  keys = ("aami", "lead_names", "record_id", "sample")
  for split in beats.info.splits:
    source = beats.as_data_source(split)
    expected = [source[i] for i in range(len(source))]
    for _ in range(2):  # decoded and kept, then loaded
      read = prepared.read_all(beats, split, keys)
      for key in keys:
        assert len(read[key]) == len(expected)
        assert read[key].tolist() == [np.asarray(example[key]).tolist()
                                      for example in expected], (split, key)
  kept = sorted(p.name for p in
                (pathlib.Path(beats.data_dir) / columns.FOLDER / "train").iterdir())
  assert kept == sorted([f"{key}.npy" for key in keys] + ["index.json"])
