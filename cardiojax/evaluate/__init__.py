"""Evaluation on the host: metrics, thresholds, bootstrap CIs, reports, plots.

- `metrics`: classification, ranking and regression metrics (scikit-learn's
  definitions, in numpy);
- `aami`: AAMI EC57 Se/+P per class and the jκ index;
- `beat_matching`: predicted beats matched to reference annotations (EC57);
- `decisions`: decisions from probabilities, one function per output kind;
- `named_metrics`: metric sets switched on by name (`config.eval.metrics`);
- `cpsc2018_score`: the official CPSC2018 score and its sub-scores;
- `thresholds`: per-class thresholds fitted on validation, applied to test;
- `bootstrap`: percentile bootstrap CIs that keep every class in a resample;
- `report`: results.json and results.md;
- `plots`: ROC, precision-recall and confusion-matrix PNGs.
"""
