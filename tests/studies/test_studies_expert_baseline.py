"""Expert features (against hand computations on real records) and the
expert-vs-deep study at smoke size on the shared CPSC2018 and PTB-XL subsets."""

import ast
import json

import numpy as np
import pandas as pd
import pytest
import wfdb
from matplotlib import image

from cardiojax import studies
from cardiojax.datasets import mitdb
from cardiojax.signal import pan_tompkins
from cardiojax.studies import expert_baseline
from cardiojax.studies import features
from configs.studies import expert_baseline as expert_config

LEADS_12 = ("I", "II", "III", "aVR", "aVL", "aVF",
            "V1", "V2", "V3", "V4", "V5", "V6")


@pytest.fixture(scope="module")
def study_runs(tmp_path_factory, shared_data):
  """corpus -> (summary, results.json, workdir) of the smoke study."""
  del shared_data  # The smoke configs read it; skip without it.
  runs = {}
  for corpus in ("cpsc2018", "ptbxl"):
    workdir = tmp_path_factory.mktemp(f"expert_{corpus}")
    summary = studies.run(expert_config.get_config(f"{corpus},smoke"),
                          workdir)
    runs[corpus] = (summary,
                    json.loads((workdir / "results.json").read_text()),
                    workdir)
  return runs


@pytest.mark.parametrize("corpus", ["cpsc2018", "ptbxl"])
def test_one_table_with_five_columns_and_intervals(study_runs, corpus):
  summary, document, workdir = study_runs[corpus]
  base = expert_config.get_config(f"{corpus},smoke").base
  columns = [f"{label} (expert features)"
             for label, _ in expert_baseline.CLASSIFIERS.values()]
  columns.append(f"{base.model.name} (deep)")
  assert list(document["results"]) == columns
  for column in columns:
    for metric in ("macro_auroc", "macro_f1"):
      assert set(document["results"][column][metric]) == {"value", "low",
                                                          "high"}
  assert "thresholds" in document["protocol"]
  assert "whole records" in document["protocol"]["confidence intervals"] or (
      "whole patients" in document["protocol"]["confidence intervals"])
  markdown = (workdir / "results.md").read_text()
  assert all(column in markdown for column in columns)
  assert image.imread(summary["plot"]).ndim == 3


def test_ptbxl_intervals_hold_their_points(study_runs):
  _, document, _ = study_runs["ptbxl"]
  for column, metrics in document["results"].items():
    entry = metrics["macro_auroc"]
    assert entry["low"] <= entry["value"] <= entry["high"], column


def test_features_file_has_every_record(study_runs):
  _, _, workdir = study_runs["ptbxl"]
  saved = np.load(workdir / "expert_features.npz")
  names = features.feature_names(LEADS_12)
  assert list(saved["feature_names"]) == list(names)
  assert len(names) == len(features.RHYTHM_FEATURES) + 2 + 3 * 12
  for split in ("train", "validation", "test"):
    x = saved[f"{split}_features"]
    assert x.shape == (len(saved[f"{split}_targets"]), len(names))
    assert np.isfinite(x[:, names.index("rr_mean_ms")]).all()


@pytest.fixture(scope="module")
def record_100(shared_data):
  """Five minutes of MIT-BIH record 100 (MLII, V5) and its beat annotations."""
  path = str(shared_data / "mitdb" / "100")
  record = wfdb.rdrecord(path, sampto=5 * 60 * 360)
  annotation = wfdb.rdann(path, "atr", sampto=5 * 60 * 360)
  beats = annotation.sample[mitdb.is_beat(np.asarray(annotation.symbol))]
  return record.p_signal, float(record.fs), tuple(record.sig_name), beats


def test_rhythm_features_equal_the_reference_beats(record_100):
  # RR statistics from the cardiologists' beat marks, by hand.
  x, fs, names, reference = record_100
  got = features.record_features(x, fs, names, rhythm_lead="MLII")
  rr = np.diff(reference) / fs * 1000.0
  assert got["num_beats"] == len(reference)
  assert got["rr_mean_ms"] == pytest.approx(rr.mean(), abs=0.5)
  assert got["heart_rate_bpm"] == pytest.approx(60000.0 / rr.mean(), abs=0.1)
  assert got["sdnn_ms"] == pytest.approx(rr.std(ddof=1), abs=1.0)
  assert got["rr_min_ms"] == pytest.approx(rr.min(), abs=6.0)


