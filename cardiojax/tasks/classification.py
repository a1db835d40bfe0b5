"""Classification heads: binary, multi-class (single label) and multi-label.

Outputs are raw logits; `predict` turns them into probabilities, and the host
`metrics` take those probabilities. Statistics that must come from the
training split (balanced class weights) are filled in by `fit(train_targets)`;
decision thresholds of the binary and multi-label heads are chosen on the
validation split by `with_thresholds(val_probs, val_targets)` and then used
unchanged on every split; `decide(probs)` turns probabilities into decisions
at those thresholds (`cardiojax.evaluate.decisions`), for the metrics and for
any caller. Corpus metrics asked for by name in `config.eval.metrics` (e.g.
'aami', 'cpsc2018'; `cardiojax.evaluate.named_metrics`) are given to the heads
as `metric_names` and added under '<name>/'.
"""

import dataclasses
from typing import Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from cardiojax.evaluate import decisions as decisions_lib
from cardiojax.evaluate import metrics as metrics_lib
from cardiojax.evaluate import named_metrics
from cardiojax.evaluate import thresholds as thresholds_lib
from cardiojax.tasks import losses

BALANCED = "balanced"
_LOSSES = ("ce", "focal")


def _as_tuple(value):
  """Lists from configs become tuples, so the task stays hashable."""
  if value is None or isinstance(value, str):
    return value
  return tuple(float(v) for v in np.ravel(value))


def _freeze(task, *names):
  for name in names:
    object.__setattr__(task, name, _as_tuple(getattr(task, name)))


def _check(task, *names):
  """Fails where a training statistic was asked for but not fitted."""
  for name in names:
    if getattr(task, name) == BALANCED:
      raise ValueError(f"task.{name} is {BALANCED!r}: call "
                       "task.fit(train_targets) before the loss")


def _check_loss(loss_name):
  if loss_name not in _LOSSES:
    raise ValueError(f"task.loss_name: expected one of {_LOSSES}, "
                     f"got {loss_name!r}")


def _check_threshold_method(method):
  if method not in thresholds_lib.METHODS:
    raise ValueError(f"task.threshold_method: expected one of "
                     f"{thresholds_lib.METHODS}, got {method!r}")


def _balanced(counts: np.ndarray) -> tuple[float, ...]:
  """N / (K n_k) per class (scikit-learn's 'balanced'); 1 for absent ones."""
  counts = np.asarray(counts, np.float64)
  weights = np.divide(counts.sum(), len(counts) * counts,
                      out=np.ones_like(counts), where=counts > 0)
  return tuple(float(w) for w in weights)


def _smooth(targets, label_smoothing):
  """Binary targets pulled towards 1/2: y (1 - eps) + eps / 2."""
  return targets * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _thresholds(task, probs, targets):
  """A copy of `task` with thresholds fitted on (validation) data."""
  fitted = thresholds_lib.fit_thresholds(probs, targets, task.threshold_method)
  return dataclasses.replace(task, thresholds=_as_tuple(fitted))


