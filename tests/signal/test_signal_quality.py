"""The signal check (cardiojax.signal.quality) on real shared records."""

import numpy as np
import pytest
import wfdb

from cardiojax.datasets import cpsc2018
from cardiojax.signal import leads as leads_lib
from cardiojax.signal import quality

# WFDB's invalid-sample value of format 16 (PTB-XL's format): wfdb turns it
# into NaN when it converts digital samples to mV.
_WFDB_INVALID_FORMAT_16 = -32768


def _ptbxl(shared_data, record="00001_lr"):
  r = wfdb.rdrecord(str(shared_data / "ptbxl" / "records100" / "00000" /
                        record))
  return r.p_signal.astype(np.float32), float(r.fs), tuple(r.sig_name)


def _mitdb_100(shared_data):
  r = wfdb.rdrecord(str(shared_data / "mitdb" / "100"))
  return r.p_signal.astype(np.float32), float(r.fs), tuple(r.sig_name)


def _ptbxl_with_invalid_samples(shared_data, lead, start, stop):
  """PTB-XL 00001 with WFDB invalid-sample markers at [start, stop) of
  `lead`, converted to mV by wfdb as a reader would."""
  r = wfdb.rdrecord(str(shared_data / "ptbxl" / "records100" / "00000" /
                        "00001_lr"), physical=False)
  assert r.fmt[lead] == "16"
  r.d_signal[start:stop, lead] = _WFDB_INVALID_FORMAT_16
  return r.dac(expanded=False, return_res=64)


def _kinds(findings):
  return {f.kind for f in findings}


def test_runs_of_a_mask():
  starts, stops = quality.runs(np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], bool))
  np.testing.assert_array_equal(starts, [0, 4, 6])
  np.testing.assert_array_equal(stops, [2, 5, 9])
  starts, stops = quality.runs(np.zeros(5, bool))
  assert starts.size == stops.size == 0


def test_clean_records_give_no_finding(shared_data):
  for signal, fs, names in (_mitdb_100(shared_data), _ptbxl(shared_data)):
    assert quality.check(signal, fs, names) == []
  checked = quality.apply_policy(*_mitdb_100(shared_data), source="100")
  assert checked.findings == () and checked.usable.all()
  np.testing.assert_array_equal(checked.signal, _mitdb_100(shared_data)[0])


def test_repair_interpolates_a_short_gap_of_wfdb_invalid_samples(shared_data):
  original, fs, names = _ptbxl(shared_data)
  v2 = names.index("V2")
  signal = _ptbxl_with_invalid_samples(shared_data, v2, 300, 340)  # 0.4 s
  assert np.isnan(signal[300:340, v2]).all()
  assert np.isfinite(np.delete(signal, np.s_[300:340], axis=0)).all()

  checked = quality.apply_policy(signal, fs, names, policy="repair",
                                 max_repair_s=0.5, source="00001_lr")
  (finding,) = checked.findings
  assert (finding.kind, finding.lead, finding.action) == (
      "non_finite", "V2", "repaired")
  assert (finding.start, finding.stop) == (300, 340)
  assert (finding.start_s, finding.stop_s) == pytest.approx((3.0, 3.4))
  assert finding.describe("00001_lr") == (
      "00001_lr: lead V2 samples 300-339 (3.000-3.400 s): 40 non-finite "
      "samples (NaN), repaired by linear interpolation")
  out = checked.signal
  assert out.dtype == np.float32 and np.isfinite(out).all()
  assert checked.usable.all()
  np.testing.assert_array_equal(np.delete(out, v2, axis=1),
                                np.delete(original, v2, axis=1))
  np.testing.assert_array_equal(np.delete(out[:, v2], np.s_[300:340]),
                                np.delete(original[:, v2], np.s_[300:340]))
  left, right = original[299, v2], original[340, v2]
  repaired = out[300:340, v2]
  assert np.all(repaired >= min(left, right) - 1e-6)
  assert np.all(repaired <= max(left, right) + 1e-6)
  np.testing.assert_allclose(
      repaired, left + (right - left) * np.arange(1, 41) / 41, atol=1e-6)


