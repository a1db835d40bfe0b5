"""Beat-by-beat scoring of beat predictions against reference annotations.

The protocol of ANSI/AAMI EC57 (and EC38 before it): a predicted beat
matches a reference beat within 150 ms; matched pairs make a confusion
matrix of reference class against predicted class; reference beats no
prediction matches are missed (false negatives of their class), predicted
beats no reference matches are extra (false positives of their class).
Matching is `wfdb.processing.compare_annotations`.
"""

import numpy as np
from wfdb import processing

TOLERANCE_S = 0.15  # EC57 section 4.2: match window of 150 ms


def beat_table(reference_samples, reference_classes, predicted_samples,
               predicted_classes, *, sampling_rate_hz: float,
               class_names, tolerance_s: float = TOLERANCE_S) -> dict:
  """Matches predicted beats to reference beats and scores them per class.

  Args:
    reference_samples, reference_classes: (R,) sample and class index of
      each reference beat.
    predicted_samples, predicted_classes: (P,) sample and class index of each
      predicted beat.
    sampling_rate_hz: rate of the sample positions in Hz.
    class_names: (K,) names of the class indices.
    tolerance_s: the match window in seconds.

  Returns:
    {'confusion': (K, K) matched pairs, reference class by predicted class;
    'missed': (K,) unmatched reference beats per class; 'extra': (K,)
    unmatched predicted beats per class; 'detection': {'sensitivity',
    'positive_predictivity', 'matched', 'reference', 'predicted'};
    'per_class': name -> {'Se', '+P', 'reference', 'predicted'}}. The
    reference count equals confusion.sum() + missed.sum().
  """
  reference_samples = np.asarray(reference_samples, np.int64)
  predicted_samples = np.asarray(predicted_samples, np.int64)
  reference_classes = np.asarray(reference_classes, np.int64)
  predicted_classes = np.asarray(predicted_classes, np.int64)
  num_classes = len(class_names)
  comparison = processing.compare_annotations(
      reference_samples, predicted_samples,
      int(round(tolerance_s * sampling_rate_hz)))
  matched_ref = np.asarray(comparison.matched_ref_inds, np.int64)
  matched_pred = np.asarray(comparison.matched_test_inds, np.int64)
  confusion = np.zeros((num_classes, num_classes), np.int64)
  np.add.at(confusion, (reference_classes[matched_ref],
                        predicted_classes[matched_pred]), 1)
  missed = np.bincount(
      reference_classes[np.asarray(comparison.unmatched_ref_inds, np.int64)],
      minlength=num_classes)
  extra = np.bincount(
      predicted_classes[np.asarray(comparison.unmatched_test_inds, np.int64)],
      minlength=num_classes)
  per_class = {}
  for k, name in enumerate(class_names):
    reference = int(confusion[k].sum() + missed[k])
    predicted = int(confusion[:, k].sum() + extra[k])
    per_class[name] = {
        "Se": confusion[k, k] / reference if reference else None,
        "+P": confusion[k, k] / predicted if predicted else None,
        "reference": reference, "predicted": predicted}
  return {
      "confusion": confusion.tolist(), "missed": missed.tolist(),
      "extra": extra.tolist(),
      "detection": {
          "sensitivity": len(matched_ref) / max(len(reference_samples), 1),
          "positive_predictivity":
              len(matched_pred) / max(len(predicted_samples), 1),
          "matched": len(matched_ref), "reference": len(reference_samples),
          "predicted": len(predicted_samples)},
      "per_class": per_class,
      "tolerance_s": tolerance_s,
  }
