"""cardiojax: deep learning on electrocardiograms with JAX and Flax.

Importing the package has no side effects: submodules are imported on use,
e.g. ``from cardiojax.models import ResNet34``. A trained run is a model:

    model = cardiojax.load("runs/ptbxl")
    result = model.predict(signal_mv, fs=500, lead_names=["I", "II", ...])
"""

from cardiojax._version import __version__


def load(workdir):
  """The trained run in `workdir` as a model (`cardiojax.predictor.Predictor`):
  `.predict(signal, fs=..., lead_names=...)`, `.predict_record(path)`."""
  from cardiojax import predictor  # pylint: disable=g-import-not-at-top
  return predictor.load(workdir)
