"""`--mode=explain`: attributions, plots and lead importance for a trained model.

`explain_run` writes into `out_dir`:
- `records/{index:05d}.npz`: `inputs` (T, C), `targets`, `predictions`, `explained_class`
  and one array per method (`gradient`, `gradient_x_input`, `smoothgrad`,
  `integrated_gradients`, `occlusion` as (T, C); `grad_cam` as (T,));
- `records/{index:05d}_{method}.png`: the record with that method's attribution
  (clinical 12-lead layout for 12 leads, else one row per lead);
- `selection.json`: the explained records and why each was chosen;
- `lead_importance.{md,json,png}`: the dataset-level ranked lead table.
"""

import functools
import json
import pathlib
from typing import Callable, Sequence

import jax
import numpy as np

from cardiojax.evaluate import decisions
from cardiojax.explain import attributions
from cardiojax.explain import gradcam
from cardiojax.explain import lead_importance
from cardiojax.explain import plots
from cardiojax.signal.leads import STANDARD_12


def _predict_all(predict_fn, variables, source, indices, batch_size):
  """Predictions (N, ...) of `predict_fn(variables, x)` and stacked targets of `source[indices]`."""
  predictions, targets = [], []
  for start in range(0, len(indices), batch_size):
    examples = [source[int(i)] for i in indices[start:start + batch_size]]
    predictions.append(np.asarray(predict_fn(variables, np.stack([e["inputs"] for e in examples]))))
    targets.extend(e["targets"] for e in examples)
  return np.concatenate(predictions), np.stack(targets)


def correct(predictions: np.ndarray, targets: np.ndarray, thresholds=None) -> np.ndarray:
  """(N,) bool: whether the task's decision of each example matches its targets.

  Decisions are those of `cardiojax.evaluate.decisions` at the task's fitted
  `thresholds` (None: 0.5). Int class targets (N,): the predicted class (argmax of
  (N, K) probabilities, or (N,) binary probabilities at the threshold) equals it;
  multi-hot targets (N, K): every label decided at its threshold matches.
  """
  targets = np.asarray(targets)
  if targets.ndim == 1:
    return lead_importance.predicted_classes(predictions, thresholds) == targets
  decided = decisions.multi_label_decisions(predictions, thresholds)
  return np.all(decided == (targets > 0.5), axis=1)


def accuracy(predictions: np.ndarray, targets: np.ndarray, thresholds=None) -> float:
  """Share of examples that `correct` accepts."""
  return float(correct(predictions, targets, thresholds).mean())


def select_records(predictions: np.ndarray, targets: np.ndarray, *, num_confident: int,
                   num_misclassified: int, thresholds=None) -> list[tuple[int, str]]:
  """(position, reason) of the most confident correct and the most confident wrong examples.

  Confidence is the largest predicted probability of an example; `thresholds` are
  the task's, for `correct`.
  """
  confidence = np.asarray(predictions).reshape(len(predictions), -1).max(axis=1)
  ok = correct(predictions, targets, thresholds)
  order = np.argsort(-confidence, kind="stable")
  chosen = [(int(i), "most confident") for i in order[ok[order]][:num_confident]]
  chosen += [(int(i), "misclassified") for i in order[~ok[order]][:num_misclassified]]
  return chosen


def _last_sequence_feature(model, variables, x) -> str:
  """Name of the last (B, T', F) intermediate: the default Grad-CAM layer."""
  _, intermediates = jax.eval_shape(lambda v, x: attributions.apply_model(model, v, x),
                                    variables, x)
  names = [name for name, value in intermediates.items() if len(value.shape) == 3]
  if not names:
    raise ValueError("the model returns no (B, T', F) intermediate for Grad-CAM")
  return names[-1]


