"""`--mode=explain`: attributions, plots and lead importance for a trained model.

`explain_run` writes into `out_dir`:
- `records/{index:05d}.npz`: `inputs` (T, C) as the model sees them, `signal`
  and `signal_units` (the input as drawn: in mV with the contract's normaliser
  undone, `display.to_display`), `targets`, `predictions`, `explained_class`
  and one array per method (`gradient`, `gradient_x_input`, `smoothgrad`,
  `integrated_gradients`, `occlusion` as (T, C); `grad_cam` as (T,));
- `records/{index:05d}_{method}.png`: the record with that method's attribution,
  titled with the record and the class names (clinical 12-lead layout on ECG
  paper for 12 leads, one row per lead for fewer; inputs that are not mV
  waveforms in their own unit);
- `selection.json`: the explained records and why each was chosen;
- `lead_importance.{md,json,png}`: the dataset-level ranked lead table.
"""

import functools
import json
import pathlib
from typing import Callable, Sequence

import jax
import numpy as np
import tqdm

from cardiojax.evaluate import decisions
from cardiojax.explain import attributions
from cardiojax.explain import display
from cardiojax.explain import gradcam
from cardiojax.explain import lead_importance
from cardiojax.explain import plots
from cardiojax.signal.leads import STANDARD_12


def _predict_all(predict_fn, variables, source, indices, batch_size, bar):
  """Predictions (N, ...) of `predict_fn(variables, x)` and stacked targets of `source[indices]`;
  `bar.update` per example."""
  predictions, targets = [], []
  for start in range(0, len(indices), batch_size):
    examples = [source[int(i)] for i in indices[start:start + batch_size]]
    predictions.append(np.asarray(predict_fn(variables, np.stack([e["inputs"] for e in examples]))))
    targets.extend(e["targets"] for e in examples)
    bar.update(len(examples))
  return np.concatenate(predictions), np.stack(targets)


def _counted(attribution_fn, bar):
  """`attribution_fn` that advances `bar` by the examples of each batch it explains."""
  def counted(model, variables, x, target):
    attribution = attribution_fn(model, variables, x, target)
    bar.update(len(x))
    return attribution
  return counted


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


METHOD_TITLES = {
    "gradient": "gradient (saliency)", "gradient_x_input": "gradient x input",
    "smoothgrad": "SmoothGrad", "integrated_gradients": "integrated gradients",
    "occlusion": "occlusion", "grad_cam": "Grad-CAM"}


def _last_sequence_feature(model, variables, x) -> str:
  """Name of the last (B, T', F) intermediate: the default Grad-CAM layer."""
  order = []  # the model's own order: eval_shape's pytrees sort dict keys

  def intermediates_of(v, x):
    _, intermediates = attributions.apply_model(model, v, x)
    order.extend(intermediates)
    return intermediates

  shapes = jax.eval_shape(intermediates_of, variables, x)
  names = [name for name in order if len(shapes[name].shape) == 3]
  if not names:
    raise ValueError("the model returns no (B, T', F) intermediate for Grad-CAM")
  return names[-1]


def class_name(class_names: Sequence[str], k: int) -> str:
  """Name of class `k`, or 'class k' when the names are not known."""
  return class_names[k] if k < len(class_names) else f"class {k}"


def decision_words(prediction: np.ndarray, cls: int, class_names: Sequence[str],
                   thresholds=None) -> str:
  """The explained class of one example and why, e.g. 'NORM (p = 0.81)', or for
  a single-output binary model 'normal (p(abnormal) = 0.52 < threshold 0.61)'."""
  prediction = np.asarray(prediction)
  if prediction.ndim == 0:
    threshold = float(np.asarray(
        decisions.DEFAULT_THRESHOLD if thresholds is None else thresholds).reshape(()))
    return (f"{class_name(class_names, cls)} (p({class_name(class_names, 1)}) = "
            f"{float(prediction):.2f} {'>=' if cls else '<'} threshold {threshold:.2f})")
  return f"{class_name(class_names, cls)} (p = {float(prediction[cls]):.2f})"


def target_names(targets, class_names: Sequence[str]) -> str:
  """An example's targets in words: its class, or its labels (multi-hot)."""
  targets = np.asarray(targets)
  if targets.ndim == 0:
    return class_name(class_names, int(targets))
  on = [class_name(class_names, k) for k in np.flatnonzero(targets > 0.5)]
  return ", ".join(on) if on else "no label"


