"""Classification heads: loss, predictions, metrics, baselines, config."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics as skm

from cardiojax import tasks
from cardiojax.evaluate import cpsc2018_score
from cardiojax.tasks import classification
from cardiojax.tasks import losses


def test_make_task_builds_every_head():
  configs = {
      "binary": {},
      "multi_class": {"class_names": ["N", "S", "V", "F"]},
      "multi_label": {"class_names": ["a", "b"], "pos_weight": [1.0, 2.0]},
      "regression": {},
      "dense_regression": {},
      "scalar_regression": {"weighting": "inverse_frequency"},
      "lead_reconstruction": {"input_leads": ["I", "II"]},
  }
  for name, fields in configs.items():
    task = tasks.make_task({"name": name, **fields})
    assert type(task).__name__ in tasks.TASKS[name]
    hash(task)  # Static under jit.
  aami_task = tasks.make_task({"name": "multi_class", **configs["multi_class"]},
                              metric_names=["aami"])
  assert aami_task.metric_names == ("aami",)
  hash(aami_task)
  with pytest.raises(ValueError, match="loss_name"):
    classification.BinaryClassification(loss_name="hinge")
  with pytest.raises(ValueError, match="threshold_method"):
    classification.MultiLabelClassification(threshold_method="accuracy")
  with pytest.raises(ValueError, match="aami.*in the order"):
    classification.MultiClassClassification(class_names=("a", "b"),
                                            metric_names=("aami",))
  with pytest.raises(ValueError, match=r"config.eval.metrics: unknown .*'aami'"):
    tasks.make_task({"name": "binary"}, metric_names=("amai",))
  with pytest.raises(ValueError, match="aami.*softmax"):
    tasks.make_task({"name": "multi_label", "class_names": ["N", "S"]},
                    metric_names=("aami",))


def test_binary_loss_masks_and_weights():
  task = classification.BinaryClassification(class_weights=(1.0, 3.0))
  outputs = jnp.array([[0.0], [2.0], [50.0]])
  targets = jnp.array([1, 0, 0])
  mask = jnp.array([1.0, 1.0, 0.0])  # The padded example would cost ~50.
  expected = (3 * np.log(2) + np.log1p(np.exp(2.0))) / 2
  assert jax.jit(task.loss)(outputs, targets, mask) == pytest.approx(
      expected, rel=1e-5)
  fitted = classification.BinaryClassification(class_weights="balanced").fit(
      np.array([0, 0, 0, 1]))
  assert fitted.class_weights == pytest.approx((4 / 6, 4 / 2))
  with pytest.raises(ValueError, match="fit"):
    classification.BinaryClassification(class_weights="balanced").loss(
        outputs, targets, mask)


def test_binary_metrics_equal_sklearn_and_baseline():
  rng = np.random.default_rng(0)
  targets = rng.integers(0, 2, 50)
  probs = np.clip(0.4 * targets + 0.6 * rng.random(50), 0, 1)
  task = classification.BinaryClassification(class_names=("normal", "mi"))
  results = task.metrics(probs, targets)
  assert results["f1"] == pytest.approx(skm.f1_score(targets, probs >= 0.5))
  assert results["auroc"] == pytest.approx(skm.roc_auc_score(targets, probs))
  assert results["balanced_accuracy"] == pytest.approx(
      skm.balanced_accuracy_score(targets, probs >= 0.5))
  assert results["f1/normal"] == pytest.approx(
      skm.f1_score(1 - targets, probs < 0.5))
  baseline = task.naive_predictions(np.array([0, 1, 1, 1]), 50)
  assert baseline.shape == (50,) and np.all(baseline == 0.75)
  assert task.metrics(baseline, targets)["auroc"] == 0.5
  predictions = task.predict(jnp.array([[0.0], [np.log(3.0)]]))
  np.testing.assert_allclose(predictions, [0.5, 0.75], rtol=1e-6)


def test_multi_class_loss_focal_and_metrics():
  rng = np.random.default_rng(1)
  logits = jnp.asarray(rng.normal(size=(6, 4)), jnp.float32)
  labels = jnp.array([0, 1, 2, 3, 0, 1])
  mask = jnp.array([1, 1, 1, 1, 0, 0], jnp.float32)
  names = ("N", "S", "V", "F")
  ce = classification.MultiClassClassification(class_names=names)
  focal0 = classification.MultiClassClassification(
      class_names=names, loss_name="focal", focal_gamma=0.0)
  per_example = losses.softmax_cross_entropy(logits, labels)
  assert ce.loss(logits, labels, mask) == pytest.approx(
      float(per_example[:4].mean()), rel=1e-6)
  assert focal0.loss(logits, labels, mask) == pytest.approx(
      float(ce.loss(logits, labels, mask)), rel=1e-6)
  balanced = classification.MultiClassClassification(
      class_names=names, class_weights="balanced").fit(np.array([0, 0, 0, 1]))
  assert balanced.class_weights == (4 / 12, 4 / 4, 1.0, 1.0)

  probs = np.asarray(ce.predict(logits))
  np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
  aami_task = classification.MultiClassClassification(class_names=names,
                                                      metric_names=("aami",))
  results = aami_task.metrics(probs, np.asarray(labels))
  assert results["macro_f1"] == pytest.approx(skm.f1_score(
      labels, probs.argmax(1), labels=range(4), average="macro",
      zero_division=0))
  assert "aami/jk_index" in results and "aami/se/S" in results
  assert "aami/jk_index" not in ce.metrics(probs, np.asarray(labels))
  np.testing.assert_array_equal(ce.decide(probs), probs.argmax(1))
  baseline = ce.naive_predictions(np.array([2, 2, 1]), 3)
  np.testing.assert_allclose(baseline, [[0, 1 / 3, 2 / 3, 0]] * 3, rtol=1e-6)


def test_multi_label_label_lists_and_cpsc2018():
  names = cpsc2018_score.CPSC2018_CLASSES
  task = classification.MultiLabelClassification(
      class_names=names, label_lists=True, metric_names=("cpsc2018",))
  label_lists = np.array([[1, 7, -1], [0, -1, -1], [4, 2, -1]])
  multi_hot = np.zeros((3, 9), np.float32)
  multi_hot[[0, 0, 1, 2, 2], [1, 7, 0, 4, 2]] = 1
  np.testing.assert_array_equal(task.multi_hot(label_lists), multi_hot)
  np.testing.assert_array_equal(task.multi_hot(jnp.asarray(label_lists)),
                                multi_hot)
  logits = jnp.asarray(np.random.default_rng(2).normal(size=(3, 9)),
                       jnp.float32)
  plain = classification.MultiLabelClassification(class_names=names)
  mask = jnp.ones(3)
  assert task.loss(logits, jnp.asarray(label_lists), mask) == pytest.approx(
      float(plain.loss(logits, jnp.asarray(multi_hot), mask)), rel=1e-6)
  probs = np.eye(9)[[7, 0, 3]] * 0.9 + 0.05  # argmax: STD, Normal, LBBB.
  results = task.metrics(probs, label_lists)
  official = cpsc2018_score.cpsc2018_score(np.array([7, 0, 3]), label_lists)
  assert results["cpsc2018/F1"] == pytest.approx(official["F1"], nan_ok=True)
  assert results["f1/STD"] == 1.0 and results["recall/AF"] == 0.0
  with pytest.raises(ValueError, match="cpsc2018.*label_lists"):
    classification.MultiLabelClassification(class_names=names,
                                            metric_names=("cpsc2018",))


def test_multi_label_pos_weight_and_baseline():
  train = np.array([[1, 0], [0, 0], [0, 1], [0, 1]])
  task = classification.MultiLabelClassification(
      class_names=("a", "b"), pos_weight="balanced").fit(train)
  assert task.pos_weight == (3.0, 1.0)
  outputs = jnp.zeros((2, 2))
  targets = jnp.array([[1.0, 0.0], [0.0, 1.0]])
  # Label a: positive (3 log 2) and negative (log 2); b: log 2 each.
  assert task.loss(outputs, targets, jnp.ones(2)) == pytest.approx(
      (3 + 1 + 1 + 1) * np.log(2) / 4, rel=1e-6)
  baseline = task.naive_predictions(train, 2)
  np.testing.assert_allclose(baseline, [[0.25, 0.5]] * 2)
