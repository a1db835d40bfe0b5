"""Host metrics against scikit-learn, on random and degenerate inputs."""

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from cardiojax.evaluate import metrics

K = 4


def _random_case(seed, n=60):
  rng = np.random.default_rng(seed)
  labels = rng.integers(0, K, n)
  predicted = rng.integers(0, K, n)
  return labels, predicted


# (labels, predicted) pairs: random; class 3 absent from the labels; class 3
# absent from both; every prediction the same class.
_CASES = {
    "random": _random_case(0),
    "absent_in_labels": (np.array([0, 1, 2, 0, 1, 2, 0]),
                         np.array([0, 3, 2, 1, 1, 2, 3])),
    "absent_everywhere": (np.array([0, 1, 2, 0, 1, 2, 0]),
                          np.array([0, 0, 2, 1, 1, 2, 2])),
    "constant_prediction": (_random_case(1)[0], np.full(60, 2)),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_label_metrics_equal_sklearn(case):
  labels, predicted = _CASES[case]
  confusion = metrics.confusion_matrix(labels, predicted, K)
  np.testing.assert_array_equal(
      confusion, skm.confusion_matrix(labels, predicted, labels=range(K)))
  assert metrics.accuracy(labels, predicted) == pytest.approx(
      skm.accuracy_score(labels, predicted))
  with warnings.catch_warnings():  # On classes absent from the labels.
    warnings.simplefilter("ignore")
    expected = skm.balanced_accuracy_score(labels, predicted)
  assert metrics.balanced_accuracy(confusion) == pytest.approx(expected)
  prf = metrics.precision_recall_f1(confusion)
  precision, recall, f1, support = skm.precision_recall_fscore_support(
      labels, predicted, labels=range(K), zero_division=0)
  np.testing.assert_allclose(prf["precision"], precision)
  np.testing.assert_allclose(prf["recall"], recall)
  np.testing.assert_allclose(prf["f1"], f1)
  np.testing.assert_array_equal(prf["support"], support)
  assert np.mean(prf["f1"]) == pytest.approx(skm.f1_score(
      labels, predicted, labels=range(K), average="macro", zero_division=0))
  if case != "constant_prediction":  # kappa's p_e is then 1 for sklearn too.
    assert metrics.cohen_kappa(confusion) == pytest.approx(
        skm.cohen_kappa_score(labels, predicted))


# (targets, scores): random; ties (scores rounded); all scores equal.
_rng = np.random.default_rng(2)
_TARGETS = _rng.integers(0, 2, 80)
_RANKING = {
    "random": (_TARGETS, _rng.random(80)),
    "ties": (_TARGETS, np.round(_rng.random(80) + 0.3 * _TARGETS, 1)),
    "all_equal": (_TARGETS, np.full(80, 0.4)),
}


@pytest.mark.parametrize("case", sorted(_RANKING))
def test_ranking_metrics_equal_sklearn(case):
  targets, scores = _RANKING[case]
  assert metrics.auroc(targets, scores) == pytest.approx(
      skm.roc_auc_score(targets, scores))
  assert metrics.auprc(targets, scores) == pytest.approx(
      skm.average_precision_score(targets, scores))
  fpr, tpr, thresholds = metrics.roc_curve(targets, scores)
  sk_fpr, sk_tpr, sk_thresholds = skm.roc_curve(targets, scores,
                                                drop_intermediate=False)
  np.testing.assert_allclose(fpr, sk_fpr)
  np.testing.assert_allclose(tpr, sk_tpr)
  np.testing.assert_allclose(thresholds[1:], sk_thresholds[1:])


def test_ranking_metrics_are_nan_for_a_single_class():
  scores = np.array([0.1, 0.5, 0.9])
  assert np.isnan(metrics.auroc(np.zeros(3), scores))
  assert np.isnan(metrics.auroc(np.ones(3), scores))
  assert np.isnan(metrics.auprc(np.zeros(3), scores))
  assert metrics.auprc(np.ones(3), scores) == pytest.approx(1.0)


def test_single_label_metrics_macro_auroc_is_sklearn_ovr():
  rng = np.random.default_rng(3)
  labels = rng.integers(0, K, 100)
  logits = rng.normal(size=(100, K)) + 1.5 * np.eye(K)[labels]
  probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
  names = ["a", "b", "c", "d"]
  results = metrics.single_label_metrics(labels, probs.argmax(1), probs, names)
  assert results["macro_auroc"] == pytest.approx(
      skm.roc_auc_score(labels, probs, multi_class="ovr", average="macro"))
  assert results["macro_f1"] == pytest.approx(
      skm.f1_score(labels, probs.argmax(1), average="macro"))
  assert results["auprc/c"] == pytest.approx(
      skm.average_precision_score(labels == 2, probs[:, 2]))


def test_multi_label_macro_metrics_leave_out_absent_labels():
  rng = np.random.default_rng(4)
  targets = rng.integers(0, 2, (50, 3))
  targets[:, 1] = 0  # Label 1 has no positives: AUROC and AP undefined.
  scores = np.clip(0.5 * targets + 0.7 * rng.random((50, 3)), 0, 1)
  predicted = (scores >= 0.5).astype(int)
  results = metrics.multi_label_metrics(targets, predicted, scores,
                                        ["x", "y", "z"])
  present = [0, 2]
  assert np.isnan(results["auroc/y"])
  assert results["macro_auroc"] == pytest.approx(skm.roc_auc_score(
      targets[:, present], scores[:, present], average="macro"))
  assert results["macro_auprc"] == pytest.approx(skm.average_precision_score(
      targets[:, present], scores[:, present], average="macro"))
  assert results["macro_f1"] == pytest.approx(skm.f1_score(
      targets, predicted, average="macro", zero_division=0))
  assert results["exact_match_accuracy"] == pytest.approx(
      skm.accuracy_score(targets, predicted))


def test_fmax_by_hand():
  targets = np.array([[1, 0], [0, 1]])
  scores = np.array([[0.9, 0.6], [0.2, 0.4]])
  # t in (0.4, 0.6]: row 0 predicts both (P 1/2, R 1), row 1 nothing (R 0):
  # P = 1/2, R = 1/2, F = 1/2. t in (0.2, 0.4]: P = (1/2 + 1)/2, R = 1, F = 6/7.
  # t in (0.6, 0.9]: P = 1, R = 1/2, F = 2/3.
  assert metrics.fmax(targets, scores) == pytest.approx(6 / 7)


def test_regression_metrics_equal_sklearn_and_scipy():
  rng = np.random.default_rng(5)
  targets = rng.normal(size=(40, 3))
  predictions = targets + 0.3 * rng.normal(size=(40, 3))
  results = metrics.regression_metrics(predictions, targets, ["s0", "s1", "s2"])
  assert results["mae"] == pytest.approx(
      skm.mean_absolute_error(targets, predictions))
  assert results["rmse"] == pytest.approx(
      np.sqrt(skm.mean_squared_error(targets, predictions)))
  r = [stats.pearsonr(predictions[:, k], targets[:, k])[0] for k in range(3)]
  assert results["pearson_r/s1"] == pytest.approx(r[1])
  assert results["pearson_r"] == pytest.approx(np.mean(r))
  assert results["rmse/s2"] == pytest.approx(
      np.sqrt(skm.mean_squared_error(targets[:, 2], predictions[:, 2])))
  constant = metrics.regression_metrics(np.zeros(10), np.arange(10.0))
  assert np.isnan(constant["pearson_r"])


def test_benchmark_decisions_set_the_most_probable_label_when_none_passes():
  scores = np.array([[0.2, 0.4], [0.7, 0.1], [0.5, 0.5]])
  decided = metrics.benchmark_decisions(scores, [0.5, 0.5])
  # Row 2: 0.5 > 0.5 is false for both, so the first maximum is set.
  np.testing.assert_array_equal(decided, [[0, 1], [1, 0], [1, 0]])


def test_challenge_beta_scores_by_hand():
  targets = np.array([[1, 1], [1, 0], [0, 1], [0, 0]])
  decided = np.array([[1, 0], [0, 0], [1, 1], [0, 1]])
  # Weights 1/2, 1, 1, 1 (the unlabelled row counts once).
  # Label 0: TP 1/2 (row 0), FN 1 (row 1), FP 1 (row 2).
  # Label 1: FN 1/2 (row 0), TP 1 (row 2), FP 1 (row 3).
  f0 = 5 * 0.5 / (5 * 0.5 + 1 + 4 * 1)
  f1 = 5 * 1 / (5 * 1 + 1 + 4 * 0.5)
  g0 = 0.5 / (0.5 + 1 + 2 * 1)
  g1 = 1 / (1 + 1 + 2 * 0.5)
  scores = metrics.challenge_beta_scores(targets, decided)
  assert scores["f_beta2_macro"] == pytest.approx((f0 + f1) / 2)
  assert scores["g_beta2_macro"] == pytest.approx((g0 + g1) / 2)


def test_chunked_reductions_equal_the_whole_array_ones(monkeypatch):
  monkeypatch.setattr(metrics, "CHUNK_ELEMENTS", 100)  # 4 rows of 24 a chunk
  rng = np.random.default_rng(8)
  targets = rng.normal(30.0, 5.0, (22, 6, 4)).astype(np.float32)
  predictions = (targets + rng.normal(0, 2, targets.shape)).astype(np.float32)
  predictions[:, 2, 1] = 7.0  # a constant series: r is NaN across examples
  predictions[3, :, 0] = -1.5  # and along time in example 3
  assert len(metrics.row_slices(targets.shape)) == 6
  p64, t64 = predictions.astype(np.float64), targets.astype(np.float64)
  error = p64 - t64
  for axis in (None, 0, 1, (0, 1), (1, 2)):
    means = metrics.error_means(predictions, targets, axis=axis)
    np.testing.assert_allclose(means["bias"], error.mean(axis=axis), rtol=1e-12)
    np.testing.assert_allclose(means["mse"], (error**2).mean(axis=axis), rtol=1e-12)
    np.testing.assert_allclose(means["mae"], np.abs(error).mean(axis=axis), rtol=1e-12)
  across = metrics.pearson_r(predictions, targets, axis=0)  # (6, 4)
  assert np.isnan(across[2, 1]) and np.isnan(across).sum() == 1
  assert across[4, 3] == pytest.approx(
      stats.pearsonr(p64[:, 4, 3], t64[:, 4, 3])[0], rel=1e-9)
  along = metrics.pearson_r(predictions, targets, axis=1)  # (22, 4)
  assert along.shape == (22, 4) and np.isnan(along[3, 0])
  assert along[21, 2] == pytest.approx(
      stats.pearsonr(p64[21, :, 2], t64[21, :, 2])[0], rel=1e-9)
  with pytest.raises(ValueError, match=r"\(22, 6, 4\) and y \(22, 6\)"):
    metrics.pearson_r(predictions, targets[..., 0])


def test_regression_scoring_keeps_temporaries_chunk_sized(monkeypatch):
  monkeypatch.setattr(metrics, "CHUNK_ELEMENTS", 1 << 14)
  rng = np.random.default_rng(9)
  targets = rng.normal(size=(120, 250, 20)).astype(np.float32)  # 2.4 MB
  predictions = (targets + rng.normal(0, 0.5, targets.shape)).astype(np.float32)
  tracemalloc.start()
  results = metrics.regression_metrics(predictions, targets)
  metrics.pearson_r(predictions, targets, axis=1)
  _, peak = tracemalloc.get_traced_memory()
  tracemalloc.stop()
  # A float64 copy of one input alone is 2x its bytes; the chunks are 128 kB.
  assert peak < 0.5 * targets.nbytes, (peak, targets.nbytes)
  assert results["rmse"] == pytest.approx(
      np.sqrt(np.mean((predictions.astype(np.float64) - targets) ** 2)), rel=1e-9)
