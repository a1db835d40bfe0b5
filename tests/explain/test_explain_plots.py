"""Plots on real recordings: a PTB-XL 12-lead record and a MIT-BIH beat."""

import jax
import numpy as np
import pytest
import wfdb

from cardiojax.explain import attributions
from cardiojax.explain import lead_importance
from cardiojax.explain import plots
from cardiojax.models import MODELS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def model():
  """A narrow untrained ResNet-18: attributions exercise the plots, not a diagnosis."""
  model = MODELS["resnet18"](num_outputs=2, features=(8, 8, 8, 8), kernel_size=5)
  return model


def _attribution(model, signal):
  x = signal[None].astype(np.float32)
  variables = model.init(jax.random.key(0), x, train=False)
  return np.asarray(attributions.gradient_x_input(model, variables, x, 1))[0]


def _is_png(path, min_bytes):
  data = path.read_bytes()
  return data[:8] == PNG_MAGIC and len(data) > min_bytes


def test_12_lead_plot_of_a_ptbxl_record(shared_data, model, tmp_path):
  signal, fields = wfdb.rdsamp(str(shared_data / "ptbxl/records500/00000/00001_hr"))
  assert signal.shape == (5000, 12) and fields["fs"] == 500
  attr = _attribution(model, signal)
  path = plots.plot_ecg_12lead(signal, fields["fs"], tmp_path / "ptbxl_00001.png",
                               attribution=attr, title="PTB-XL 00001, gradient x input")
  assert _is_png(path, 50_000)
  assert _is_png(plots.plot_ecg_12lead(signal, 500, tmp_path / "plain.png"), 50_000)
  with pytest.raises(ValueError, match="12"):
    plots.plot_ecg_12lead(signal[:, :2], 500, tmp_path / "bad.png")


def test_beat_plot_of_a_mitbih_beat(shared_data, model, tmp_path):
  record = str(shared_data / "mitdb/100")
  signal, fields = wfdb.rdsamp(record)
  annotation = wfdb.rdann(record, "atr")
  r_peak = annotation.sample[annotation.symbol.index("V")]
  before, after = int(0.25 * fields["fs"]), int(0.45 * fields["fs"])
  beat = signal[r_peak - before:r_peak + after]
  attr = _attribution(model, beat)
  path = plots.plot_beat(beat, fields["fs"], tmp_path / "mitdb_100_V.png", attribution=attr,
                         lead_names=fields["sig_name"], onset_s=-0.25,
                         title="MIT-BIH 100, V beat, gradient x input")
  assert _is_png(path, 20_000)
  single = plots.plot_beat(beat[:, 0], fields["fs"], tmp_path / "single.png",
                           attribution=attr[:, 0])
  assert _is_png(single, 10_000)


def test_lead_importance_bars(tmp_path):
  names = ("I", "II", "V5")
  rows = lead_importance.ranked_table(names, np.array([0.2, 0.3, 0.5]),
                                      np.array([0.01, -0.02, 0.10]))
  assert [r["lead"] for r in rows] == ["V5", "II", "I"]
  assert [r["drop_rank"] for r in rows] == [1, 3, 2]
  assert _is_png(plots.plot_lead_importance(rows, tmp_path / "bars.png"), 5_000)


def test_inputs_that_are_not_mv_are_labelled_with_their_unit(tmp_path):
  rng = np.random.default_rng(0)
  spectrum = rng.standard_normal((87, 33))
  units = "log STFT magnitude of the window, standard-normalised"
  path = plots.plot_channels(spectrum, tmp_path / "stft.png", units=units,
                             attribution=np.abs(spectrum), title="beat 1, STFT input")
  assert _is_png(path, 20_000)
  beat = rng.random(187)  # a Kachuee beat: unitless, min-max scaled
  path = plots.plot_channels(beat, tmp_path / "kachuee.png", units="unitless, [0, 1]",
                             attribution=beat, channel_names=["MLII"], sample_rate=125)
  assert _is_png(path, 10_000)
