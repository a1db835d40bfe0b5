"""Pan-Tompkins QRS detection against the MIT-BIH reference beats (EC57 style).

Reference: the beat annotations of records 100, 103 and 106 (non-beat
annotations such as rhythm changes and noise marks excluded), lead MLII,
matched within 150 ms (ANSI/AAMI EC57 section 4.2). wfdb's XQRS runs on the
same records for comparison; the table is printed (pytest -s).
"""

import numpy as np
import pytest
import wfdb
from wfdb import processing

from cardiojax.datasets import mitdb
from cardiojax.evaluate import beat_matching
from cardiojax.signal import pan_tompkins as pt
from cardiojax.signal import resample

RECORDS = ("100", "103", "106")


def _detection(reference, detected, fs):
  table = beat_matching.beat_table(
      reference, np.zeros(len(reference)), detected, np.zeros(len(detected)),
      sampling_rate_hz=fs, class_names=("beat",))
  return table["detection"]


@pytest.fixture(scope="module")
def mitbih(shared_data):
  """record -> (MLII in mV, fs, reference beat samples)."""
  records = {}
  for name in RECORDS:
    path = str(shared_data / "mitdb" / name)
    record = wfdb.rdrecord(path)
    annotation = wfdb.rdann(path, "atr")
    beats = mitdb.is_beat(np.asarray(annotation.symbol))
    records[name] = (record.p_signal[:, record.sig_name.index("MLII")],
                     float(record.fs), annotation.sample[beats])
  return records


@pytest.fixture(scope="module")
def scores(mitbih):
  """record -> {'pan_tompkins': detection, 'xqrs': detection}."""
  table = {}
  for name, (x, fs, reference) in mitbih.items():
    xqrs = processing.xqrs_detect(x, fs, verbose=False)
    table[name] = {"pan_tompkins": _detection(reference, pt.pan_tompkins(x, fs),
                                              fs),
                   "xqrs": _detection(reference, xqrs, fs)}
  print("\nrecord  beats  Pan-Tompkins Se / +P   XQRS Se / +P")
  for name, row in table.items():
    p, q = row["pan_tompkins"], row["xqrs"]
    print(f"{name:6}  {p['reference']:5}  {p['sensitivity']:.4f} / "
          f"{p['positive_predictivity']:.4f}      {q['sensitivity']:.4f} / "
          f"{q['positive_predictivity']:.4f}")
  return table


def test_reference_beat_counts(mitbih):
  # Shared data README: record 100 has N 2239, A 33, V 1; 106 N 1507, V 520.
  assert len(mitbih["100"][2]) == 2273
  assert len(mitbih["106"][2]) == 2027


@pytest.mark.parametrize("name", RECORDS)
def test_sensitivity_and_positive_predictivity(scores, name):
  detection = scores[name]["pan_tompkins"]
  assert detection["sensitivity"] >= 0.99
  assert detection["positive_predictivity"] >= 0.99


def test_peaks_are_r_peaks(mitbih):
  # Record 100's reference marks sit on the R peak: refined peaks within 10 ms.
  x, fs, reference = mitbih["100"]
  peaks = pt.pan_tompkins(x, fs)
  comparison = processing.compare_annotations(reference, peaks,
                                              int(0.15 * fs))
  offsets = (peaks[comparison.matched_test_inds]
             - reference[comparison.matched_ref_inds])
  assert np.percentile(np.abs(offsets), 95) <= 0.010 * fs


@pytest.mark.parametrize("rate", [100.0, 250.0, 500.0])
def test_any_sampling_rate(mitbih, rate):
  # Record 106 (520 PVCs) resampled: the filters are designed for the rate.
  x, fs, reference = mitbih["106"]
  minutes = int(5 * 60 * fs)
  y = resample.resample(x[:minutes, None], fs, rate)[:, 0]
  reference = np.round(reference[reference < minutes] * rate / fs)
  detection = _detection(reference.astype(np.int64), pt.pan_tompkins(y, rate),
                         rate)
  assert detection["sensitivity"] >= 0.99
  assert detection["positive_predictivity"] >= 0.99


def _synthetic(fs, beats_s, duration_s, seed):
  """Gaussian P, QRS (Q, R, S) and T waves at `beats_s`, plus baseline
  wander (0.3 Hz, 0.3 mV) and white noise (0.02 mV), in mV."""
  t = np.arange(int(duration_s * fs)) / fs
  x = 0.3 * np.sin(2 * np.pi * 0.3 * t)
  waves = ((-0.20, 0.025, 0.15), (-0.03, 0.010, -0.15), (0.0, 0.012, 1.2),
           (0.03, 0.010, -0.3), (0.30, 0.050, 0.35))  # (offset s, width s, mV)
  for beat in beats_s:
    for offset, width, amplitude in waves:
      x += amplitude * np.exp(-0.5 * ((t - beat - offset) / width)**2)
  return x + np.random.default_rng(seed).normal(0.0, 0.02, len(t))


@pytest.mark.parametrize("fs", [250.0, 500.0])
def test_synthetic_irregular_rhythm(fs):
  # RR 0.45-1.3 s at random (an irregular rhythm): every beat found once.
  rng = np.random.default_rng(0)
  beats_s = 1.0 + np.cumsum(rng.uniform(0.45, 1.3, 40))
  x = _synthetic(fs, beats_s, beats_s[-1] + 1.0, seed=1)
  peaks = pt.pan_tompkins(x, fs)
  assert len(peaks) == len(beats_s)
  np.testing.assert_allclose(peaks / fs, beats_s, atol=0.01)


def test_search_back_finds_a_small_beat():
  # One beat at 0.42 of the amplitude after regular beats (RR 0.8 s)
  # is below THRESHOLD1 but found by the search-back at 166% of RR.
  fs = 360.0
  beats_s = 1.0 + 0.8 * np.arange(20)
  x = _synthetic(fs, beats_s, beats_s[-1] + 1.0, seed=2)
  small = _synthetic(fs, beats_s[12:13], beats_s[-1] + 1.0, seed=3)
  small -= _synthetic(fs, [], beats_s[-1] + 1.0, seed=3)  # The beat alone.
  x -= 0.58 * small
  peaks = pt.pan_tompkins(x, fs)
  np.testing.assert_allclose(peaks / fs, beats_s, atol=0.01)


def test_no_beats_in_flat_or_short_signals():
  assert pt.pan_tompkins(np.zeros(5000), 500.0).shape == (0,)
  assert pt.pan_tompkins(np.ones(50), 500.0).shape == (0,)


def test_errors_name_the_argument():
  with pytest.raises(ValueError, match="fs"):
    pt.pan_tompkins(np.zeros(1000), 25.0)
  with pytest.raises(ValueError, match="signal_mv"):
    pt.pan_tompkins(np.zeros((1000, 2)), 500.0)
  with pytest.raises(ValueError, match="non-finite"):
    pt.pan_tompkins(np.full(1000, np.nan), 500.0)
