"""12-lead corpora loaded for training (`cardiojax.datasets.ptbxl.load`,
`cardiojax.datasets.cpsc2018.load`, through `cardiojax.input.records`) on the
real subsets in shared/data."""

import csv

import numpy as np
import pytest

from cardiojax.datasets import cpsc2018
from cardiojax.datasets import ptbxl
from cardiojax.signal import leads
from configs import cpsc2018_resnet34
from configs import lead_reconstruction
from configs import ptbxl as ptbxl_config


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
  return str(tmp_path_factory.mktemp("tfds"))


def _data(module, variant, data_dir, shared_data, corpus):
  config = module.get_config(variant)
  config.data.manual_dir = str(shared_data / corpus)
  config.data.data_dir = data_dir
  return config.data


@pytest.fixture(scope="module")
def superdiagnostic(data_dir, shared_data):
  data = _data(ptbxl_config, "smoke", data_dir, shared_data, "ptbxl")
  return data, ptbxl.load(data)


def test_ptbxl_shapes_folds_and_dropped_records(superdiagnostic, shared_data):
  data, splits = superdiagnostic
  with open(shared_data / "ptbxl" / "ptbxl_database.csv", newline="") as f:
    rows = list(csv.DictReader(f))
  assert splits.info["num_examples"]["train"] + splits.info[
      "records_without_label_dropped"] + 62 + 53 == len(rows)
  assert splits.info["num_examples"] == {"train": 275, "validation": 62,
                                         "test": 53}
  validation = splits.sources["validation"]
  # Records are scored whole: 2.5 s windows every 1.25 s, 7 per 10 s record.
  assert len(validation.targets) == 62 and len(validation) == 62 * 7
  example = validation[0]
  assert example["inputs"].shape == (250, 12) == splits.contract.input_shape
  assert example["inputs"].dtype == np.float32
  assert example["targets"].shape == (5,) and example["targets"].sum() >= 1
  assert splits.info["class_names"] == ptbxl.LABEL_NAMES["superdiagnostic"]
  assert splits.contract.lead_names == leads.STANDARD_12
  assert splits.contract.sampling_rate_hz == 100


def test_ptbxl_patients_disjoint(superdiagnostic):
  groups = superdiagnostic[1].info["groups"]
  for a in groups:
    for b in groups:
      assert a == b or not set(groups[a]) & set(groups[b])


def test_normalisation_from_train_only(superdiagnostic):
  data, splits = superdiagnostic
  train = splits.sources["train"]
  order = np.random.default_rng(0).permutation(len(train))
  sample = [train.ecg(i) for i in sorted(order[:data.normalization_records])]
  stacked = np.concatenate(sample)
  norm = splits.contract.normalizer
  np.testing.assert_allclose(norm["offset"], stacked.mean(0), atol=1e-5)
  np.testing.assert_allclose(norm["scale"], stacked.std(0), rtol=1e-4)
  # Inputs are the record in mV, standardised with those statistics (the
  # first window: the first 2.5 s).
  source = splits.sources["test"]
  np.testing.assert_allclose(
      source[0]["inputs"],
      (source.ecg(0)[:250] - np.float32(norm["offset"]))
      / np.float32(norm["scale"]), rtol=1e-5, atol=1e-5)


def test_prepared_once(superdiagnostic, monkeypatch):
  data, _ = superdiagnostic
  monkeypatch.setattr(ptbxl.Ptbxl, "download_and_prepare",
                      lambda *a, **k: pytest.fail("prepared again"))
  with data.unlocked():
    data.manual_dir = None
  assert len(ptbxl.load(data).sources["train"]) == 275


def test_prepare_record_reorders_leads_by_name(superdiagnostic):
  _, splits = superdiagnostic
  source = splits.sources["test"]
  ecg = source.ecg(0)
  names = [n.upper() for n in leads.STANDARD_12]
  shuffled = np.random.default_rng(1).permutation(12)
  inputs = ptbxl.prepare_record(splits.contract, ecg[:, shuffled], 100,
                                 [names[i] for i in shuffled]).inputs
  assert inputs.shape == (7, 250, 12)  # the windows that score the record
  for window in range(7):
    np.testing.assert_allclose(inputs[window], source[window]["inputs"],
                               atol=1e-6)
  # At 500 Hz the record is resampled to the model's 100 Hz.
  upsampled = np.repeat(ecg, 5, axis=0)
  assert ptbxl.prepare_record(splits.contract, upsampled, 500,
                              names).inputs.shape == (7, 250, 12)
  with pytest.raises(ValueError, match="missing"):
    ptbxl.prepare_record(splits.contract, ecg[:, :6], 100, names[:6])


def test_lead_reconstruction_zeroes_missing_leads(data_dir, shared_data):
  data = _data(lead_reconstruction, "smoke", data_dir, shared_data, "ptbxl")
  splits = ptbxl.load(data)
  example = splits.sources["validation"][0]
  assert example["inputs"].shape == example["targets"].shape == (1000, 12)
  given = leads.lead_indices(("I", "II", "V2"))
  missing = [i for i in range(12) if i not in given]
  assert not example["inputs"][:, missing].any()
  np.testing.assert_array_equal(example["inputs"][:, given],
                                example["targets"][:, given])
  # Training crops cut the same window from inputs and targets.
  crop = splits.train_augment(splits.sources["train"][0],
                              np.random.default_rng(0))
  assert crop["inputs"].shape == crop["targets"].shape == (400, 12)
  np.testing.assert_array_equal(crop["inputs"][:, given],
                                crop["targets"][:, given])


def test_cpsc2018_label_lists_and_variable_length(data_dir, shared_data):
  data = _data(cpsc2018_resnet34, "smoke", data_dir, shared_data, "cpsc2018")
  splits = cpsc2018.load(data)
  assert {k: len(getattr(v, "targets", v)) for k, v in
          splits.sources.items()} == {"train": 8, "validation": 1, "test": 1}
  lists = cpsc2018.read_reference(shared_data / "cpsc2018" / "REFERENCE.csv")
  train = splits.sources["train"]
  lengths = set()
  for i in range(len(train)):
    example = train[i]
    lengths.add(example["inputs"].shape[0])
    record_id = splits.info["groups"]["train"][i]
    assert record_id.startswith("A198")
  assert len(lengths) > 1  # whole records of several lengths
  for split in ("validation", "test"):
    (record_id,) = splits.info["groups"][split]
    example = splits.sources[split][0]
    assert example["inputs"].shape == (2500, 12)
    np.testing.assert_array_equal(example["targets"], lists[record_id])
  crop = splits.train_augment(train[0], np.random.default_rng(0))
  assert crop["inputs"].shape == (1000, 12)
