"""A physically motivated simulator of the LLNL intracardiac data set.

Each sample pairs a 12-lead ECG (500 ms at 1 kHz, mV) with the transmembrane
voltage Vm of 75 myocardial sites (500 x 75, mV) and their activation times
(75, ms), like the data of Landajuela et al. (CinC 2022). The physics, and
where it is simplified:

- Geometry: 75 sites on a procedurally generated biventricular heart: a left
  ventricle (truncated prolate ellipsoid, 5 levels x 3 angles x 3 transmural
  depths = 45 sites) and a right-ventricular free wall (5 x 3 x 2 = 30 sites),
  in cm, rotated so that the apex points left, anterior and inferior. Each
  simulated "heart" varies the size (+/-10 %) and orientation (+/-10 degrees).
- Activation: spreads from 1-3 random early sites (each with its own onset
  delay) at one random conduction velocity (30-80 cm/s), so the activation
  time of a site is onset + (straight-line distance / velocity). Simplified:
  straight lines instead of paths through tissue, isotropic conduction.
- Action potential: a parametric shape with rest at -85 mV, a 1 ms upstroke to
  +40 mV, a spike decaying to a plateau near +15 mV and a sigmoid
  repolarisation at a site-dependent duration (longer in the endocardium and
  at early-activated sites, 200-290 ms), so T waves are upright as in vivo.
- Electrode potentials: a linear lead field phi_e(t) = sum_k W[e, k] Vm_k(t)
  whose weights are the inverse electrode-site distances minus their mean
  over sites (a pseudo-ECG), so a uniform Vm gives no signal. Simplified: an
  infinite homogeneous torso, no volume-conductor boundary.
- The 12 leads follow from the 10 electrodes (RA, LA, LL, RL, V1-V6) through
  Wilson's central terminal (`cardiojax.signal.leads`). Optional Gaussian
  noise is added to the electrodes.

Activation times follow the LLNL code's definition: the first sample where
Vm > 0 mV (`activation_times_from_vm`).
"""

import dataclasses
import pathlib

import numpy as np

from cardiojax.signal import leads as leads_lib

NUM_SITES = 75
NUM_TIME = 500  # samples at 1 kHz = ms
SAMPLING_RATE_HZ = 1000
REST_MV = -85.0
PEAK_MV = 40.0

# Electrode positions (cm) in body coordinates: x to the patient's left,
# y anterior, z superior, with the heart's centre at the origin.
_ELECTRODE_POSITIONS_CM = np.array([
    [-18.0, 0.0, 22.0],   # RA
    [18.0, 0.0, 22.0],    # LA
    [12.0, 0.0, -35.0],   # LL
    [-12.0, 0.0, -35.0],  # RL
    [-3.0, 16.0, 4.0],    # V1
    [3.0, 16.0, 4.0],     # V2
    [7.0, 15.0, 0.0],     # V3
    [11.0, 13.0, -3.0],   # V4
    [16.0, 9.0, -3.0],    # V5
    [19.0, 2.0, -3.0],    # V6
])
# Scales the lead field so that QRS amplitudes are about 0.5-3 mV.
_LEAD_FIELD_GAIN = 0.25
_CHUNK = 128  # samples computed at once


@dataclasses.dataclass(frozen=True)
class SimulatorConfig:
  """Parameters of the simulator; the defaults give the default data set."""
  num_hearts: int = 8
  early_sites: tuple[int, int] = (1, 3)
  velocity_cm_per_ms: tuple[float, float] = (0.03, 0.08)
  onset_ms: tuple[float, float] = (10.0, 30.0)
  early_site_delay_ms: tuple[float, float] = (0.0, 15.0)
  noise_std_mv: float = 0.0


@dataclasses.dataclass(frozen=True)
class Heart:
  """One heart geometry and its lead field.

  Attributes:
    sites_cm: (75, 3) site positions.
    site_names: 75 names such as 'LV_L0_A1_endo'.
    transmural_depth: (75,) 0 at the endocardium, 1 at the epicardium.
    lead_field: (10, 75) electrode weights; each row sums to 0.
  """
  sites_cm: np.ndarray
  site_names: tuple[str, ...]
  transmural_depth: np.ndarray
  lead_field: np.ndarray


