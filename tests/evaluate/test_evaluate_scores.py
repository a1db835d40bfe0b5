"""The CPSC2018 official score and the AAMI metrics, computed by hand."""

import numpy as np
import pytest
from sklearn import metrics as skm

from cardiojax.evaluate import aami
from cardiojax.evaluate import cpsc2018_score


def test_cpsc2018_score_by_hand():
  # (predicted, references with the first label first), classes 0..8 in
  # CPSC2018_CLASSES order.
  records = [
      (0, [0]),     # N00
      (1, [1, 7]),  # N11
      (7, [1, 7]),  # matches the second label: N77
      (2, [4]),     # wrong: charged to the first label, N42
      (5, [6, 5]),  # N55
      (6, [5]),     # N56
      (8, [8]),     # N88
      (3, [3]),     # N33
      (4, [4, 2]),  # N44
      (0, [2, 0]),  # N00
      (1, [0]),     # N01
  ]
  predicted = np.array([p for p, _ in records])
  references = np.full((len(records), 3), -1)
  for i, (_, labels) in enumerate(records):
    references[i, :len(labels)] = labels
  confusion = cpsc2018_score.cpsc2018_confusion(predicted, references)
  assert confusion[0, 0] == 2 and confusion[4, 2] == 1 and confusion[5, 6] == 1
  assert confusion.sum() == len(records)

  # F1_k = 2 N_kk / (row_k + column_k):
  # 0: 4/5; 1: 2/3; 2: 0/1; 3: 2/2; 4: 2/3; 5: 2/3; 6: 0/1; 7: 1; 8: 1.
  class_f1 = [0.8, 2 / 3, 0.0, 1.0, 2 / 3, 2 / 3, 0.0, 1.0, 1.0]
  score = cpsc2018_score.cpsc2018_score(predicted, references)
  assert score["F1"] == pytest.approx(5.8 / 9)
  for name, f1 in zip(cpsc2018_score.CPSC2018_CLASSES, class_f1):
    assert score[f"F1/{name}"] == pytest.approx(f1)
  assert score["Faf"] == pytest.approx(2 / 3)
  assert score["Fblock"] == pytest.approx(2 * 2 / (3 + 3))
  assert score["Fpc"] == pytest.approx(2 * 1 / (2 + 2))
  assert score["Fst"] == pytest.approx(1.0)
  # Ragged lists give the same result as the padded array.
  ragged = cpsc2018_score.cpsc2018_score(predicted, [r for _, r in records])
  assert ragged == score


def test_aami_metrics_by_hand():
  # Rows true N, S, V, F, Q; columns predicted.
  confusion = np.array([
      [80, 5, 3, 2, 1],
      [4, 10, 1, 0, 0],
      [2, 1, 20, 2, 0],
      [1, 0, 3, 4, 0],
      [1, 0, 0, 0, 3],
  ])
  labels, predicted = np.nonzero(confusion)
  counts = confusion[labels, predicted]
  labels, predicted = np.repeat(labels, counts), np.repeat(predicted, counts)
  results = aami.aami_metrics(labels, predicted)
  four = confusion[:4, :4]
  assert results["se/S"] == pytest.approx(10 / 15)
  assert results["+p/S"] == pytest.approx(10 / (5 + 10 + 1 + 0))
  assert results["se/V"] == pytest.approx(20 / 25)
  # F beats called V (3) are not V false positives: FP_V = 3 + 1.
  assert results["+p/V"] == pytest.approx(20 / (20 + 4))
  assert aami.aami_metrics(labels, predicted, f_as_v_exempt=False)[
      "+p/V"] == pytest.approx(20 / 27)
  # True-Q beats are left out; the N beat predicted Q counts as a missed N.
  assert results["se/N"] == pytest.approx(80 / 91)
  keep = labels < 4
  kappa = skm.cohen_kappa_score(labels[keep], predicted[keep])
  assert results["kappa"] == pytest.approx(kappa)
  j_index = 10 / 15 + 20 / 25 + 10 / 16 + 20 / 24
  assert results["j_index"] == pytest.approx(j_index)
  assert results["jk_index"] == pytest.approx(0.5 * kappa + j_index / 8)
  assert results["accuracy"] == pytest.approx(np.trace(four) /
                                              confusion[:4].sum())
  np.testing.assert_equal(
      aami.aami_metrics(None, None, confusion=confusion), results)


def test_aami_beats_predicted_q_count_against_their_true_class():
  # 10 true S beats: 5 predicted S, 5 predicted Q (de Chazal et al. 2004
  # leave out beats whose TRUE class is Q, not those predicted Q).
  labels = np.array([1] * 10 + [0] * 20)
  predicted = np.array([1] * 5 + [4] * 5 + [0] * 20)
  results = aami.aami_metrics(labels, predicted)
  assert results["se/S"] == pytest.approx(0.5)
  assert results["+p/S"] == pytest.approx(1.0)
  assert results["accuracy"] == pytest.approx(25 / 30)
  # A true-Q beat, whatever it is predicted, changes nothing.
  with_q = aami.aami_metrics(np.append(labels, 4), np.append(predicted, 1))
  np.testing.assert_equal(with_q, results)
