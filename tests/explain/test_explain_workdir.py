"""--mode=explain on trained smoke runs: what is drawn is the record in mV.

Two smoke runs are trained once: PTB-XL (multi-label, standardised inputs)
and MIT-BIH beats (a single-sigmoid binary model). Every figure that explain
saves is caught as it is saved, and its line data read back.
"""

import pathlib

import matplotlib.figure
import numpy as np
import pytest
import wfdb

from cardiojax import datasets
from cardiojax import predictor
from cardiojax.explain import attributions
from cardiojax.input import contract as contract_lib
from cardiojax.input import sources
from cardiojax.modes import explain as explain_mode
from cardiojax.signal import leads

RUNS = ("ptbxl", "beats_mitdb")
METHODS = ("gradient", "gradient_x_input", "smoothgrad", "integrated_gradients",
           "occlusion", "grad_cam")


@pytest.fixture(scope="module")
def runs(smoke_runs):
  """name -> (config with quick explain settings, workdir) of a smoke run."""
  trained = {}
  for name in RUNS:
    config = smoke_runs.config(name)
    config.explain.ig_steps = 4
    config.explain.smoothgrad_samples = 2
    config.explain.max_importance_examples = 2
    trained[name] = (config, smoke_runs.workdir(name))
  return trained


@pytest.fixture
def saved(monkeypatch):
  """PNG file name -> the matplotlib figure saved under it."""
  figures = {}
  original = matplotlib.figure.Figure.savefig

  def savefig(fig, path, *args, **kwargs):
    figures[pathlib.Path(path).name] = fig
    return original(fig, path, *args, **kwargs)

  monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
  return figures


def test_ptbxl_record_is_drawn_in_mv_on_ecg_paper(runs, shared_data, saved):
  config, workdir = runs["ptbxl"]
  config = config.copy_and_resolve_references()
  config.explain.max_importance_examples = 1  # the first 2.5 s window
  path = shared_data / "ptbxl/records100/00000/00001_lr"
  summary = explain_mode.explain_workdir(config, workdir, input_path=f"{path}.hea")
  record = wfdb.rdrecord(str(path))
  assert [n.lower() for n in record.sig_name] == [n.lower() for n in leads.STANDARD_12]
  assert record.fs == 100
  contract = contract_lib.load(workdir)
  assert contract.sampling_rate_hz == 100
  window, stride = contract.window_samples, contract.window_policy["stride"]
  offset, scale = (np.asarray(contract.normalizer[k]) for k in ("offset", "scale"))
  class_names = ("CD", "HYP", "MI", "NORM", "STTC")
  assert len(summary["records"]) == 1
  for explained in summary["records"]:
    index = explained["index"]
    raw = record.p_signal[index * stride:index * stride + window]  # mV
    arrays = np.load(workdir / f"explain/records/{index:05d}.npz")
    np.testing.assert_allclose(arrays["inputs"], (raw - offset) / scale, atol=1e-4)  # z
    assert str(arrays["signal_units"]) == "mV"
    np.testing.assert_allclose(arrays["signal"], raw, atol=1e-5)
    centred = raw - np.median(raw, axis=0)
    for method in METHODS:
      fig = saved[f"{index:05d}_{method}.png"]
      title = fig.get_suptitle()
      assert title.startswith(
          f"record 00001_lr, window {index + 1} of 7 ({index * stride / 100:.2f}-"
          f"{(index * stride + window) / 100:.2f} s)"), title
      assert (f"explained: {class_names[explained['explained_class']]} (p = ") in title
      papers = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
      assert len(papers) == 2  # 6 x 2: limb and chest leads over the 2.5 s window
      assert all(ax.get_aspect() == 0.4 for ax in papers)  # 25 mm/s and 10 mm/mV
      traces = [line for ax in papers for line in ax.get_lines()
                if line.get_label() in leads.STANDARD_12]
      assert sorted(line.get_label() for line in traces) == sorted(leads.STANDARD_12)
      for line in traces:
        lead = leads.STANDARD_12.index(line.get_label())
        samples = np.rint(line.get_xdata() * 100).astype(int)
        np.testing.assert_array_equal(samples, np.arange(window))
        baseline = line.get_ydata() - centred[:, lead]  # the row's only
        np.testing.assert_allclose(baseline, baseline[0], atol=1e-5)
        assert baseline[0] == pytest.approx(-3.0 * (lead % 6), abs=1e-5)
  table = (workdir / "explain/lead_importance.md").read_text()
  assert "agreement with the model's own decisions drop when flattened" in table


def test_corpus_examples_are_named_by_their_record(runs):
  config, _ = runs["ptbxl"]
  splits = datasets.corpus("ptbxl").load(config.data)
  source = splits.sources["test"]
  describe = explain_mode.corpus_describer(source, "test", splits.contract)
  record = int(source.window_record[3])
  split, row = source.records.refs[record]
  ecg_id = int(source.records.data_sources[split][row]["ecg_id"])
  start = source.window_start[3] / 100
  assert describe(3) == (f"ptbxl ecg_id {ecg_id}, window {start:.1f}-{start + 2.5:.1f} s "
                         f"(test example 3)")
  arrays = sources.ArraySource({"inputs": np.zeros((2, 250, 12), np.float32),
                                "targets": np.zeros(2)})
  assert explain_mode.corpus_describer(arrays, "test", splits.contract)(1) == (
      "ptbxl test example 1 (no record id in the source)")


def test_single_sigmoid_beat_model_explains_each_decided_class(runs, shared_data, saved):
  config, workdir = runs["beats_mitdb"]
  assert config.task.name == "binary" and config.model.num_outputs == 1
  summary = explain_mode.explain_workdir(config, workdir,
                                         input_path=str(shared_data / "mitdb/100.hea"))
  model = predictor.Predictor(workdir, config)
  thresholds = model.contract.thresholds
  for record in summary["records"]:
    arrays = np.load(workdir / f"explain/records/{record['index']:05d}.npz")
    for method in METHODS:
      assert np.all(np.isfinite(arrays[method])), method
    assert str(arrays["signal_units"]) == "mV"
    probability = float(arrays["predictions"])
    decided = int(probability >= (0.5 if thresholds is None else thresholds[0]))
    assert record["explained_class"] == decided
    logit_gradient = attributions.gradient(model.experiment.model, model.state.variables,
                                           arrays["inputs"][None])[0]
    sign = 1.0 if decided else -1.0  # the evidence for the decided class
    np.testing.assert_allclose(arrays["gradient"], sign * np.asarray(logit_gradient),
                               rtol=1e-4, atol=1e-6)
    title = saved[f"{record['index']:05d}_occlusion.png"].axes[0].get_title()  # one paper
    assert title.startswith(f"record 100, beat {record['index'] + 1} of ")
    assert (f"explained: {('normal', 'abnormal')[decided]} (p(abnormal) = "
            f"{probability:.2f}") in title
  (row,) = summary["lead_importance"]
  assert row["lead"] == "MLII" and row["mass"] == pytest.approx(1.0)
  assert 0.0 <= row["drop"] <= 1.0  # the model agrees with itself on the intact beats