def _canonical_sites():
  """Sites (75, 3) in heart coordinates (long axis = -z), names and depths."""
  points, names, depths = [], [], []
  levels = np.linspace(0.1, 0.9, 5)  # 0 = base, 1 = apex
  lv_depths = {"endo": 0.0, "mid": 0.5, "epi": 1.0}
  for level_index, level in enumerate(levels):
    for angle_index, angle in enumerate(np.deg2rad([-30.0, 90.0, 210.0])):
      for depth_name, depth in lv_depths.items():
        radius = (1.6 + 0.9 * depth) * np.sqrt(1.0 - level**2)
        points.append([radius * np.cos(angle), radius * np.sin(angle),
                       -5.0 * level])
        names.append(f"LV_L{level_index}_A{angle_index}_{depth_name}")
        depths.append(depth)
  rv_depths = {"endo": 0.0, "epi": 1.0}
  for level_index, level in enumerate(levels * 0.85):
    for angle_index, angle in enumerate(np.deg2rad([130.0, 180.0, 230.0])):
      for depth_name, depth in rv_depths.items():
        radius = (3.4 + 0.4 * depth) * np.sqrt(1.0 - level**2)
        points.append([radius * np.cos(angle) - 0.6, radius * np.sin(angle),
                       -4.2 * level])
        names.append(f"RV_L{level_index}_A{angle_index}_{depth_name}")
        depths.append(depth)
  return np.array(points), tuple(names), np.array(depths)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
  """Rotation matrix (3, 3) from Euler angles in radians (z, y, x order)."""
  cz, sz = np.cos(yaw), np.sin(yaw)
  cy, sy = np.cos(pitch), np.sin(pitch)
  cx, sx = np.cos(roll), np.sin(roll)
  rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
  ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
  rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
  return rz @ ry @ rx


def make_heart(rng: np.random.Generator) -> Heart:
  """Draws one heart: the canonical geometry scaled, rotated, lead field."""
  points, names, depths = _canonical_sites()
  jitter = np.deg2rad(rng.uniform(-10.0, 10.0, size=3))
  # Tilt the long axis (-z) towards left (+x), anterior (+y) and inferior.
  rotation = _rotation(np.deg2rad(40.0) + jitter[0],
                       np.deg2rad(-45.0) + jitter[1], jitter[2])
  sites = rng.uniform(0.9, 1.1) * points @ rotation.T
  distances = np.linalg.norm(
      _ELECTRODE_POSITIONS_CM[:, None, :] - sites[None, :, :], axis=-1)
  weights = 1.0 / distances
  lead_field = _LEAD_FIELD_GAIN * (weights - weights.mean(axis=1, keepdims=True))
  return Heart(sites, names, depths, lead_field)