def test_refuse_and_drop_of_a_short_gap(shared_data):
  _, fs, names = _ptbxl(shared_data)
  v2 = names.index("V2")
  signal = _ptbxl_with_invalid_samples(shared_data, v2, 300, 340)
  with pytest.raises(quality.SignalCheckError,
                     match=r"00001_lr: lead V2 samples 300-339 "
                           r"\(3\.000-3\.400 s\).*signal_policy") as error:
    quality.apply_policy(signal, fs, names, policy="refuse",
                         source="00001_lr")
  assert "\n" not in str(error.value)

  checked = quality.apply_policy(signal, fs, names, policy="drop",
                                 source="00001_lr")
  assert [f.action for f in checked.findings] == ["dropped"]
  expected = np.ones(signal.shape[0], bool)
  expected[300:340] = False
  np.testing.assert_array_equal(checked.usable, expected)
  assert np.all(checked.signal[300:340, v2] == 0.0)
  assert np.isfinite(checked.signal).all()
  assert "zeroed and marked unusable" in checked.findings[0].describe("r")


def test_cpsc_gap_longer_than_max_repair_is_refused_or_dropped(shared_data):
  path = shared_data / "cpsc2018" / "TrainingSet_subset" / "A1980.mat"
  signal, _ = cpsc2018.read_cpsc_mat(path)
  fs, names = float(cpsc2018.SAMPLING_RATE_HZ), leads_lib.STANDARD_12
  signal[1000:1500, names.index("aVL")] = np.nan  # 1 s at 500 Hz
  with pytest.raises(quality.SignalCheckError) as error:
    quality.apply_policy(signal, fs, names, policy="repair",
                         max_repair_s=0.5, source="A1980.mat")
  message = str(error.value)
  assert message.startswith(
      "A1980.mat: lead aVL samples 1000-1499 (2.000-3.000 s): 500 "
      "non-finite samples (NaN) (longer than max_repair_s=0.5 s), refused; ")
  assert "signal_policy='drop'" in message
  assert "max_repair_s >= 1.000" in message

  checked = quality.apply_policy(signal, fs, names, policy="drop",
                                 max_repair_s=0.5, source="A1980.mat")
  np.testing.assert_array_equal(np.flatnonzero(~checked.usable),
                                np.arange(1000, 1500))
  non_finite = [f for f in checked.findings if f.kind == "non_finite"]
  assert [(f.lead, f.start, f.stop, f.action) for f in non_finite] == [
      ("aVL", 1000, 1500, "dropped")]


def test_gap_at_the_start_takes_the_nearest_valid_value(shared_data):
  signal, fs, names = _mitdb_100(shared_data)
  gapped = signal.copy()
  gapped[:36, 1] = np.inf  # 0.1 s
  checked = quality.apply_policy(gapped, fs, names, source="100")
  assert [(f.lead, f.start, f.stop, f.action) for f in checked.findings] == [
      ("V5", 0, 36, "repaired")]
  assert "+inf" in checked.findings[0].detail
  assert np.all(checked.signal[:36, 1] == signal[36, 1])


def test_a_lead_without_valid_samples_is_refused_by_every_policy(
    shared_data):
  signal, fs, names = _ptbxl(shared_data)
  signal[:, names.index("V4")] = np.nan
  for policy in quality.POLICIES:
    with pytest.raises(quality.SignalCheckError,
                       match="lead V4 samples 0-999 .*no valid sample"):
      quality.apply_policy(signal, fs, names, policy=policy,
                           max_repair_s=100.0, source="00001_lr")


def test_a_zeroed_lead_is_disconnected(shared_data):
  signal, fs, names = _ptbxl(shared_data)
  signal[:, names.index("V3")] = 0.0
  findings = quality.check(signal, fs, names)
  assert [(f.kind, f.lead, f.start, f.stop) for f in findings] == [
      ("disconnected", "V3", 0, signal.shape[0])]