def _draw(path, signal, units, attribution, *, contract, sample_rate, lead_names, title):
  """One record's plot: ECG paper for mV waveforms, else `plots.plot_channels`."""
  if units != display.MV:
    waveform = contract is None or display.is_waveform(contract)
    return plots.plot_channels(signal, path, units=units, attribution=attribution,
                               channel_names=lead_names if waveform else None,
                               title=title, sample_rate=sample_rate if waveform else None)
  if signal.ndim == 2 and signal.shape[1] == 12:
    return plots.plot_ecg_12lead(signal, sample_rate, path, attribution=attribution,
                                 lead_names=lead_names, title=title)
  policy = {} if contract is None else contract.window_policy
  onset_s = -policy["half_window"] / sample_rate if policy.get("kind") == "beat" else 0.0
  return plots.plot_beat(signal, sample_rate, path, attribution=attribution,
                         lead_names=lead_names, title=title, onset_s=onset_s)


def explain_run(model, variables, task, source, out_dir, *, sample_rate: float,
                records: Sequence[int] | None = None, num_confident: int = 3,
                num_misclassified: int = 3, lead_names: Sequence[str] | None = None,
                gradcam_feature: str | None = None, baseline: np.ndarray | None = None,
                ig_steps: int = 64, smoothgrad_samples: int = 32,
                occlusion_window_s: float = 0.2, importance_indices: Sequence[int] | None = None,
                importance_method: str = "gradient_x_input",
                metric: tuple[str, Callable[[np.ndarray, np.ndarray], float]] | None = None,
                contract=None, class_names: Sequence[str] | None = None,
                describe: Callable[[int], str] | None = None, truth_name: str | None = "true",
                batch_size: int = 16, seed: int = 0,
                progress: Callable[..., tqdm.tqdm] | None = None) -> dict:
  """Explains a trained classifier on chosen records and ranks its leads over a split.

  Every method explains each record's decided class: the most probable class
  (softmax), the most probable label (multi-label), or for a single-output
  binary model the class decided at the threshold, through its logit for the
  positive class and minus its logit for the negative one.

  Args:
    model: `nn.Module` or callable `f(variables, x) -> (outputs, intermediates)`.
    variables: restored model variables ({'params', 'batch_stats'?}).
    task: has a jit-safe `predict(outputs)` returning probabilities (N, K) or (N,)
      (single-output binary), and optionally fitted `thresholds` used to decide
      which predictions are correct and the class of binary ones, `class_names`
      and `multi_hot(targets)` (multi-label targets given as label lists).
    source: random access, `source[i] -> {'inputs': (T, C), 'targets': ...}`,
      usually the test split: inputs as the model takes them (see `contract`),
      targets (N,) classes or (N, K) labels.
    out_dir: folder to write into (created).
    sample_rate: Hz of the inputs (for the plots and the occlusion window).
    records: indices of `source` to explain; when None, the `num_confident` most
      confident correct and the `num_misclassified` most confident wrong examples.
    num_confident, num_misclassified: see `records`.
    lead_names: C lead names; the standard 12 for 12 leads, else "lead c".
    gradcam_feature: intermediate for Grad-CAM; default the last (B, T', F) one.
    baseline: integrated-gradients baseline (T, C) in model-input units (e.g.
      `attributions.mean_baseline` of training inputs); zeros when None.
    ig_steps: integrated-gradients path intervals.
    smoothgrad_samples: SmoothGrad noisy copies.
    occlusion_window_s: occluded window in s (stride half of it), per lead.
    importance_indices: examples of `source` for lead importance (default all).
    importance_method: attribution method (a key of the record arrays other than
      `grad_cam`) whose per-lead mass is ranked.
    metric: `(name, fn(predictions, targets) -> float)` for the lead-occlusion
      drop; default `("accuracy", accuracy)` at the task's thresholds for
      single-label targets and `("macro AUROC", lead_importance.macro_auroc)`
      for multi-label ones.
    contract: the run's `InputContract`, to draw inputs in mV (its normaliser
      undone) or in the unit it names; None: the inputs are in mV.
    class_names: the classes, for titles; default the task's, else "class k".
    describe: `describe(index)` names example `index` of `source` in titles
      (e.g. 'ptbxl ecg_id 336 (test example 37)'); default 'example {index}'.
    truth_name: what the source's targets are, in titles ('true'); None leaves
      them out (e.g. when they are the model's own decisions).
    batch_size: examples per forward pass.
    seed: SmoothGrad noise seed.
    progress: makes the progress bars, called like `tqdm.tqdm(desc=..., total=...,
      unit=...)` (e.g. `cardiojax.train.rundir.progress`): 'explain select' (the
      predictions that choose the records, when `records` is None), 'explain' (one
      unit per record and method, the method as postfix) and 'lead importance' (per
      example); None shows none.

  Returns:
    Summary: {'records': [{'index', 'reason', 'explained_class'}], 'gradcam_feature',
    'lead_importance': ranked rows, 'metric': the lead-occlusion metric's name}.
  """
  progress = progress or functools.partial(tqdm.tqdm, disable=True)
  out_dir = pathlib.Path(out_dir)
  (out_dir / "records").mkdir(parents=True, exist_ok=True)
  thresholds = getattr(task, "thresholds", None)
  multi_hot = getattr(task, "multi_hot", None)

  def labels(targets):
    """Stacked targets (N, ...) as (N,) classes or (N, K) multi-hot labels."""
    return np.asarray(multi_hot(np.asarray(targets)) if multi_hot else targets)

  if metric is None and np.ndim(source[0]["targets"]) >= 1:
    metric = ("macro AUROC", lambda p, t: lead_importance.macro_auroc(p, labels(t)))
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
  describe = describe or (lambda index: f"example {index}")
  class_names = tuple(class_names or getattr(task, "class_names", None) or ())

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
    with progress(desc="explain select", total=len(all_indices), unit="example") as bar:
      predictions, targets = _predict_all(predict_fn, variables, source, all_indices,
                                          batch_size, bar)
    chosen = [(int(all_indices[i]), reason) for i, reason in select_records(
        predictions, labels(targets), num_confident=num_confident,
        num_misclassified=num_misclassified, thresholds=thresholds)]
  else:
    chosen = [(int(i), "requested") for i in records]

  summary = {"records": [], "gradcam_feature": gradcam_feature}
  bar = progress(desc="explain", total=len(chosen) * len(methods), unit="attribution")
  with bar:
    for start in range(0, len(chosen), batch_size):
      batch = chosen[start:start + batch_size]
      examples = [source[i] for i, _ in batch]
      x = np.stack([e["inputs"] for e in examples]).astype(np.float32)
      preds = np.asarray(predict_fn(variables, x))
      classes = lead_importance.predicted_classes(preds, thresholds)
      shown = [display.to_display(x[b], contract) for b in range(len(batch))]
      headings = []
      for b, example in enumerate(examples):
        heading = "explained: " + decision_words(preds[b], classes[b], class_names, thresholds)
        if truth_name:
          truth = labels(np.asarray(example["targets"])[None])[0]
          heading += f"; {truth_name}: {target_names(truth, class_names)}"
        headings.append(heading)
      arrays = {}
      for name, fn in methods.items():
        bar.set_postfix_str(name, refresh=False)
        arrays[name] = np.asarray(fn(model, variables, x, classes))
        for b, (index, reason) in enumerate(batch):
          signal, units = shown[b]
          _draw(out_dir / "records" / f"{index:05d}_{name}.png", signal, units,
                arrays[name][b], contract=contract, sample_rate=sample_rate,
                lead_names=lead_names,
                title=f"{describe(index)}: {reason}, {METHOD_TITLES[name]}\n{headings[b]}")
        bar.update(len(batch))
      for b, ((index, reason), example) in enumerate(zip(batch, examples)):
        signal, units = shown[b]
        np.savez_compressed(out_dir / "records" / f"{index:05d}.npz", inputs=x[b],
                            signal=signal, signal_units=units, targets=example["targets"],
                            predictions=preds[b], explained_class=classes[b],
                            **{name: a[b] for name, a in arrays.items()})
        summary["records"].append({"index": index, "reason": reason,
                                   "explained_class": int(classes[b])})
  (out_dir / "selection.json").write_text(json.dumps(summary["records"], indent=2))

  indices = np.arange(len(source)) if importance_indices is None else importance_indices
  with progress(desc="lead importance", total=len(indices), unit="example") as bar:
    mass, drop = lead_importance.lead_importance(
        model, variables, predict, source, indices, metric_fn=metric_fn,
        attribution_fn=_counted(methods[importance_method], bar), batch_size=batch_size,
        thresholds=thresholds)
  rows = lead_importance.ranked_table(lead_names, mass, drop)
  (out_dir / "lead_importance.md").write_text(lead_importance.to_markdown(rows, metric_name))
  (out_dir / "lead_importance.json").write_text(lead_importance.to_json(rows, metric_name))
  plots.plot_lead_importance(rows, out_dir / "lead_importance.png", metric_name=metric_name,
                             title=f"lead importance ({METHOD_TITLES[importance_method]}, "
                             f"{len(indices)} examples)")
  summary["lead_importance"] = rows
  summary["metric"] = metric_name
  return summary