@dataclasses.dataclass(frozen=True)
class BinaryClassification:
  """One logit per example; targets (B,) in {0, 1}.

  Attributes:
    class_names: (negative, positive) names, for the report.
    loss_name: 'ce' (binary cross-entropy) or 'focal'.
    class_weights: (w_negative, w_positive), 'balanced' (from training
      targets, see `fit`) or None.
    label_smoothing: eps; targets become y (1 - eps) + eps / 2.
    focal_gamma: focusing parameter of the focal loss.
    focal_alpha: weight of positives in the focal loss, or None.
    threshold_method: 'f1' or 'youden', used by `with_thresholds`.
    thresholds: the fitted decision threshold (1-tuple); None means 0.5.
    metric_names: named corpus metrics (`config.eval.metrics`); none applies
      to binary outputs yet.
  """
  class_names: Sequence[str] = ("negative", "positive")
  loss_name: str = "ce"
  class_weights: Optional[Sequence[float] | str] = None
  label_smoothing: float = 0.0
  focal_gamma: float = 2.0
  focal_alpha: Optional[float] = None
  threshold_method: str = "f1"
  thresholds: Optional[Sequence[float]] = None
  metric_names: Sequence[str] = ()

  def __post_init__(self):
    _check_loss(self.loss_name)
    _check_threshold_method(self.threshold_method)
    object.__setattr__(self, "class_names", tuple(self.class_names))
    _freeze(self, "class_weights", "thresholds")
    object.__setattr__(self, "metric_names", named_metrics.check(
        self.metric_names, "binary", self.class_names))

  def fit(self, train_targets: np.ndarray) -> "BinaryClassification":
    """Resolves 'balanced' class weights from the training targets (N,)."""
    if self.class_weights != BALANCED:
      return self
    counts = np.bincount(np.asarray(train_targets, np.int64), minlength=2)
    return dataclasses.replace(self, class_weights=_balanced(counts))

  def with_thresholds(self, val_probs, val_targets) -> "BinaryClassification":
    """Copy with the threshold chosen on validation probabilities (N,)."""
    return _thresholds(self, val_probs, val_targets)

  def loss(self, outputs, targets, mask):
    _check(self, "class_weights")
    logits = outputs.reshape(outputs.shape[0])
    targets = targets.astype(jnp.float32)
    smoothed = _smooth(targets, self.label_smoothing)
    if self.loss_name == "ce":
      per_example = losses.sigmoid_binary_cross_entropy(logits, smoothed)
    else:
      per_example = losses.sigmoid_focal_loss(
          logits, smoothed, self.focal_gamma, self.focal_alpha)
    if self.class_weights is not None:
      w_negative, w_positive = self.class_weights
      per_example *= jnp.where(targets > 0.5, w_positive, w_negative)
    return losses.masked_mean(per_example, mask)

  def predict(self, outputs):
    """(B,) probability of the positive class."""
    return jax.nn.sigmoid(outputs.reshape(outputs.shape[0]).astype(jnp.float32))

  def decide(self, probs):
    """(N,) int classes from (N,) probabilities, at the fitted threshold."""
    return decisions_lib.binary_decisions(probs, self.thresholds)

  def metrics(self, predictions, targets):
    """Metrics of both classes, plus the positive class's own ones.

    Adds precision, recall (sensitivity), specificity, f1, auroc and auprc of
    the positive class, at the fitted threshold (0.5 before fitting).
    """
    probs = np.asarray(predictions, np.float64)
    labels = np.asarray(targets, np.int64)
    predicted = self.decide(probs)
    results = metrics_lib.single_label_metrics(
        labels, predicted, np.stack([1.0 - probs, probs], axis=1),
        self.class_names)
    positive = self.class_names[1]
    for key in ("precision", "recall", "f1", "auroc", "auprc"):
      results[key] = results[f"{key}/{positive}"]
    results["specificity"] = results[f"recall/{self.class_names[0]}"]
    results.update(named_metrics.compute(self.metric_names, probs, targets,
                                         predicted, self.class_names))
    return results

  def naive_predictions(self, train_targets, num_examples):
    """The training prevalence of the positive class for every example."""
    prior = float(np.mean(np.asarray(train_targets, np.float64)))
    return np.full((num_examples,), prior, np.float32)


