"""A trained run is usable from its run directory alone.

Smoke runs of a beat config (MIT-BIH windows) and of a 12-lead config
(PTB-XL) are trained once; then, with the training corpus out of reach
(data_dir and manual_dir pointed at empty folders), predict and explain run
on shared records from the saved input contract and checkpoint. The model
input built from the saved contract equals, bit for bit, the one the training
pipeline builds.
"""

import dataclasses
import json
import pathlib

import numpy as np
import pytest

from cardiojax import datasets
from cardiojax import modes
from cardiojax.datasets import files
from cardiojax.input import contract as contract_lib
from cardiojax.signal import leads

RUNS = {"beats_mitdb": "mitdb/100.hea",
        "ptbxl": "ptbxl/records100/00000/00001_lr.hea"}


def _with_quick_explain(config):
  config.explain.ig_steps = 4
  config.explain.smoothgrad_samples = 2
  config.explain.max_importance_examples = 3
  return config


@pytest.fixture(scope="module")
def trained(smoke_runs, tmp_path_factory):
  """name -> (workdir, config with the corpus out of reach, config)."""
  empty = tmp_path_factory.mktemp("empty")
  (empty / "raw").mkdir()
  runs = {}
  for name in RUNS:
    absent = _with_quick_explain(smoke_runs.config(name))
    absent.data.data_dir = str(empty / "tfds")
    absent.data.manual_dir = str(empty / "raw")
    runs[name] = (smoke_runs.workdir(name), absent, smoke_runs.config(name))
  return runs


@pytest.mark.parametrize("name", sorted(RUNS))
def test_predict_and_explain_without_the_corpus(trained, shared_data, name):
  workdir, absent, _ = trained[name]
  record = shared_data / RUNS[name]
  summary = modes.run(absent, mode="predict", workdir=str(workdir),
                      config_path=f"configs/{name}.py:smoke",
                      input_path=str(record))
  document = json.loads(pathlib.Path(summary["records"][0]["json"]).read_text())
  predictions = np.asarray([[v for k, v in item.items() if k.startswith("p_")]
                            for item in document["items"]])
  assert np.all(np.isfinite(predictions))
  assert np.all((predictions >= 0) & (predictions <= 1))
  if name == "ptbxl":
    assert predictions.shape == (7, 5)  # 2.5 s windows every 1.25 s of 10 s
    assert document["preparation"]["samples_dropped"] == 0
  else:  # one prediction per detected beat of the 30 min record
    assert 2200 <= len(predictions) <= 2350
  explained = modes.run(absent, mode="explain", workdir=str(workdir),
                        config_path=f"configs/{name}.py:smoke",
                        input_path=str(record))
  assert [r["index"] for r in explained["records"]] == list(
      range(min(3, len(predictions))))
  assert len(explained["lead_importance"]) == len(
      json.loads((workdir / "input_contract.json").read_text())["lead_names"])
  assert (workdir / "explain" / "records" / "00000_integrated_gradients.png"
          ).is_file()
  assert not any(pathlib.Path(absent.data.data_dir).glob("*")), (
      "nothing may be prepared into the empty data_dir")


def test_contract_round_trips(trained):
  for workdir, _, _ in trained.values():
    contract = contract_lib.load(workdir)
    again = contract_lib.InputContract.from_dict(contract.to_dict())
    assert again == contract
    with_thresholds = dataclasses.replace(contract, thresholds=(0.25, 0.5))
    saved = json.loads(json.dumps(with_thresholds.to_dict()))
    assert contract_lib.InputContract.from_dict(saved).thresholds == (0.25, 0.5)
    assert saved["window_seconds"] == pytest.approx(
        contract.window_samples / contract.sampling_rate_hz)


def test_missing_contract_is_a_clear_error(tmp_path):
  with pytest.raises(contract_lib.ContractError, match="input_contract.json"):
    contract_lib.load(tmp_path)


def test_saved_contract_rebuilds_the_training_inputs_bit_for_bit(
    trained, shared_data):
  """PTB-XL: a validation record through the saved contract, from the
  prepared record and from its WFDB file, equals the pipeline's input."""
  workdir, _, config = trained["ptbxl"]
  contract = contract_lib.load(workdir)
  splits = datasets.corpus("ptbxl").load(config.data)
  assert dataclasses.replace(splits.contract, task_kind=contract.task_kind,
                             label_names=contract.label_names,
                             task_statistics=contract.task_statistics,
                             aggregation="max",
                             thresholds=contract.thresholds) == contract
  source = splits.sources["validation"]  # the windows that score each record
  records = source.records
  for record in range(3):
    expected = np.stack([source[i]["inputs"] for i in
                         np.flatnonzero(source.window_record == record)])
    got = datasets.corpus("ptbxl").prepare_record(
        contract, source.ecg(record), records.fs, leads.STANDARD_12).inputs
    np.testing.assert_array_equal(got, expected)
  # The same validation record read from its WFDB file, with its leads
  # renamed in lower case and permuted: the same tensor.
  split, row = records.refs[0]
  ecg_id = int(records.data_sources[split][row]["ecg_id"])
  record = files.read_record_file(
      shared_data / f"ptbxl/records100/00000/{ecg_id:05d}_lr.hea")
  order = np.random.default_rng(0).permutation(12)
  got = datasets.corpus("ptbxl").prepare_record(
      contract, record.signal[:, order], record.sampling_rate_hz,
      [record.lead_names[i].lower() for i in order]).inputs[0]
  np.testing.assert_array_equal(got, source[0]["inputs"])


def test_saved_contract_rebuilds_beat_windows_bit_for_bit(trained):
  workdir, _, config = trained["beats_mitdb"]
  contract = contract_lib.load(workdir)
  mitdb = datasets.corpus("mitdb")
  splits = mitdb.load(config.data)
  features = mitdb.WindowFeatures.from_contract(contract)
  source = splits.sources["test"]
  for index in (0, len(source) // 2, len(source) - 1):
    np.testing.assert_array_equal(features(source.window(index)),
                                  source[index]["inputs"])
