"""WFDB records in every form the specification allows (datasets.files).

Every variant is built in tmp_path from a shared real record (by editing its
header text, or written by wfdb.wrsamp from its samples), and must read to
the original's signal (within the quantisation step) or to a one-line
RecordFormatError naming the file.
"""

import shutil

import numpy as np
import pytest
import wfdb

from cardiojax.datasets import files
from cardiojax.signal import resample

MITDB_HEADER = ("100 2 360 650000\n"
                "100.dat 212 200 11 1024 995 -22131 0 MLII\n"
                "100.dat 212 200 11 1024 1011 20052 0 V5\n")
SHORT = 3600  # 10 s of mitdb 100 for the records written by wrsamp.


@pytest.fixture(scope="module")
def mitdb_100(shared_data):
  """mitdb 100 as read from the shared (unchanged) files."""
  return files.read_record_file(shared_data / "mitdb" / "100.hea")


@pytest.fixture(scope="module")
def mitdb_100_digital(shared_data):
  return wfdb.rdrecord(str(shared_data / "mitdb" / "100"), physical=False,
                       sampto=4 * SHORT).d_signal


def _edited_100(shared_data, tmp_path, header: str):
  """mitdb 100 with `header` as its .hea beside a copy of its .dat."""
  assert (shared_data / "mitdb" / "100.hea").read_text().startswith(
      MITDB_HEADER)
  shutil.copy(shared_data / "mitdb" / "100.dat", tmp_path / "100.dat")
  (tmp_path / "100.hea").write_text(header)
  return tmp_path / "100.hea"


def _one_line_error(path, file_name: str, *match: str) -> str:
  with pytest.raises(files.RecordFormatError) as info:
    files.read_record_file(path)
  message = str(info.value)
  assert "\n" not in message and file_name in message, message
  for m in match:
    assert m in message, message
  return message


def _write_212(tmp_path, name, digital, sig_name=("MLII", "V5")):
  """A segment of mitdb 100's stored samples in its own format (212)."""
  n = digital.shape[1]
  wfdb.wrsamp(name, fs=360, units=["mV"] * n, sig_name=list(sig_name),
              d_signal=digital, fmt=["212"] * n, adc_gain=[200.0] * n,
              baseline=[1024] * n, write_dir=str(tmp_path))


# ---------------------------------------------------- header variants ----


def test_header_without_signal_length(shared_data, tmp_path, mitdb_100):
  path = _edited_100(shared_data, tmp_path,
                     MITDB_HEADER.replace("100 2 360 650000", "100 2 360"))
  record = files.read_record_file(path)
  np.testing.assert_array_equal(record.signal, mitdb_100.signal)
  assert record.lead_names == ("MLII", "V5") and not record.unnamed_leads
  assert any("no signal length" in n for n in record.notes)


def test_signal_lines_without_checksum_block_size_or_names(
    shared_data, tmp_path, mitdb_100):
  path = _edited_100(shared_data, tmp_path, "100 2 360 650000\n"
                     "100.dat 212 200 11 1024 995\n"
                     "100.dat 212 200 11 1024 1011\n")
  record = files.read_record_file(path)
  np.testing.assert_array_equal(record.signal, mitdb_100.signal)
  assert record.lead_names == ("signal 0", "signal 1")
  assert record.unnamed_leads == (0, 1)
  assert any("no name" in n for n in record.notes)


def test_signal_lines_without_names_keep_checksums(shared_data, tmp_path,
                                                   mitdb_100):
  header = MITDB_HEADER.replace(" MLII", "").replace(" V5", "")
  record = files.read_record_file(_edited_100(shared_data, tmp_path, header))
  np.testing.assert_array_equal(record.signal, mitdb_100.signal)
  assert record.unnamed_leads == (0, 1)
  _edited_100(shared_data, tmp_path, header.replace("-22131", "-22130"))
  _one_line_error(tmp_path / "100", "100.dat", "checksum=-22130")


def test_header_without_gain_is_uncalibrated(shared_data, tmp_path):
  path = _edited_100(shared_data, tmp_path,
                     "100 2 360\n100.dat 212\n100.dat 212\n")
  _one_line_error(path, "100.hea", "field adc_gain", "mV")


def test_header_without_sampling_frequency_is_250_hz(shared_data, tmp_path,
                                                     mitdb_100):
  path = _edited_100(shared_data, tmp_path,
                     MITDB_HEADER.replace("100 2 360 650000", "100 2"))
  record = files.read_record_file(path)
  assert record.sampling_rate_hz == 250
  assert any("field fs" in n for n in record.notes)
  np.testing.assert_array_equal(record.signal, mitdb_100.signal)


