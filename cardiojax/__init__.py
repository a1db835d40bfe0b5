"""cardiojax: deep learning on electrocardiograms with JAX and Flax.

Importing the package has no side effects: submodules are imported on use,
e.g. ``from cardiojax.models import ResNet34``.
"""

__version__ = "0.1.0"
