"""LLNL intracardiac builder on files written by the simulator in the real
names and shapes (no LLNL signal files are available here)."""

import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

from cardiojax.datasets import intracardiac
from cardiojax.input import splits
from cardiojax.signal import leads
from cardiojax.simulate import intracardiac as simulator

SPLITS = ("train", "validation", "test")


def _prepare(manual_dir, data_dir):
  builder = intracardiac.Intracardiac(data_dir=data_dir,
                                      file_format="array_record")
  builder.download_and_prepare(
      download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
  return builder


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
  root = tmp_path_factory.mktemp("llnl")
  pairs = simulator.write_llnl_files(root, num_folders=5,
                                     samples_per_folder=4, seed=0)
  builder = _prepare(root, tmp_path_factory.mktemp("data"))
  examples = {}
  for split in SPLITS:
    source = builder.as_data_source(split=split)
    for i in range(len(source)):
      example = source[i]
      key = (example["folder"].decode(), example["sample_id"].decode())
      examples[key] = dict(example, split=split)
  return root, pairs, builder, examples


def test_every_pair_read_with_leads_and_activation(simulated):
  _, pairs, builder, examples = simulated
  assert len(examples) == len(pairs) == 20
  for ecg_path, vm_path in pairs:
    folder = ecg_path.parent.name
    suffix = ecg_path.name[len("pECGData_"):-len(".npy")]
    example = examples[(folder, suffix)]
    electrodes, vm = np.load(ecg_path), np.load(vm_path)
    np.testing.assert_allclose(
        example["ecg"], leads.standard_leads_from_electrodes(electrodes),
        rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(example["vm"], vm.astype(np.float32))
    times, activated = simulator.activation_times_from_vm(vm)
    np.testing.assert_array_equal(example["activation_time"], times)
    np.testing.assert_array_equal(example["activated"], activated)
    assert example["ecg"].shape == (500, 12)
    assert example["activation_time"].dtype == np.float32
    assert example["activated"].dtype == np.bool_
  metadata = builder.info.metadata
  assert (metadata["sampling_rate_hz"], metadata["length"]) == (1000, 500)
  assert metadata["lead_names"] == list(leads.STANDARD_12)
  assert "tensorflow" not in sys.modules


def test_folders_never_straddle_splits(simulated):
  _, _, builder, examples = simulated
  folders = {s: {k[0] for k, e in examples.items() if e["split"] == s}
             for s in SPLITS}
  splits.assert_disjoint(folders)
  assert all(folders.values())  # 5 folders: each split gets at least one.
  assert {s: sorted(f) for s, f in folders.items()} == (
      builder.info.metadata["folders_by_split"])


def test_site_that_never_crosses_is_flagged(tmp_path):
  folder = tmp_path / "data_hearts_dd_0p2_geo00"
  folder.mkdir()
  vm = np.full((500, 75), -85.0)
  vm[30:, 1] = 20.0
  vm[30:, 3:] = 20.0
  vm[100:, 2] = 20.0
  np.save(folder / "pECGData_hearts_dd_0p2_geo00_pattern.0.npy",
          np.zeros((500, 10)))
  np.save(folder / "VmData_hearts_dd_0p2_geo00_pattern.0.npy", vm)
  builder = _prepare(tmp_path, tmp_path / "data")
  example = builder.as_data_source(split="train")[0]
  assert not example["activated"][0] and example["activated"][1:].all()
  assert example["activation_time"][:3].tolist() == [0.0, 30.0, 100.0]
  assert list(builder.info.splits) == ["train"]


def _write_pair(folder, suffix, ecg, vm):
  folder.mkdir(parents=True, exist_ok=True)
  np.save(folder / f"pECGData_{suffix}.npy", ecg)
  np.save(folder / f"VmData_{suffix}.npy", vm)


def test_wrong_shape_dtype_and_unpaired_files(tmp_path):
  folder = tmp_path / "manual" / "data_hearts_dd_0p2_geo01"
  _write_pair(folder, "a", np.zeros((500, 10)), np.zeros((500, 75)))
  _write_pair(folder, "b", np.zeros((500, 9)), np.zeros((500, 75)))
  with pytest.raises(ValueError, match=r"pECGData_b.npy: array of shape "
                     r"\(500, 9\).*expected shape \(500, 10\)"):
    _prepare(tmp_path / "manual", tmp_path / "data")
  assert not list(tmp_path.glob("data/intracardiac/*/dataset_info.json"))
  with pytest.raises(ValueError, match="VmData_c.npy: array of shape "
                     r"\(500, 75\) and dtype int64"):
    _write_pair(folder, "c", np.zeros((500, 10)), np.zeros((500, 75), int))
    intracardiac.read_llnl_vm(folder / "VmData_c.npy")
  (folder / "VmData_a.npy").unlink()
  with pytest.raises(ValueError, match="pECGData_a.npy: unpaired; expected "
                     ".*VmData_a.npy"):
    intracardiac.find_pairs(tmp_path / "manual")


def test_pickled_npy_is_refused(tmp_path):
  path = tmp_path / "VmData_x.npy"
  np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
  with pytest.raises(ValueError, match="VmData_x.npy: unreadable .npy"):
    intracardiac.read_llnl_vm(path)