@pytest.mark.parametrize("header, match", [
    ("100 2 360 640000\n" + MITDB_HEADER.split("\n", 1)[1], "sig_len=640000"),
    ("100 2 360 650000\n100.dat 999 200 11 1024 995 -22131 0 MLII\n"
     "100.dat 212 200 11 1024 1011 20052 0 V5\n", "field fmt"),
    ("100 3 360 650000\n" + MITDB_HEADER.split("\n", 1)[1], "n_sig"),
    ("100 2 360 650000 x\n100.dat\n", "100.hea"),
])
def test_broken_headers_give_one_line(shared_data, tmp_path, header, match):
  path = _edited_100(shared_data, tmp_path, header)
  _one_line_error(path, "100.hea" if match != "sig_len=640000" else "100.dat",
                  match)


def test_truncated_signal_file(shared_data, tmp_path):
  _edited_100(shared_data, tmp_path, MITDB_HEADER)
  data = (tmp_path / "100.dat").read_bytes()
  (tmp_path / "100.dat").write_bytes(data[:1000])
  _one_line_error(tmp_path / "100.dat", "100.dat", "truncated")


# ------------------------------------------------------ multi-segment ----


def test_multi_segment_fixed_layout(tmp_path, mitdb_100, mitdb_100_digital):
  n1, n2 = 5000, 4 * SHORT
  _write_212(tmp_path, "seg1", mitdb_100_digital[:n1])
  _write_212(tmp_path, "seg2", mitdb_100_digital[n1:n2])
  (tmp_path / "100ms.hea").write_text(
      f"100ms/2 2 360 {n2}\nseg1 {n1}\nseg2 {n2 - n1}\n")
  record = files.read_record_file(tmp_path / "100ms.hea")
  assert record.record_id == "100ms" and record.sampling_rate_hz == 360
  assert record.lead_names == ("MLII", "V5")
  np.testing.assert_array_equal(record.signal, mitdb_100.signal[:n2])


def test_multi_segment_with_gap(tmp_path, mitdb_100, mitdb_100_digital):
  n1, gap, n2 = 5000, 700, 4 * SHORT
  _write_212(tmp_path, "seg1", mitdb_100_digital[:n1])
  _write_212(tmp_path, "seg2", mitdb_100_digital[n1:n2])
  (tmp_path / "100gap.hea").write_text(
      f"100gap/3 2 360 {n2 + gap}\nseg1 {n1}\n~ {gap}\nseg2 {n2 - n1}\n")
  record = files.read_record_file(tmp_path / "100gap")
  assert record.signal.shape == (n2 + gap, 2)
  np.testing.assert_array_equal(record.signal[:n1], mitdb_100.signal[:n1])
  assert np.isnan(record.signal[n1:n1 + gap]).all()
  np.testing.assert_array_equal(record.signal[n1 + gap:],
                                mitdb_100.signal[n1:n2])
  assert any(f"gap samples {n1}-{n1 + gap - 1} with NaN" in n
             for n in record.notes)


def test_multi_segment_variable_layout(tmp_path, mitdb_100, mitdb_100_digital):
  n1, gap, n2 = 5000, 300, 4 * SHORT
  (tmp_path / "layout.hea").write_text(
      "layout 2 360 0\n~ 0 200 11 1024 0 0 0 MLII\n~ 0 200 11 1024 0 0 0 V5\n")
  _write_212(tmp_path, "seg1", mitdb_100_digital[:n1])
  # The second segment holds V5 only, in format 16.
  wfdb.wrsamp("seg2", fs=360, units=["mV"], sig_name=["V5"],
              d_signal=mitdb_100_digital[n1:n2, 1:], fmt=["16"],
              adc_gain=[200.0], baseline=[1024], write_dir=str(tmp_path))
  (tmp_path / "100var.hea").write_text(
      f"100var/4 2 360 {n2 + gap}\nlayout 0\nseg1 {n1}\n~ {gap}\n"
      f"seg2 {n2 - n1}\n")
  record = files.read_record_file(tmp_path / "100var.hea")
  assert record.lead_names == ("MLII", "V5")
  expected = np.full((n2 + gap, 2), np.nan, np.float32)
  expected[:n1] = mitdb_100.signal[:n1]
  expected[n1 + gap:, 1] = mitdb_100.signal[n1:n2, 1]
  np.testing.assert_array_equal(record.signal, expected)
  assert any(n.startswith(f"filled samples {n1 + gap}-{n2 + gap - 1} of MLII "
                          "with NaN") for n in record.notes), record.notes


