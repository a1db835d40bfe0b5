"""Lead names and the algebra that derives the 12 standard leads.

The 12-lead ECG comes from 9 electrode potentials (RL is the ground):
Einthoven's limb leads I = LA - RA, II = LL - RA, III = LL - LA; Goldberger's
augmented leads aVR = RA - (LA + LL)/2, aVL = LA - (RA + LL)/2,
aVF = LL - (RA + LA)/2; precordial leads Vi = Vi_electrode - WCT with Wilson's
central terminal WCT = (RA + LA + LL)/3.
"""

import numpy as np

STANDARD_12 = ("I", "II", "III", "aVR", "aVL", "aVF",
               "V1", "V2", "V3", "V4", "V5", "V6")
# Order of the electrode columns in the LLNL pECGData files.
ELECTRODES_10 = ("RA", "LA", "LL", "RL", "V1", "V2", "V3", "V4", "V5", "V6")


def standard_leads_from_electrodes(electrodes: np.ndarray) -> np.ndarray:
  """Derives the 12 standard leads from electrode potentials.

  Args:
    electrodes: (..., time, 10) potentials in `ELECTRODES_10` order (any unit).

  Returns:
    (..., time, 12) leads in `STANDARD_12` order, in the same unit.
  """
  electrodes = np.asarray(electrodes)
  if electrodes.shape[-1] != len(ELECTRODES_10):
    raise ValueError(f"electrodes: expected last axis of size 10 "
                     f"{ELECTRODES_10}, got shape {electrodes.shape}")
  ra, la, ll = electrodes[..., 0], electrodes[..., 1], electrodes[..., 2]
  lead_i, lead_ii = la - ra, ll - ra
  # III, aVR, aVL and aVF written through I and II, so that Einthoven's law
  # III = II - I holds bit for bit and Goldberger's to rounding.
  lead_iii = lead_ii - lead_i
  limb = [lead_i, lead_ii, lead_iii,
          -(lead_i + lead_ii) / 2.0, (lead_i - lead_iii) / 2.0,
          (lead_ii + lead_iii) / 2.0]
  wilson = (ra + la + ll) / 3.0
  precordial = [electrodes[..., i] - wilson for i in range(4, 10)]
  return np.stack(limb + precordial, axis=-1)


def lead_indices(names) -> tuple[int, ...]:
  """Indices of lead `names` in `STANDARD_12`; raises naming the unknown lead."""
  indices = []
  for name in names:
    if name not in STANDARD_12:
      raise ValueError(f"unknown lead {name!r}; expected one of {STANDARD_12}")
    indices.append(STANDARD_12.index(name))
  return tuple(indices)
