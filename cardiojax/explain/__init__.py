"""Explaining ECG models without changing them.

`attributions` (vanilla gradient, gradient x input, SmoothGrad, integrated
gradients, occlusion over time windows and whole leads), `gradcam` (Grad-CAM-1D
on any named intermediate feature map), `lead_importance` (per-lead attribution
mass and lead-occlusion performance drop), `display` (model inputs back in mV
through the input contract's normaliser), `plots` (clinical 12-lead layout on
ECG paper, single-lead beats, other inputs in their own unit, lead-importance
bars) and `run` (`explain_run`, the `--mode=explain` library function).

Every method takes a model as an `nn.Module` (applied as
`model.apply(variables, x, train=False)`) or as a callable
`f(variables, x) -> (outputs, intermediates)`, a batch `x` of shape (B, T, C)
as the model takes it (mV, or normalised by the run's input contract), and a
scalar target per example (see `attributions.select_target`).
"""