def test_multi_segment_length_mismatch(tmp_path, mitdb_100_digital):
  _write_212(tmp_path, "seg1", mitdb_100_digital[:1000])
  (tmp_path / "bad.hea").write_text("bad/1 2 360 1200\nseg1 1200\n")
  _one_line_error(tmp_path / "bad.hea", "bad.hea", "sig_len")


# ---------------------------------------------------- multi-frequency ----


def test_multi_frequency_record(shared_data, tmp_path):
  """PTB-XL 00001 at 100 Hz, lead I at 500 Hz (5 samples per frame)."""
  low = wfdb.rdrecord(str(shared_data / "ptbxl/records100/00000/00001_lr"))
  high = wfdb.rdrecord(str(shared_data / "ptbxl/records500/00000/00001_hr"))
  channels = [high.p_signal[:, 0]] + list(low.p_signal[:, 1:].T)
  wfdb.wrsamp("mf", fs=100, units=["mV"] * 12, sig_name=low.sig_name,
              e_p_signal=channels, samps_per_frame=[5] + [1] * 11,
              fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12,
              write_dir=str(tmp_path))
  assert "mf.dat 16x5 " in (tmp_path / "mf.hea").read_text()
  record = files.read_record_file(tmp_path / "mf.dat")
  assert record.sampling_rate_hz == 500 and record.signal.shape == (5000, 12)
  assert [n.lower() for n in record.lead_names[:2]] == ["i", "ii"]
  np.testing.assert_allclose(record.signal[:, 0], high.p_signal[:, 0],
                             atol=1e-3)
  np.testing.assert_allclose(
      record.signal[:, 1:], resample.resample(low.p_signal[:, 1:], 100, 500),
      atol=1e-3)
  # The slow leads' own samples survive the polyphase interpolation.
  np.testing.assert_allclose(record.signal[::5, 1:], low.p_signal[:, 1:],
                             atol=0.02)
  assert any("resampled signals 1 (II)" in n and "100 Hz to 500 Hz" in n
             for n in record.notes)


def test_multi_frequency_segments_with_gap(shared_data, tmp_path):
  """Two multi-frequency segments of PTB-XL 00001 around a 100-frame gap."""
  low = wfdb.rdrecord(str(shared_data / "ptbxl/records100/00000/00001_lr"))
  high = wfdb.rdrecord(str(shared_data / "ptbxl/records500/00000/00001_hr"))
  for name, a, b in (("s1", 0, 400), ("s2", 400, 1000)):
    wfdb.wrsamp(name, fs=100, units=["mV"] * 2, sig_name=["I", "II"],
                e_p_signal=[high.p_signal[5 * a:5 * b, 0],
                            low.p_signal[a:b, 1]],
                samps_per_frame=[5, 1], fmt=["16", "16"],
                adc_gain=[1000.0] * 2, baseline=[0] * 2,
                write_dir=str(tmp_path))
  (tmp_path / "ms.hea").write_text("ms/3 2 100 1100\ns1 400\n~ 100\ns2 600\n")
  record = files.read_record_file(tmp_path / "ms.hea")
  assert record.signal.shape == (5500, 2) and record.sampling_rate_hz == 500
  assert np.isnan(record.signal[2000:2500]).all()
  assert not np.isnan(record.signal[:2000]).any()
  assert not np.isnan(record.signal[2500:]).any()
  np.testing.assert_allclose(record.signal[:2000, 0], high.p_signal[:2000, 0],
                             atol=1e-3)
  np.testing.assert_allclose(record.signal[2500:, 0], high.p_signal[2000:, 0],
                             atol=1e-3)
  np.testing.assert_allclose(record.signal[::5, 1][:400], low.p_signal[:400, 1],
                             atol=0.02)
  np.testing.assert_allclose(record.signal[::5, 1][500:], low.p_signal[400:, 1],
                             atol=0.02)


# ------------------------------------------------------------ formats ----


@pytest.fixture(scope="module")
def short_100(mitdb_100):
  return mitdb_100.signal[:SHORT].astype(np.float64)


@pytest.mark.parametrize("fmt", ["16", "24", "32", "80", "212", "516"])
def test_formats_written_by_wfdb(tmp_path, short_100, fmt):
  wfdb.wrsamp("f", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"],
              p_signal=short_100, fmt=[fmt, fmt], write_dir=str(tmp_path))
  header = wfdb.rdheader(str(tmp_path / "f"))
  record = files.read_record_file(tmp_path / "f.hea")
  assert record.signal.shape == (SHORT, 2) and not record.notes
  for c in range(2):
    np.testing.assert_allclose(record.signal[:, c], short_100[:, c],
                               atol=1 / header.adc_gain[c] + 1e-6)


