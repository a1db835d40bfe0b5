"""The describe study against counts made here from the raw shared files."""

import ast
import json

import numpy as np
import pandas as pd
import pytest
import wfdb
from matplotlib import image
from scipy import io

from cardiojax import studies
from cardiojax.studies import describe
from configs.studies import describe as describe_config

CPSC_RECORDS = [f"A{i}" for i in range(1980, 1990)]
PTBXL_SUPERCLASSES = ("CD", "HYP", "MI", "NORM", "STTC")


@pytest.fixture(scope="module")
def described(tmp_path_factory, shared_data):
  """variant -> (config, summary, results.json document)."""
  runs = {}
  for corpus in ("ptbxl", "cpsc2018"):
    config = describe_config.get_config(f"{corpus},smoke")
    config.study.mitdb_dir = str(shared_data / "mitdb")
    workdir = tmp_path_factory.mktemp(f"describe_{corpus}")
    summary = studies.run(config, workdir)
    runs[corpus] = (config, summary,
                    json.loads((workdir / "results.json").read_text()))
  return runs


def _value(document, column, metric):
  return document["results"][column][metric]["value"]


def test_ptbxl_counts_equal_the_database(described, shared_data):
  config, _, document = described["ptbxl"]
  root = shared_data / "ptbxl"
  database = pd.read_csv(root / "ptbxl_database.csv")
  statements = pd.read_csv(root / "scp_statements.csv", index_col=0)
  diagnostic = statements[statements.diagnostic == 1]

  def superclasses(codes):
    return {diagnostic.loc[code, "diagnostic_class"]
            for code in ast.literal_eval(codes) if code in diagnostic.index}

  database["classes"] = database.scp_codes.map(superclasses)
  database = database[database.classes.map(len) > 0]
  data = config.base.data
  folds = {"train": data.train_folds, "validation": data.validation_folds,
           "test": data.test_folds}
  for split, split_folds in folds.items():
    rows = database[database.strat_fold.isin(split_folds)]
    assert _value(document, split, "records") == len(rows)
    assert _value(document, split, "patients") == rows.patient_id.nunique()
    for name in PTBXL_SUPERCLASSES:
      assert _value(document, split, f"records per class/{name}") == sum(
          name in classes for classes in rows.classes), (split, name)
    ages = rows.age.dropna()
    ages = ages.where(ages < 300, 90.0)
    assert _value(document, split, "age mean (years)") == pytest.approx(
        ages.mean())
    assert _value(document, split, "female (%)") == pytest.approx(
        100 * rows.sex.mean())
    assert _value(document, split, "length mean (s)") == 10.0


def test_cpsc_counts_equal_reference_and_mat_headers(described, shared_data):
  _, _, document = described["cpsc2018"]
  root = shared_data / "cpsc2018"
  reference = pd.read_csv(root / "REFERENCE.csv").set_index("Recording")
  labels = reference.loc[CPSC_RECORDS].to_numpy().ravel()
  names = ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE")
  for code, name in enumerate(names, start=1):
    assert _value(document, "all", f"records per class/{name}") == np.sum(
        labels == code), name
  ecgs = [io.loadmat(root / "TrainingSet_subset" / f"{r}.mat")["ECG"][0, 0]
          for r in CPSC_RECORDS]
  ages = [float(e["age"][0, 0]) for e in ecgs]
  female = [str(e["sex"][0]) == "Female" for e in ecgs]
  lengths = [e["data"].shape[1] / 500.0 for e in ecgs]
  assert _value(document, "all", "records") == 10
  assert _value(document, "all", "age mean (years)") == pytest.approx(
      np.mean(ages))
  assert _value(document, "all", "female (%)") == pytest.approx(
      100 * np.mean(female))
  assert _value(document, "all", "length mean (s)") == pytest.approx(
      np.mean(lengths))
  assert _value(document, "all", "length max (s)") == pytest.approx(
      max(lengths))
  split_records = sum(_value(document, s, "records")
                      for s in ("train", "validation", "test"))
  assert split_records == 10


@pytest.mark.parametrize("corpus", ["ptbxl", "cpsc2018"])
def test_every_figure_opens_with_its_panels(described, corpus):
  _, summary, _ = described[corpus]
  expected = {"class_distribution": 3, "distributions": 3, "ecg_12lead": 13,
              "mitdb_strip": 2, "mitdb_abnormal_beat": 2}
  assert summary["panels"] == expected
  for name, path in summary["plots"].items():
    pixels = image.imread(path)
    assert pixels.ndim == 3 and min(pixels.shape[:2]) > 200, name


def test_mitdb_figures_mark_the_reference_beats(shared_data, tmp_path):
  config = describe_config.get_config("smoke")
  config.study.mitdb_dir = str(shared_data / "mitdb")
  figures = describe.mitdb_figures(config.study, tmp_path)
  annotation = wfdb.rdann(str(shared_data / "mitdb" / "100"), "atr")
  fs = 360.0
  # The strip: the seeded start (describe's rule) and every annotation in it.
  length = int(round(config.study.strip_s * fs))
  start = int(np.random.default_rng(config.study.seed).integers(
      0, 650000 - length))
  inside = (annotation.sample >= start) & (annotation.sample < start + length)
  _, axes = figures["mitdb_strip"]
  symbols = [text.get_text() for text in axes[0].texts]
  assert symbols == list(np.asarray(annotation.symbol)[inside])
  # The 1 s window: an abnormal beat ('A' or 'V' in record 100) at its centre.
  _, axes = figures["mitdb_abnormal_beat"]
  centre = [text.get_text() for text in axes[0].texts
            if abs(text.get_position()[0] - 0.5) < 2 / fs]
  assert centre in (["A"], ["V"])
