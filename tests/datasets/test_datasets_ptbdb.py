"""PTB Diagnostic builder against patient001/s0010_re in ../shared/data."""

import importlib.util
import sys

import numpy as np
import pytest
import wfdb

from cardiojax.datasets import download
from cardiojax.datasets import ptbdb

RECORD = "patient001/s0010_re"


@pytest.fixture(scope="module")
def builder(shared_data, tmp_path_factory):
  config = ptbdb.PtbdbConfig(name="shared", records=(RECORD,))
  return download.prepare(ptbdb.Ptbdb, tmp_path_factory.mktemp("p"), config,
                          manual_dir=shared_data / "ptbdb")


def test_fifteen_signals_at_1khz_in_mv(builder, shared_data):
  (split,) = builder.info.splits
  ex = builder.as_data_source(split)[0]
  rec = wfdb.rdrecord(str(shared_data / "ptbdb" / RECORD))
  assert rec.fs == builder.info.metadata["sampling_rate_hz"] == 1000
  assert ex["ecg"].shape == (38400, 15) and ex["ecg"].dtype == np.float32
  np.testing.assert_allclose(ex["ecg"], rec.p_signal, atol=1e-6)
  assert list(builder.info.metadata["lead_names"])[-3:] == ["vx", "vy", "vz"]
  assert [n.lower() for n in builder.info.metadata["lead_names"]] == (
      rec.sig_name)
  assert builder.info.metadata["units"] == "mV"


def test_header_metadata(builder):
  (split,) = builder.info.splits
  ex = builder.as_data_source(split)[0]
  assert ex["age"] == 81
  assert builder.info.features["sex"].names[ex["sex"]] == "female"
  assert ex["diagnosis"] == b"Myocardial infarction"
  assert builder.info.features["label"].names[ex["label"]] == (
      "myocardial_infarction")
  assert (ex["record_id"], ex["patient_id"]) == (RECORD.encode(),
                                                 b"patient001")
  assert "Bousseljot" in builder.info.citation
  assert "ODC-By" in builder.info.metadata["license"]


def test_patient_splits_are_disjoint(builder):
  patients = [f"patient{i:03d}" for i in range(1, 295)]
  buckets = {p: ptbdb.patient_bucket(p, seed=0) for p in patients}
  counts = {s: list(buckets.values()).count(s)
            for s in ("train", "validation", "test")}
  assert sum(counts.values()) == len(patients)
  assert 0.6 < counts["train"] / len(patients) < 0.8
  # A patient's records all land in its bucket, whichever records are read.
  split_records = builder.info.metadata["split_records"]
  owners = {}
  for split, records in split_records.items():
    for record in records:
      assert owners.setdefault(record.split("/")[0], split) == split
      assert buckets[record.split("/")[0]] == split


def test_no_tensorflow(builder):
  assert "tensorflow" not in sys.modules
  assert importlib.util.find_spec("tensorflow") is None