@dataclasses.dataclass(frozen=True)
class MultiClassClassification:
  """K logits per example; targets (B,) int in [0, K); one class each.

  Attributes:
    class_names: the K class names.
    loss_name: 'ce' (softmax cross-entropy) or 'focal'.
    class_weights: (K,) weights of the true classes, 'balanced' or None.
    label_smoothing: eps of the smoothed one-hot targets.
    focal_gamma: focusing parameter of the focal loss.
    metric_names: named corpus metrics (`config.eval.metrics`), e.g. 'aami'
      for AAMI EC57 Se/+P per class and jκ under 'aami/' (classes must be
      N, S, V, F[, Q] in that order).
  """
  class_names: Sequence[str] = ()
  loss_name: str = "ce"
  class_weights: Optional[Sequence[float] | str] = None
  label_smoothing: float = 0.0
  focal_gamma: float = 2.0
  metric_names: Sequence[str] = ()

  def __post_init__(self):
    _check_loss(self.loss_name)
    object.__setattr__(self, "class_names", tuple(self.class_names))
    _freeze(self, "class_weights")
    object.__setattr__(self, "metric_names", named_metrics.check(
        self.metric_names, "softmax", self.class_names))

  def fit(self, train_targets: np.ndarray) -> "MultiClassClassification":
    """Resolves 'balanced' class weights from the training labels (N,)."""
    if self.class_weights != BALANCED:
      return self
    counts = np.bincount(np.asarray(train_targets, np.int64),
                         minlength=len(self.class_names))
    return dataclasses.replace(self, class_weights=_balanced(counts))

  def loss(self, outputs, targets, mask):
    _check(self, "class_weights")
    labels = targets.astype(jnp.int32)
    if self.loss_name == "ce":
      per_example = losses.softmax_cross_entropy(
          outputs, labels, self.class_weights, self.label_smoothing)
    else:
      per_example = losses.softmax_focal_loss(
          outputs, labels, self.focal_gamma, self.class_weights,
          self.label_smoothing)
    return losses.masked_mean(per_example, mask)

  def predict(self, outputs):
    """(B, K) class probabilities."""
    return jax.nn.softmax(outputs.astype(jnp.float32), axis=-1)

  def decide(self, probs):
    """(N,) int classes from (N, K) probabilities: the argmax."""
    return decisions_lib.softmax_decisions(probs)

  def metrics(self, predictions, targets):
    """Single-label metrics of the argmax class, plus the named metrics."""
    probs = np.asarray(predictions, np.float64)
    labels = np.asarray(targets, np.int64)
    predicted = self.decide(probs)
    results = metrics_lib.single_label_metrics(labels, predicted, probs,
                                               self.class_names)
    results.update(named_metrics.compute(self.metric_names, probs, targets,
                                         predicted, self.class_names))
    return results

  def naive_predictions(self, train_targets, num_examples):
    """The training class frequencies for every example (argmax: majority)."""
    counts = np.bincount(np.asarray(train_targets, np.int64),
                         minlength=len(self.class_names))
    prior = counts / counts.sum()
    return np.tile(prior.astype(np.float32), (num_examples, 1))


