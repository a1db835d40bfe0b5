"""Lead names and the algebra that derives the 12 standard leads.

The 12-lead ECG comes from 9 electrode potentials (RL is the ground):
Einthoven's limb leads I = LA - RA, II = LL - RA, III = LL - LA; Goldberger's
augmented leads aVR = RA - (LA + LL)/2, aVL = LA - (RA + LL)/2,
aVF = LL - (RA + LA)/2; precordial leads Vi = Vi_electrode - WCT with Wilson's
central terminal WCT = (RA + LA + LL)/3.
"""

from collections.abc import Sequence

import numpy as np

from cardiojax.signal import checks

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


def select_leads(x, indices: Sequence[int]) -> np.ndarray:
  """Keeps the leads at `indices`, in that order.

  Args:
    x: (time, leads) signal in mV.
    indices: lead indices (for names use
      `cardiojax.signal.leads.lead_indices(names)` on 12-lead data).

  Returns:
    (time, len(indices)) float32 signal in mV.
  """
  x = checks.as_signal(x)
  indices = np.asarray(indices)
  if (indices.ndim != 1 or indices.size == 0
      or not np.issubdtype(indices.dtype, np.integer)
      or indices.min() < 0 or indices.max() >= x.shape[1]):
    raise ValueError(f"indices: expected a non-empty list of lead indices in "
                     f"[0, {x.shape[1]}), got {indices.tolist()}")
  return x[:, indices]


def find_lead(lead_names: Sequence[str], accepted: Sequence[str]) -> int:
  """Index of the first name of `accepted` among `lead_names`.

  Names match case-insensitively ('AVR', 'avr' and 'aVR' are one lead);
  `accepted` is in order of preference (e.g. ('MLII', 'II')).

  Raises:
    ValueError: none of `accepted` is among `lead_names`.
  """
  names = [str(name).strip().lower() for name in lead_names]
  for wanted in accepted:
    if wanted.lower() in names:
      return names.index(wanted.lower())
  raise ValueError(f"lead_names: expected one of {list(accepted)} among the "
                   f"record's leads, got {list(lead_names)}")


def reorder_leads(signal, lead_names: Sequence[str], order: Sequence[str],
                  required: Sequence[str] | None = None) -> np.ndarray:
  """The leads of a signal with named columns, in the order `order`.

  This is the one lead matcher of cardiojax: names match case-insensitively,
  in any column order.

  Args:
    signal: (time, len(lead_names)) in mV.
    lead_names: the name of each column of `signal`.
    order: the lead names of the output columns (e.g. `STANDARD_12`).
    required: leads of `order` that must be present (default: all of them);
      the others, when absent, are zeros.

  Returns:
    (time, len(order)) float32 in mV.

  Raises:
    ValueError: a shape that does not match `lead_names`, or a required lead
      missing (the message names the missing leads).
  """
  signal = np.asarray(signal, np.float32)
  if signal.ndim != 2 or signal.shape[1] != len(lead_names):
    raise ValueError(f"signal: expected (time, {len(lead_names)}) for leads "
                     f"{list(lead_names)}, got shape {signal.shape}")
  given = {str(name).strip().lower(): i for i, name in enumerate(lead_names)}
  required = order if required is None else required
  absent = [name for name in required if name.lower() not in given]
  if absent:
    raise ValueError(f"lead_names {list(lead_names)}: the model needs leads "
                     f"{list(required)}; missing {absent}")
  out = np.zeros((signal.shape[0], len(order)), np.float32)
  for j, name in enumerate(order):
    if name.lower() in given:
      out[:, j] = signal[:, given[name.lower()]]
  return out