def activation_times_from_vm(vm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """Activation times as in the LLNL code: the first sample where Vm > 0.

  Args:
    vm: (..., time, sites) transmembrane voltage in mV at 1 kHz.

  Returns:
    (times, activated): (..., sites) times in ms (samples) and a boolean that
    is False for sites that never cross 0 mV (their time is set to 0, as
    `argmax` gives, but must not be scored).
  """
  above = np.asarray(vm) > 0.0
  return np.argmax(above, axis=-2).astype(np.float32), above.any(axis=-2)


def _planned_activation_ms(heart, config, rng, num_samples):
  """Activation times (N, 75) from random early sites and velocities."""
  num_early = rng.integers(config.early_sites[0], config.early_sites[1] + 1,
                           size=num_samples)
  velocity = rng.uniform(*config.velocity_cm_per_ms, size=(num_samples, 1))
  onset = rng.uniform(*config.onset_ms, size=(num_samples, 1))
  site_distances = np.linalg.norm(
      heart.sites_cm[:, None] - heart.sites_cm[None], axis=-1)
  max_early = config.early_sites[1]
  early = np.argsort(rng.random((num_samples, NUM_SITES)), axis=1)[:, :max_early]
  delay = rng.uniform(*config.early_site_delay_ms, size=(num_samples, max_early))
  # Unused early-site slots get an infinite delay.
  delay = np.where(np.arange(max_early)[None] < num_early[:, None], delay, np.inf)
  arrival = (site_distances[early] / velocity[:, :, None]) + delay[:, :, None]
  return onset + arrival.min(axis=1)


def _action_potentials(activation_ms, duration_ms):
  """Vm (N, 500, 75) in mV for activation times and durations (N, 75) in ms."""
  t = np.arange(NUM_TIME, dtype=np.float32)[None, :, None]
  tau = t - activation_ms[:, None, :].astype(np.float32)
  upstroke = np.clip(tau + 0.5, 0.0, 1.0)  # 1 ms linear rise
  spike = 0.8 + 0.2 * np.exp(-np.maximum(tau, 0.0) / 8.0)
  repolarised = 0.5 * (1.0 + np.tanh(
      (tau - duration_ms[:, None, :].astype(np.float32)) / 12.0))
  return REST_MV + (PEAK_MV - REST_MV) * upstroke * spike * (1.0 - repolarised)


def simulate(num_samples: int, seed: int,
             config: SimulatorConfig = SimulatorConfig()) -> dict[str, np.ndarray]:
  """Simulates `num_samples` paired ECG and Vm samples, deterministic by seed.

  Sample i belongs to heart i % config.num_hearts.

  Returns:
    A dict of arrays:
      'ecg': (N, 500, 12) float32, mV, leads in `STANDARD_12` order;
      'electrodes': (N, 500, 10) float32, mV, `ELECTRODES_10` order;
      'vm': (N, 500, 75) float32, mV;
      'activation_times': (N, 75) float32, ms (first sample with Vm > 0);
      'activated': (N, 75) bool, False where a site never crosses 0 mV;
      'heart': (N,) int32, the heart (geometry) of each sample.
  """
  rng = np.random.default_rng(seed)
  hearts = [make_heart(rng) for _ in range(config.num_hearts)]
  heart_of_sample = np.arange(num_samples, dtype=np.int32) % config.num_hearts
  vm = np.empty((num_samples, NUM_TIME, NUM_SITES), np.float32)
  electrodes = np.empty((num_samples, NUM_TIME, 10), np.float32)
  for heart_index, heart in enumerate(hearts):
    members = np.flatnonzero(heart_of_sample == heart_index)
    if members.size == 0:
      continue
    activation = _planned_activation_ms(heart, config, rng, members.size)
    # Shorter action potentials in the epicardium and at late sites.
    relative_lateness = activation - activation.min(axis=1, keepdims=True)
    duration = (270.0 - 40.0 * heart.transmural_depth[None]
                - 0.3 * relative_lateness
                + rng.uniform(-20.0, 20.0, size=(members.size, 1)))
    lead_field = heart.lead_field.T.astype(np.float32)
    for start in range(0, members.size, _CHUNK):  # chunks stay in cache
      chunk = members[start:start + _CHUNK]
      vm[chunk] = _action_potentials(activation[start:start + _CHUNK],
                                     duration[start:start + _CHUNK])
      electrodes[chunk] = vm[chunk] @ lead_field
  if config.noise_std_mv > 0:
    electrodes += rng.normal(0.0, config.noise_std_mv,
                             electrodes.shape).astype(np.float32)
  times, activated = activation_times_from_vm(vm)
  return {
      "ecg": leads_lib.standard_leads_from_electrodes(electrodes).astype(np.float32),
      "electrodes": electrodes,
      "vm": vm,
      "activation_times": times,
      "activated": activated,
      "heart": heart_of_sample,
  }


def write_llnl_files(root, num_folders: int, samples_per_folder: int,
                     seed: int = 0) -> list[tuple[pathlib.Path, pathlib.Path]]:
  """Writes simulated samples with the LLNL data set's names and shapes.

  Folder k (one heart) is `root/data_hearts_dd_0p2_geoKK/`, holding pairs
  `pECGData_hearts_dd_0p2_geoKK_pattern.I.npy` (500, 10) float64 electrode
  potentials and `VmData_hearts_dd_0p2_geoKK_pattern.I.npy` (500, 75) float64.

  Returns:
    The (ecg_path, vm_path) pairs in writing order.
  """
  root = pathlib.Path(root)
  data = simulate(num_folders * samples_per_folder, seed,
                  SimulatorConfig(num_hearts=num_folders))
  pairs = []
  for folder in range(num_folders):
    name = f"hearts_dd_0p2_geo{folder:02d}"
    directory = root / f"data_{name}"
    directory.mkdir(parents=True, exist_ok=True)
    members = np.flatnonzero(data["heart"] == folder)
    for pattern, index in enumerate(members):
      ecg_path = directory / f"pECGData_{name}_pattern.{pattern}.npy"
      vm_path = directory / f"VmData_{name}_pattern.{pattern}.npy"
      np.save(ecg_path, data["electrodes"][index].astype(np.float64))
      np.save(vm_path, data["vm"][index].astype(np.float64))
      pairs.append((ecg_path, vm_path))
  return pairs
