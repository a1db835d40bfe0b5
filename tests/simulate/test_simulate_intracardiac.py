"""The intracardiac simulator: shapes, units, physics identities, determinism."""

import numpy as np
import pytest

from cardiojax.signal import leads
from cardiojax.simulate import intracardiac


@pytest.fixture(scope="module")
def sample():
  return intracardiac.simulate(24, seed=7, config=intracardiac.SimulatorConfig(
      num_hearts=3, noise_std_mv=0.01))


def test_shapes_dtypes_and_units(sample):
  assert sample["ecg"].shape == (24, 500, 12)
  assert sample["electrodes"].shape == (24, 500, 10)
  assert sample["vm"].shape == (24, 500, 75)
  assert sample["activation_times"].shape == (24, 75)
  assert sample["ecg"].dtype == np.float32 and sample["vm"].dtype == np.float32
  np.testing.assert_array_equal(sample["heart"], np.arange(24) % 3)
  vm = sample["vm"]
  # Rest near -85 mV before activation, upstroke above +20 mV.
  assert np.allclose(vm[:, 0], intracardiac.REST_MV, atol=0.5)
  assert 20.0 < vm.max() <= intracardiac.PEAK_MV
  # ECG amplitudes in the clinical mV range.
  peak = np.abs(sample["ecg"]).max(axis=1).mean(axis=0)
  assert np.all(peak > 0.2) and np.all(peak < 6.0), peak


def test_activation_times_agree_with_vm(sample):
  times = sample["activation_times"].astype(int)
  vm = sample["vm"]
  n, s = np.meshgrid(np.arange(24), np.arange(75), indexing="ij")
  assert np.all(vm[n, times, s] > 0.0)
  assert np.all(vm[n, np.maximum(times - 1, 0), s][times > 0] <= 0.0)
  assert sample["activated"].all()
  # Conduction spreads over tens of ms, within the 500 ms window.
  spread = times.max(axis=1) - times.min(axis=1)
  assert np.all(spread > 10) and times.max() < 400


def test_never_activated_sites_are_flagged():
  vm = np.full((500, 3), -85.0, np.float32)
  vm[100:, 1] = 10.0
  times, activated = intracardiac.activation_times_from_vm(vm)
  np.testing.assert_array_equal(times, [0, 100, 0])
  np.testing.assert_array_equal(activated, [False, True, False])


def test_limb_leads_satisfy_einthoven_and_goldberger(sample):
  ecg = sample["ecg"].astype(np.float64)
  lead = {name: ecg[..., i] for i, name in enumerate(leads.STANDARD_12)}
  # Bit for bit, as the derivation writes III through I and II.
  np.testing.assert_array_equal(sample["ecg"][..., 2],
                                sample["ecg"][..., 1] - sample["ecg"][..., 0])
  np.testing.assert_allclose(lead["aVR"] + lead["aVL"] + lead["aVF"], 0.0, atol=1e-6)
  np.testing.assert_allclose(lead["aVR"], -(lead["I"] + lead["II"]) / 2, atol=1e-6)
  np.testing.assert_allclose(lead["aVL"], lead["I"] - lead["II"] / 2, atol=1e-6)
  np.testing.assert_allclose(lead["aVF"], lead["II"] - lead["I"] / 2, atol=1e-6)
  # And the leads equal the electrode definitions.
  e = sample["electrodes"].astype(np.float64)
  wilson = e[..., :3].mean(axis=-1)
  np.testing.assert_allclose(lead["I"], e[..., 1] - e[..., 0], atol=1e-5)
  np.testing.assert_allclose(lead["V3"], e[..., 6] - wilson, atol=1e-5)


def test_uniform_vm_gives_no_signal():
  heart = intracardiac.make_heart(np.random.default_rng(0))
  np.testing.assert_allclose(heart.lead_field.sum(axis=1), 0.0, atol=1e-12)
  uniform = np.full((500, 75), -85.0) @ heart.lead_field.T
  np.testing.assert_allclose(uniform, 0.0, atol=1e-9)


def test_same_seed_same_data_other_seed_other_data():
  first = intracardiac.simulate(6, seed=3)
  second = intracardiac.simulate(6, seed=3)
  third = intracardiac.simulate(6, seed=4)
  for key in first:
    np.testing.assert_array_equal(first[key], second[key])
  assert not np.allclose(first["ecg"], third["ecg"])


def test_writes_llnl_names_and_shapes(tmp_path):
  pairs = intracardiac.write_llnl_files(tmp_path, num_folders=2,
                                        samples_per_folder=3, seed=1)
  assert len(pairs) == 6
  folders = sorted(p.name for p in tmp_path.iterdir())
  assert folders == ["data_hearts_dd_0p2_geo00", "data_hearts_dd_0p2_geo01"]
  ecg_path, vm_path = pairs[4]
  assert ecg_path.name == "pECGData_hearts_dd_0p2_geo01_pattern.1.npy"
  assert vm_path.name == "VmData_hearts_dd_0p2_geo01_pattern.1.npy"
  ecg = np.load(ecg_path, allow_pickle=False)
  vm = np.load(vm_path, allow_pickle=False)
  assert ecg.shape == (500, 10) and ecg.dtype == np.float64
  assert vm.shape == (500, 75) and vm.dtype == np.float64
  # The written electrodes give the simulator's leads.
  simulated = intracardiac.simulate(6, 1, intracardiac.SimulatorConfig(num_hearts=2))
  np.testing.assert_allclose(leads.standard_leads_from_electrodes(ecg),
                             simulated["ecg"][3], atol=1e-5)