def explain_run(model, variables, task, source, out_dir, *, sample_rate: float,
                records: Sequence[int] | None = None, num_confident: int = 3,
                num_misclassified: int = 3, lead_names: Sequence[str] | None = None,
                gradcam_feature: str | None = None, baseline: np.ndarray | None = None,
                ig_steps: int = 64, smoothgrad_samples: int = 32,
                occlusion_window_s: float = 0.2, importance_indices: Sequence[int] | None = None,
                importance_method: str = "gradient_x_input",
                metric: tuple[str, Callable[[np.ndarray, np.ndarray], float]] | None = None,
                batch_size: int = 16, seed: int = 0) -> dict:
  """Explains a trained classifier on chosen records and ranks its leads over a split.

  Args:
    model: `nn.Module` or callable `f(variables, x) -> (outputs, intermediates)`.
    variables: restored model variables ({'params', 'batch_stats'?}).
    task: has a jit-safe `predict(outputs)` returning probabilities (N, K) or (N,)
      (single-output binary), and optionally fitted `thresholds` used to decide
      which predictions are correct and the class of binary ones.
    source: random access, `source[i] -> {'inputs': (T, C) mV, 'targets': ...}`,
      usually the test split.
    out_dir: folder to write into (created).
    sample_rate: Hz of the inputs (for the plots and the occlusion window).
    records: indices of `source` to explain; when None, the `num_confident` most
      confident correct and the `num_misclassified` most confident wrong examples.
    num_confident, num_misclassified: see `records`.
    lead_names: C lead names; the standard 12 for 12 leads, else "lead c".
    gradcam_feature: intermediate for Grad-CAM; default the last (B, T', F) one.
    baseline: integrated-gradients baseline (T, C) in mV (e.g.
      `attributions.mean_baseline` of training inputs); zeros when None.
    ig_steps: integrated-gradients path intervals.
    smoothgrad_samples: SmoothGrad noisy copies.
    occlusion_window_s: occluded window in s (stride half of it), per lead.
    importance_indices: examples of `source` for lead importance (default all).
    importance_method: attribution method (a key of the record arrays other than
      `grad_cam`) whose per-lead mass is ranked.
    metric: `(name, fn(predictions, targets) -> float)` for the lead-occlusion
      drop; default `("accuracy", accuracy)` at the task's thresholds.
    batch_size: examples per forward pass.
    seed: SmoothGrad noise seed.

  Returns:
    Summary: {'records': [{'index', 'reason', 'explained_class'}], 'gradcam_feature',
    'lead_importance': ranked rows}.
  """
  out_dir = pathlib.Path(out_dir)
  (out_dir / "records").mkdir(parents=True, exist_ok=True)
  thresholds = getattr(task, "thresholds", None)
  metric_name, metric_fn = metric or ("accuracy",
                                      functools.partial(accuracy, thresholds=thresholds))
  predict = task.predict
  predict_fn = jax.jit(lambda v, x: predict(attributions.apply_model(model, v, x)[0]))
  first = source[0]["inputs"]
  num_leads = first.shape[-1]
  if lead_names is None:
    lead_names = STANDARD_12 if num_leads == 12 else tuple(f"lead {c}" for c in range(num_leads))
  gradcam_feature = gradcam_feature or _last_sequence_feature(model, variables, first[None])
  window = max(1, int(round(occlusion_window_s * sample_rate)))

  methods = {
      "gradient": attributions.gradient,
      "gradient_x_input": attributions.gradient_x_input,
      "smoothgrad": lambda m, v, x, t: attributions.smoothgrad(
          m, v, x, t, rng=jax.random.key(seed), num_samples=smoothgrad_samples),
      "integrated_gradients": lambda m, v, x, t: attributions.integrated_gradients(
          m, v, x, t, baseline=baseline, num_steps=ig_steps),
      "occlusion": lambda m, v, x, t: attributions.occlusion(
          m, v, x, t, window=window, stride=max(1, window // 2), per_lead=True),
      "grad_cam": lambda m, v, x, t: gradcam.grad_cam(m, v, x, t, feature=gradcam_feature),
  }

  if records is None:
    all_indices = np.arange(len(source))
    predictions, targets = _predict_all(predict_fn, variables, source, all_indices, batch_size)
    chosen = [(int(all_indices[i]), reason) for i, reason in select_records(
        predictions, targets, num_confident=num_confident, num_misclassified=num_misclassified,
        thresholds=thresholds)]
  else:
    chosen = [(int(i), "requested") for i in records]

  summary = {"records": [], "gradcam_feature": gradcam_feature}
  for start in range(0, len(chosen), batch_size):
    batch = chosen[start:start + batch_size]
    examples = [source[i] for i, _ in batch]
    x = np.stack([e["inputs"] for e in examples]).astype(np.float32)
    preds = np.asarray(predict_fn(variables, x))
    classes = lead_importance.predicted_classes(preds, thresholds)
    target = lead_importance.attribution_targets(preds, classes)
    arrays = {name: np.asarray(fn(model, variables, x, target)) for name, fn in methods.items()}
    for b, ((index, reason), example) in enumerate(zip(batch, examples)):
      stem = out_dir / "records" / f"{index:05d}"
      np.savez_compressed(stem.with_suffix(".npz"), inputs=x[b], targets=example["targets"],
                          predictions=preds[b], explained_class=classes[b],
                          **{name: a[b] for name, a in arrays.items()})
      for name, a in arrays.items():
        title = f"record {index} ({reason}), class {classes[b]}: {name}"
        path = f"{stem}_{name}.png"
        if num_leads == 12:
          plots.plot_ecg_12lead(x[b], sample_rate, path, attribution=a[b],
                                lead_names=lead_names, title=title)
        else:
          plots.plot_beat(x[b], sample_rate, path, attribution=a[b], lead_names=lead_names,
                          title=title)
      summary["records"].append({"index": index, "reason": reason,
                                 "explained_class": int(classes[b])})
  (out_dir / "selection.json").write_text(json.dumps(summary["records"], indent=2))

  indices = np.arange(len(source)) if importance_indices is None else importance_indices
  mass, drop = lead_importance.lead_importance(
      model, variables, predict, source, indices, metric_fn=metric_fn,
      attribution_fn=methods[importance_method], batch_size=batch_size,
      thresholds=thresholds)
  rows = lead_importance.ranked_table(lead_names, mass, drop)
  (out_dir / "lead_importance.md").write_text(lead_importance.to_markdown(rows, metric_name))
  (out_dir / "lead_importance.json").write_text(lead_importance.to_json(rows, metric_name))
  plots.plot_lead_importance(rows, out_dir / "lead_importance.png", metric_name=metric_name,
                             title=f"lead importance ({importance_method}, {len(indices)} records)")
  summary["lead_importance"] = rows
  return summary