def test_a_flat_stretch(shared_data):
  signal, fs, names = _mitdb_100(shared_data)
  start, stop = 36_000, 36_000 + 720  # 2 s held at one value
  signal[start:stop, 0] = 0.5
  findings = quality.check(signal, fs, names)
  assert [(f.kind, f.lead) for f in findings] == [("flat", "MLII")]
  # The stretch, give or take neighbouring samples within 10 µV of it.
  assert abs(findings[0].start - start) <= 2
  assert abs(findings[0].stop - stop) <= 2


def test_a_clipped_copy_is_saturated(shared_data):
  signal, fs, names = _mitdb_100(shared_data)
  low, high = np.percentile(signal, [1, 99], axis=0)
  clipped = np.clip(signal, low, high)
  findings = quality.check(clipped, fs, names)
  assert _kinds(findings) == {"saturation"}
  assert {f.lead for f in findings} == set(names)
  for f in findings:
    c = names.index(f.lead)
    run = clipped[f.start:f.stop, c]
    assert run[0] in (low[c], high[c]) and np.all(run == run[0])
    assert f.stop - f.start >= round(quality.SATURATION_MIN_S * fs)


def test_a_record_in_microvolts_is_implausible(shared_data):
  for signal, fs, names in (_mitdb_100(shared_data), _ptbxl(shared_data)):
    findings = quality.check(signal * 1000.0, fs, names)
    assert _kinds(findings) == {"amplitude"}
    assert {f.lead for f in findings} == set(names)
    assert all("µV" in f.detail and (f.start, f.stop) == (0, len(signal))
               for f in findings)


def test_inverted_limb_leads_give_a_polarity_report(shared_data):
  signal, fs, names = _ptbxl(shared_data)
  assert not [f for f in quality.check(signal, fs, names)
              if f.kind == "polarity"]
  inverted = signal.copy()
  for lead in ("I", "II", "AVR"):
    inverted[:, names.index(lead)] *= -1
  findings = quality.check(inverted, fs, names)
  assert [(f.kind, f.lead) for f in findings] == [
      ("polarity", "I"), ("polarity", "II")]
  assert "LA/RA electrodes swapped" in findings[0].detail
  checked = quality.apply_policy(inverted, fs, names, source="00001_lr")
  assert [f.action for f in checked.findings] == ["reported"] * 2
  np.testing.assert_array_equal(checked.signal, inverted)


def test_bad_arguments(shared_data):
  signal, fs, names = _ptbxl(shared_data)
  with pytest.raises(ValueError, match="policy"):
    quality.apply_policy(signal, fs, names, policy="fix")
  with pytest.raises(ValueError, match="lead_names"):
    quality.check(signal, fs, names[:-1])
  with pytest.raises(ValueError, match="fs"):
    quality.check(signal, 0, names)
  with pytest.raises(ValueError, match="signal"):
    quality.check(signal[:, 0], fs, names[:1])


def test_training_preparation_repairs_short_gaps_and_refuses_long_ones():
  fs = 100.0
  t = np.arange(1000) / fs
  signal = np.stack([np.sin(2 * np.pi * 1.2 * t)] * 2, axis=1).astype(np.float32)
  short = signal.copy()
  short[100:140, 1] = np.nan  # 0.4 s
  repaired = quality.repaired_for_training(short, fs, ("I", "II"), "x.hea")
  assert np.all(np.isfinite(repaired))
  np.testing.assert_array_equal(repaired[:, 0], signal[:, 0])
  np.testing.assert_array_equal(quality.repaired_for_training(
      signal, fs, ("I", "II"), "x.hea"), signal)
  long = signal.copy()
  long[100:200, 1] = np.nan  # 1 s
  with pytest.raises(quality.SignalCheckError, match=r"x\.hea: lead II samples 100-199"):
    quality.repaired_for_training(long, fs, ("I", "II"), "x.hea")