def test_rhythm_features_recomputed_from_detected_peaks(record_100):
  x, fs, names, _ = record_100
  peaks = pan_tompkins.pan_tompkins(x[:, 0], fs)
  got = features.record_features(x, fs, names, rhythm_lead="mlii")
  rr = np.diff(peaks) * 1000.0 / fs
  successive = np.diff(rr)
  rmssd = np.sqrt(np.sum(successive**2) / len(successive))
  assert got["rr_mean_ms"] == pytest.approx(np.sum(rr) / len(rr))
  assert got["rmssd_ms"] == pytest.approx(rmssd)
  assert got["pnn50_percent"] == pytest.approx(
      100.0 * np.count_nonzero(np.abs(successive) > 50.0) / len(successive))
  assert got["rr_irregularity"] == pytest.approx(rmssd / np.mean(rr))
  assert got["rr_min_ratio"] == pytest.approx(rr.min() / np.median(rr))


@pytest.fixture(scope="module")
def ptbxl_features(shared_data):
  """PTB-XL records 1-400 at 100 Hz: features, SCP codes, heart axis."""
  root = shared_data / "ptbxl"
  database = pd.read_csv(root / "ptbxl_database.csv")
  rows = []
  for _, row in database.iterrows():
    record = wfdb.rdrecord(str(root / row.filename_lr))
    rows.append({"codes": ast.literal_eval(row.scp_codes),
                 "axis": row.heart_axis,
                 **features.record_features(record.p_signal, record.fs,
                                            record.sig_name)})
  return pd.DataFrame(rows)


def test_qrs_duration_separates_bundle_branch_blocks(ptbxl_features):
  # Complete bundle branch blocks have QRS >= 120 ms (AHA/ACCF/HRS 2009).
  def median_qrs(code):
    rows = ptbxl_features[ptbxl_features.codes.map(lambda c: code in c)]
    return rows.qrs_duration_ms.median()
  assert median_qrs("NORM") < 100.0
  assert median_qrs("CLBBB") >= 120.0
  assert median_qrs("CRBBB") >= 120.0


def test_qrs_axis_follows_the_database_heart_axis(ptbxl_features):
  # PTB-XL's heart_axis: ALAD/LAD left, MID normal, RAD right deviation.
  axis = ptbxl_features.groupby("axis").qrs_axis_deg.median()
  assert axis["ALAD"] < axis["LAD"] < 0.0 < axis["MID"] < 90.0 < axis["RAD"]


def test_atrial_fibrillation_is_irregular(ptbxl_features):
  irregularity = ptbxl_features.groupby(
      ptbxl_features.codes.map(lambda c: "AFIB" in c)).rr_irregularity.median()
  assert irregularity[True] > 3 * irregularity[False]


@pytest.mark.parametrize("num_beats", [0, 1, 2, 3])
def test_records_with_few_beats_give_nan_not_errors(num_beats):
  fs = 500.0
  x = np.zeros((int(4 * fs), 2))
  for k in range(num_beats):
    x[int((1.0 + 0.8 * k) * fs) + np.arange(-10, 11), :] += np.hanning(21)[
        :, None] * [1.5, 1.0]
  got = features.record_features(x, fs, ("II", "V1"))
  assert list(got) == list(features.feature_names(("II", "V1")))
  assert got["num_beats"] == num_beats
  assert np.isnan(got["rr_mean_ms"]) == (num_beats < 2)
  assert np.isnan(got["sdnn_ms"]) == (num_beats < 3)
  assert np.isnan(got["qrs_duration_ms"]) == (num_beats == 0)
  assert np.isnan(got["qrs_axis_deg"])  # Leads I and aVF absent.


def test_missing_rhythm_lead_is_named():
  with pytest.raises(ValueError, match="lead_names"):
    features.record_features(np.zeros((1000, 2)), 500.0, ("I", "V1"))


def test_unknown_classifier_is_named():
  with pytest.raises(ValueError, match="config.study.classifiers"):
    expert_baseline.make_classifier("svm", 0, multi_label=True)


def test_predictions_take_the_task_form():
  # A class absent from training gets probability 0; binary gives (N,).
  rng = np.random.default_rng(0)
  x = rng.normal(size=(40, 3))
  labels = (x[:, 0] > 0).astype(int)
  model = expert_baseline.make_classifier("logistic_regression", 0, False)
  model.fit(x, labels)
  three = expert_baseline.task_predictions("multi_class", 3, model, x)
  assert three.shape == (40, 3)
  np.testing.assert_array_equal(three[:, 2], 0.0)
  np.testing.assert_allclose(three.sum(axis=1), 1.0, rtol=1e-6)
  binary = expert_baseline.task_predictions("binary", 2, model, x)
  np.testing.assert_allclose(binary, three[:, 1])