@pytest.mark.parametrize("fmt", ["61", "160", "8"])
def test_formats_wfdb_only_reads(tmp_path, short_100, fmt):
  """Format 16's samples re-stored as 61 (big-endian), 160 (offset) and 8
  (first differences), with the header's fmt changed."""
  wfdb.wrsamp("f", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"],
              p_signal=short_100, fmt=["16", "16"], adc_gain=[200.0, 200.0],
              baseline=[0, 0], write_dir=str(tmp_path))
  digital = np.fromfile(tmp_path / "f.dat", "<i2").reshape(-1, 2)
  header = (tmp_path / "f.hea").read_text()
  if fmt == "61":
    digital.astype(">i2").tofile(tmp_path / "f.dat")
  elif fmt == "160":
    (digital.astype(np.int32) + 32768).astype("<u2").tofile(tmp_path / "f.dat")
  else:
    first = digital[0].copy()
    diffs = np.diff(digital.astype(np.int64), axis=0, prepend=first[None])
    assert np.abs(diffs).max() < 128
    diffs.astype(np.int8).tofile(tmp_path / "f.dat")
    lines = header.splitlines()
    for c in (1, 2):  # init_value: the first sample.
      fields = lines[c].split()
      fields[4] = str(first[c - 1])
      lines[c] = " ".join(fields)
    header = "\n".join(lines) + "\n"
  (tmp_path / "f.hea").write_text(header.replace("f.dat 16 ", f"f.dat {fmt} "))
  assert f"f.dat {fmt} 200" in (tmp_path / "f.hea").read_text()
  record = files.read_record_file(tmp_path / "f")
  np.testing.assert_allclose(record.signal, short_100, atol=1 / 200 + 1e-6)


def test_invalid_samples_are_nan(tmp_path, short_100):
  signal = short_100.copy()
  signal[100:150, 0] = np.nan
  wfdb.wrsamp("nan", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"],
              p_signal=signal, fmt=["16", "16"], adc_gain=[200.0, 200.0],
              baseline=[0, 0], write_dir=str(tmp_path))
  assert -32768 in np.fromfile(tmp_path / "nan.dat", "<i2")
  record = files.read_record_file(tmp_path / "nan.hea")
  np.testing.assert_array_equal(np.isnan(record.signal), np.isnan(signal))
  np.testing.assert_allclose(record.signal, signal, atol=1 / 200 + 1e-6)


# -------------------------------------------------------------- units ----


def test_microvolt_and_volt_records(tmp_path, short_100):
  wfdb.wrsamp("uv", fs=360, units=["µV", "uV"], sig_name=["MLII", "V5"],
              p_signal=short_100 * 1000, fmt=["16", "16"],
              adc_gain=[0.2, 0.2], baseline=[0, 0], write_dir=str(tmp_path))
  # wfdb reads headers as ASCII: 'µV' would silently be 'V' (x1e6).
  assert wfdb.rdheader(str(tmp_path / "uv")).units[0] == "V"
  record = files.read_record_file(tmp_path / "uv.hea")
  np.testing.assert_allclose(record.signal, short_100, atol=5e-3 + 1e-6)
  assert any("converted from µV to mV: signal 0 (MLII)" in n
             for n in record.notes)
  assert any("converted from uV to mV: signal 1 (V5)" in n
             for n in record.notes)
  # The same header in Latin-1.
  header = (tmp_path / "uv.hea").read_text(encoding="utf-8")
  (tmp_path / "uv.hea").write_bytes(header.encode("latin-1"))
  np.testing.assert_array_equal(
      files.read_record_file(tmp_path / "uv").signal, record.signal)

  wfdb.wrsamp("v", fs=360, units=["V", "V"], sig_name=["MLII", "V5"],
              p_signal=short_100 / 1000, fmt=["16", "16"],
              adc_gain=[200e3, 200e3], baseline=[0, 0],
              write_dir=str(tmp_path))
  record = files.read_record_file(tmp_path / "v.hea")
  np.testing.assert_allclose(record.signal, short_100, atol=5e-3 + 1e-6)
  assert any("converted from V to mV" in n for n in record.notes)


def test_unknown_units_are_assumed_mv(tmp_path, short_100):
  wfdb.wrsamp("u", fs=360, units=["mV", "NU"], sig_name=["MLII", "V5"],
              p_signal=short_100, fmt=["16", "16"], adc_gain=[200.0, 200.0],
              baseline=[0, 0], write_dir=str(tmp_path))
  record = files.read_record_file(tmp_path / "u.hea")
  np.testing.assert_allclose(record.signal, short_100, atol=5e-3 + 1e-6)
  assert record.notes == ("u.hea: units 'NU' are not a voltage; assumed mV: "
                          "signal 1 (V5)",)