@dataclasses.dataclass(frozen=True)
class MultiLabelClassification:
  """K logits per example, each label its own binary problem.

  Targets are (B, K) multi-hot, or with `label_lists` (B, M) int class lists
  padded with -1 whose first entry is the primary label (as CPSC2018 ships).

  Attributes:
    class_names: the K label names.
    loss_name: 'ce' (binary cross-entropy per label) or 'focal'.
    pos_weight: (K,) factor on each label's positive term, 'balanced'
      (negatives / positives in the training targets) or None.
    class_weights: (K,) factor on each label's loss, or None.
    label_smoothing: eps; targets become y (1 - eps) + eps / 2.
    focal_gamma: focusing parameter of the focal loss.
    focal_alpha: weight of positives in the focal loss, or None.
    threshold_method: 'f1' or 'youden', used by `with_thresholds`.
    thresholds: (K,) fitted thresholds; None means 0.5 for every label.
    label_lists: targets are padded class lists instead of multi-hot.
    metric_names: named corpus metrics (`config.eval.metrics`), e.g.
      'cpsc2018' for the official CPSC2018 score of the argmax label under
      'cpsc2018/' (needs `label_lists` and the 9 classes in the challenge's
      order).
  """
  class_names: Sequence[str] = ()
  loss_name: str = "ce"
  pos_weight: Optional[Sequence[float] | str] = None
  class_weights: Optional[Sequence[float]] = None
  label_smoothing: float = 0.0
  focal_gamma: float = 2.0
  focal_alpha: Optional[float] = None
  threshold_method: str = "f1"
  thresholds: Optional[Sequence[float]] = None
  label_lists: bool = False
  metric_names: Sequence[str] = ()

  def __post_init__(self):
    _check_loss(self.loss_name)
    _check_threshold_method(self.threshold_method)
    object.__setattr__(self, "class_names", tuple(self.class_names))
    _freeze(self, "pos_weight", "class_weights", "thresholds")
    object.__setattr__(self, "metric_names", named_metrics.check(
        self.metric_names, "multi_label", self.class_names, self.label_lists))

  def multi_hot(self, targets):
    """(B, K) multi-hot targets (jnp or numpy) from either target format."""
    if not self.label_lists:
      return targets
    num_classes = len(self.class_names)
    if isinstance(targets, np.ndarray):
      one_hot = np.asarray(targets)[..., None] == np.arange(num_classes)
      return one_hot.any(axis=1).astype(np.float32)
    one_hot = jax.nn.one_hot(targets, num_classes)  # -1 gives a zero row.
    return jnp.max(one_hot, axis=1)

  def fit(self, train_targets: np.ndarray) -> "MultiLabelClassification":
    """Resolves a 'balanced' pos_weight from the training targets."""
    if self.pos_weight != BALANCED:
      return self
    multi_hot = self.multi_hot(np.asarray(train_targets))
    positives = multi_hot.sum(axis=0).astype(np.float64)
    negatives = len(multi_hot) - positives
    pos_weight = np.divide(negatives, positives, out=np.ones_like(positives),
                           where=positives > 0)
    return dataclasses.replace(self, pos_weight=_as_tuple(pos_weight))

  def with_thresholds(self, val_probs,
                      val_targets) -> "MultiLabelClassification":
    """Copy with per-label thresholds chosen on validation data."""
    return _thresholds(self, val_probs, self.multi_hot(np.asarray(val_targets)))

  def loss(self, outputs, targets, mask):
    _check(self, "pos_weight")
    targets = self.multi_hot(targets).astype(jnp.float32)
    smoothed = _smooth(targets, self.label_smoothing)
    if self.loss_name == "ce":
      per_element = losses.sigmoid_binary_cross_entropy(
          outputs, smoothed, self.pos_weight, self.class_weights)
    else:
      per_element = losses.sigmoid_focal_loss(
          outputs, smoothed, self.focal_gamma, self.focal_alpha)
      if self.class_weights is not None:
        per_element = per_element * jnp.asarray(self.class_weights)
    return losses.masked_mean(per_element, mask)

  def predict(self, outputs):
    """(B, K) probability of each label."""
    return jax.nn.sigmoid(outputs.astype(jnp.float32))

  def decide(self, probs):
    """(N, K) int multi-hot from (N, K) probabilities, at the thresholds."""
    return decisions_lib.multi_label_decisions(probs, self.thresholds)

  def metrics(self, predictions, targets):
    """Multi-label metrics at the fitted thresholds, plus the named metrics."""
    probs = np.asarray(predictions, np.float64)
    multi_hot = self.multi_hot(np.asarray(targets))
    predicted = self.decide(probs)
    results = metrics_lib.multi_label_metrics(multi_hot, predicted, probs,
                                              self.class_names, self.thresholds)
    results.update(named_metrics.compute(self.metric_names, probs, targets,
                                         predicted, self.class_names))
    return results

  def naive_predictions(self, train_targets, num_examples):
    """The training prevalence of each label for every example."""
    prevalence = self.multi_hot(np.asarray(train_targets)).mean(axis=0)
    return np.tile(prevalence.astype(np.float32), (num_examples, 1))
