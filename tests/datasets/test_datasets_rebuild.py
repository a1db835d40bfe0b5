"""Kachuee-procedure rebuild from the raw records in ../shared/data."""

import importlib.util
import sys

import pytest

from cardiojax.datasets import download
from cardiojax.datasets import kachuee_rebuild as kr
from cardiojax.datasets import mitdb

RECORDS = ("100", "102", "106")


@pytest.fixture(scope="module")
def mitbih(shared_data, tmp_path_factory):
  config = kr.KachueeRebuildConfig(name="shared", records=RECORDS)
  return download.prepare(kr.KachueeRebuild, tmp_path_factory.mktemp("r"),
                          config, manual_dir=shared_data / "mitdb")


def test_rebuilt_mitbih_beats(mitbih):
  assert mitbih.info.features["label"].names == list(mitdb.AAMI_NAMES)
  for split in mitbih.info.splits:
    src = mitbih.as_data_source(split)
    for i in range(0, len(src), 53):
      ex = src[i]
      assert ex["ecg"].shape == (187, 1)
      assert 0.9 <= ex["ecg"][0, 0] <= 1.0
      assert ex["record_id"] == ex["patient_id"]
  meta = mitbih.info.metadata
  assert (meta["sampling_rate_hz"], meta["length_samples"]) == (125, 187)
  assert meta["patient_disjoint"] is True
  assert set(meta["unmatched_peaks"]) == set(RECORDS)


def test_splits_are_patient_disjoint(mitbih):
  owners = {}
  for split in mitbih.info.splits:
    src = mitbih.as_data_source(split)
    for patient in {src[i]["patient_id"].decode() for i in range(len(src))}:
      assert owners.setdefault(patient, split) == split
  assert owners == {"100": "test", "102": "excluded", "106": owners["106"]}
  assert owners["106"] in ("train", "validation")


def test_rebuilt_ptbdb(shared_data, tmp_path):
  config = kr.KachueeRebuildConfig(name="ptb_shared", source="ptbdb",
                                   records=("patient001/s0010_re",))
  builder = download.prepare(kr.KachueeRebuild, tmp_path, config,
                             manual_dir=shared_data / "ptbdb")
  (split,) = builder.info.splits
  src = builder.as_data_source(split)
  assert len(src) > 10
  assert {src[i]["label"] for i in range(len(src))} == {1}  # MI = abnormal.
  assert src[0]["lead_name"] == b"ii"


def test_no_tensorflow(mitbih):
  assert "tensorflow" not in sys.modules
  assert importlib.util.find_spec("tensorflow") is None
