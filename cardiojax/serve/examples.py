"""Example records made by the simulator, to try the viewer without a file.

`cardiojax.simulate.intracardiac` simulates one 500 ms ventricular beat at
1 kHz (QRS complex and T wave, no P wave: it models the ventricles only). The
examples repeat such beats at 70 beats/min with +/-20 ms RR jitter, smoothed
by a 40 Hz low-pass filter (as an ECG monitor's; the simulated sites switch
on in 1 ms steps), with 0.01 mV noise, resampled to the record's rate and written as WFDB records
(format 16, 1 uV steps), so that they are read like any upload:

- `sim_12lead`: 10 s, the 12 standard leads at 500 Hz, every beat of one
  activation pattern (3 early sites, 70-80 cm/s: a narrow QRS);
- `sim_holter`: 5 min, leads MLII and V5 at 360 Hz, every 20th beat
  premature (60 % of the RR interval, then a compensatory pause) with another
  pattern (1 early site, 40-45 cm/s: a wide, ectopic-looking QRS).

They are deterministic (fixed seeds), and simulated: no diagnosis applies.
"""

import pathlib

import numpy as np
import scipy

from cardiojax.signal import leads
from cardiojax.signal import resample
from cardiojax.simulate import intracardiac

RR_MS = 857.0  # 70 beats/min
# name -> description (English; the page shows messages/<lang>.json's text).
EXAMPLES = {
    "sim_12lead": "Simulated 12-lead ECG, 10 s at 500 Hz (ventricular "
                  "activation only: no P waves)",
    "sim_holter": "Simulated two-lead Holter strip (MLII, V5), 5 min at "
                  "360 Hz, with a premature wide beat every 20 beats",
}
_SINUS = intracardiac.SimulatorConfig(num_hearts=1, early_sites=(3, 3),
                                      velocity_cm_per_ms=(0.07, 0.08))
_ECTOPIC = intracardiac.SimulatorConfig(num_hearts=1, early_sites=(1, 1),
                                        velocity_cm_per_ms=(0.04, 0.045))


def _beat(config: intracardiac.SimulatorConfig, seed: int) -> np.ndarray:
  """(500, 12) one simulated beat at 1 kHz, mV."""
  return intracardiac.simulate(1, seed, config)["ecg"][0]


def _rhythm(duration_s: float, premature_every: int | None,
            rng: np.random.Generator) -> np.ndarray:
  """(duration_s * 1000, 12) beats at RR_MS (+/- 20 ms), 1 kHz, mV; every
  `premature_every`-th beat early and ectopic."""
  sinus, ectopic = _beat(_SINUS, seed=3), _beat(_ECTOPIC, seed=3)
  total = int(duration_s * 1000)
  out = np.zeros((total + len(sinus), 12), np.float32)
  onset, count = 300.0, 0
  while onset < total:
    count += 1
    early = premature_every is not None and count % premature_every == 0
    beat = ectopic if early else sinus
    start = int(onset - (0.4 * RR_MS if early else 0.0))
    out[start:start + len(beat)] += beat
    onset += RR_MS + rng.uniform(-20.0, 20.0)  # a blocked sinus beat: a pause
  smooth = scipy.signal.butter(4, 40.0, fs=1000.0, output="sos")
  out = scipy.signal.sosfiltfilt(smooth, out[:total], axis=0)
  return out + rng.normal(0.0, 0.01, out.shape).astype(np.float32)


def write_examples(folder) -> dict[str, pathlib.Path]:
  """Writes the examples into `folder`; returns name -> header path."""
  import wfdb  # pylint: disable=g-import-not-at-top
  folder = pathlib.Path(folder)
  rng = np.random.default_rng(0)
  twelve = resample.resample(_rhythm(10.0, None, rng), 1000.0, 500.0)
  holter = resample.resample(_rhythm(300.0, 20, rng), 1000.0, 360.0)
  chosen = [leads.STANDARD_12.index("II"), leads.STANDARD_12.index("V5")]
  records = {"sim_12lead": (twelve, 500, list(leads.STANDARD_12)),
             "sim_holter": (holter[:, chosen], 360, ["MLII", "V5"])}
  paths = {}
  for name, (signal, fs, names) in records.items():
    wfdb.wrsamp(name, fs=fs, units=["mV"] * len(names), sig_name=names,
                p_signal=np.asarray(signal, np.float64),
                fmt=["16"] * len(names), adc_gain=[1000.0] * len(names),
                baseline=[0] * len(names), write_dir=str(folder),
                comments=[EXAMPLES[name]])
    paths[name] = folder / f"{name}.hea"
  return paths
