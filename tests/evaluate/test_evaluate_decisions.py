"""Decisions from probabilities, by hand, and their users in tasks and explain."""

import dataclasses
import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cardiojax.evaluate import decisions
from cardiojax.evaluate import thresholds
from cardiojax.explain import lead_importance
from cardiojax.explain import run as explain_run
from cardiojax.tasks import classification


def test_binary_decisions_at_a_threshold():
  probs = np.array([0.1, 0.3, 0.29, 0.8])
  np.testing.assert_array_equal(decisions.binary_decisions(probs, 0.3),
                                [0, 1, 0, 1])  # >= 0.3 is positive.
  np.testing.assert_array_equal(decisions.binary_decisions(probs), [0, 0, 0, 1])
  # A binary task's fitted thresholds are a 1-tuple; fit_thresholds gives 0-d.
  np.testing.assert_array_equal(decisions.binary_decisions(probs, (0.3,)),
                                [0, 1, 0, 1])
  np.testing.assert_array_equal(
      decisions.binary_decisions(probs, np.asarray(0.3)), [0, 1, 0, 1])
  assert decisions.binary_decisions(probs, 0.3).dtype == np.int64
  with pytest.raises(ValueError, match="one threshold"):
    decisions.binary_decisions(probs, (0.3, 0.4))
  with pytest.raises(ValueError, match=r"\(N,\)"):
    decisions.binary_decisions(probs[:, None])


def test_softmax_decisions_are_the_argmax():
  probs = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.4, 0.4, 0.2]])
  np.testing.assert_array_equal(decisions.softmax_decisions(probs), [1, 0, 0])
  with pytest.raises(ValueError, match=r"\(N, K\)"):
    decisions.softmax_decisions(probs[0])


def test_multi_label_decisions_at_per_class_thresholds():
  probs = np.array([[0.3, 0.69], [0.29, 0.7], [0.9, 0.1]])
  np.testing.assert_array_equal(
      decisions.multi_label_decisions(probs, (0.3, 0.7)),
      [[1, 0], [0, 1], [1, 0]])
  np.testing.assert_array_equal(decisions.multi_label_decisions(probs),
                                [[0, 1], [0, 1], [1, 0]])  # 0.5 each.
  np.testing.assert_array_equal(decisions.multi_label_decisions(probs, 0.2),
                                [[1, 1], [1, 1], [1, 0]])
  with pytest.raises(ValueError, match="1 or 2 thresholds"):
    decisions.multi_label_decisions(probs, (0.3, 0.5, 0.7))


def test_decide_dispatches_on_shape_and_multi_label():
  binary = np.array([0.2, 0.6])
  scores = np.array([[0.45, 0.55], [0.6, 0.4]])
  np.testing.assert_array_equal(decisions.decide(binary, 0.1), [1, 1])
  np.testing.assert_array_equal(decisions.decide(scores), [1, 0])
  np.testing.assert_array_equal(
      decisions.decide(scores, (0.5, 0.4), multi_label=True), [[0, 1], [1, 1]])
  with pytest.raises(ValueError, match="argmax"):
    decisions.decide(scores, (0.5, 0.4))
  with pytest.raises(ValueError, match="cannot decide"):
    decisions.decide(np.zeros((2, 3, 4)))
  with pytest.raises(ValueError, match="cannot decide"):
    decisions.decide(binary, multi_label=True)
  # apply_thresholds is the thresholded kinds.
  np.testing.assert_array_equal(thresholds.apply_thresholds(binary, 0.6), [0, 1])
  np.testing.assert_array_equal(
      thresholds.apply_thresholds(scores, np.array([0.5, 0.4])), [[0, 1], [1, 1]])


def test_heads_decide_at_their_fitted_thresholds():
  binary = classification.BinaryClassification(thresholds=(0.3,))
  np.testing.assert_array_equal(binary.decide(np.array([0.29, 0.3])), [0, 1])
  multi = classification.MultiLabelClassification(class_names=("a", "b"),
                                                   thresholds=(0.3, 0.7))
  np.testing.assert_array_equal(multi.decide(np.array([[0.3, 0.69]])), [[1, 0]])
  softmax = classification.MultiClassClassification(class_names=("a", "b"))
  np.testing.assert_array_equal(softmax.decide(np.array([[0.3, 0.7]])), [1])


# Users of the decisions in explain: `correct` and `predicted_classes`.


def test_explain_correct_uses_the_task_thresholds():
  probs = np.array([0.35, 0.2, 0.6, 0.4])
  targets = np.array([1, 0, 1, 0])
  # At 0.3 the decisions are 1, 0, 1, 1; at 0.5 they are 0, 0, 1, 0.
  np.testing.assert_array_equal(explain_run.correct(probs, targets, (0.3,)),
                                [True, True, True, False])
  np.testing.assert_array_equal(explain_run.correct(probs, targets),
                                [False, True, True, True])
  assert explain_run.accuracy(probs, targets, thresholds=(0.3,)) == 0.75
  multi = np.array([[0.4, 0.6], [0.2, 0.8]])
  multi_hot = np.array([[1, 0], [0, 1]])
  np.testing.assert_array_equal(
      explain_run.correct(multi, multi_hot, (0.3, 0.7)), [True, True])
  np.testing.assert_array_equal(explain_run.correct(multi, multi_hot),
                                [False, True])
  chosen = explain_run.select_records(probs, targets, num_confident=1,
                                      num_misclassified=1, thresholds=(0.3,))
  assert chosen == [(2, "most confident"), (3, "misclassified")]


def test_predicted_classes_of_single_output_binary_probabilities():
  probs = np.random.default_rng(0).random(2267).astype(np.float32)
  classes = lead_importance.predicted_classes(probs)
  np.testing.assert_array_equal(classes, (probs >= 0.5).astype(int))
  np.testing.assert_array_equal(
      lead_importance.predicted_classes(np.array([0.2, 0.35]), (0.3,)), [0, 1])
  np.testing.assert_array_equal(
      lead_importance.predicted_classes(np.array([[0.2, 0.8], [0.7, 0.3]])), [1, 0])
  np.testing.assert_array_equal(lead_importance.predicted_classes(np.array([2, 0])),
                                [2, 0])


class FirstLeadLogit(nn.Module):
  """One logit from the first lead: a single-output binary model."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    h = x[..., :1].mean(axis=1)
    return nn.Dense(1)(h), {"pooled": h}


@dataclasses.dataclass(frozen=True)
class SigmoidTask:
  thresholds: tuple = (0.5,)

  def predict(self, outputs):
    return jax.nn.sigmoid(outputs.reshape(outputs.shape[0]))


def test_lead_importance_of_a_single_output_binary_model():
  rng = np.random.default_rng(1)
  inputs = rng.standard_normal((6, 20, 3)).astype(np.float32)
  source = [{"inputs": x, "targets": np.int64(x[:, 0].mean() > 0)} for x in inputs]
  model = FirstLeadLogit()
  variables = model.init(jax.random.key(0), jnp.asarray(inputs[:1]), train=False)
  task = SigmoidTask()
  mass, drop = lead_importance.lead_importance(
      model, variables, task.predict, source, np.arange(6),
      metric_fn=functools.partial(explain_run.accuracy, thresholds=task.thresholds),
      batch_size=4, thresholds=task.thresholds)
  assert np.all(np.isfinite(mass)) and np.all(np.isfinite(drop))
  np.testing.assert_allclose(mass, [1.0, 0.0, 0.0], atol=1e-6)  # Only lead 0 is read.
  np.testing.assert_allclose(drop[1:], 0.0)
