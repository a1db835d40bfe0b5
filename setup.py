"""cardiojax: deep learning on electrocardiograms with JAX and Flax."""

import pathlib
import re

import setuptools

_HERE = pathlib.Path(__file__).parent
_VERSION = re.search(r'__version__ = "([^"]+)"',
                     (_HERE / "cardiojax" / "_version.py").read_text()).group(1)

setuptools.setup(
    name="cardiojax",
    version=_VERSION,
    description="JAX/Flax library for deep learning on electrocardiograms.",
    long_description=(_HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    # configs/ is a package too, so a config file can `from configs import common`
    # wherever it is run from.
    packages=setuptools.find_packages(include=["cardiojax", "cardiojax.*", "configs", "configs.*"]),
    # The viewer's page ships with the package: no CDN (docs/viewer.md).
    package_data={"cardiojax.serve": [
        "static/*.html", "static/*.css", "static/*.svg", "static/js/*.js",
        "static/fonts/*", "messages/*.json"]},
    license="Apache-2.0",
    license_files=["LICENSE"],
    python_requires=">=3.11",
    install_requires=[
        "jax[cpu]==0.10.2",
        "flax==0.12.8",
        "optax==0.2.8",
        "orbax-checkpoint==0.12.8",
        "ml-collections==1.1.0",
        "absl-py==2.5.1",
        "tensorflow-datasets==4.9.10",
        "grain==0.2.18",
        "array-record==0.8.6",
        "wfdb==4.3.1",
        "numpy==2.4.6",
        "scipy==1.17.1",
        "importlib_resources>=6",  # tfds 4.9.10 imports it but does not declare it.
        "pandas>=2.2.3,<3",  # pandas 3 makes wfdb warn on every call.
        "matplotlib>=3.8",
        "tqdm>=4.66",
        "scikit-learn>=1.5",  # classical baselines and stacking (cardiojax.studies).
        "tensorboardX==2.6.5",  # TensorBoard event files without TensorFlow.
        "pooch==1.9.0",  # corpus downloads, checksums verified (cardiojax prepare).
        "flatbuffers==25.12.19",  # jax.export serialization (train/program_cache.py).
        "requests>=2.31",  # pooch's transport; the Range-resuming downloader uses it.
    ],
    entry_points={"console_scripts": ["cardiojax=cardiojax.cli:main"]},
    extras_require={
        # GPU: jax with the CUDA 12 wheels (pip install -e '.[cuda12]').
        "cuda12": ["jax[cuda12]==0.10.2"],
        # the API reference imports every module, the viewer's too.
        "docs": ["pdoc==16.0.0", "jupytext==1.19.6", "nbclient==0.11.0",
                 "ipykernel==7.4.0", "fastapi==0.165.0", "uvicorn==0.54.0",
                 "python-multipart==0.0.34"],
        "viewer": ["fastapi==0.165.0", "uvicorn==0.54.0",
                   "python-multipart==0.0.34"],
        "test": ["pytest==9.2.0", "pytest-xdist==3.8.0", "import-linter==2.17",
                 "fastapi==0.165.0", "uvicorn==0.54.0", "python-multipart==0.0.34",
                 "httpx==0.28.1", "selenium==4.51.0",
                 # the API reference and the executed tutorials (tests/test_docs.py)
                 "pdoc==16.0.0", "jupytext==1.19.6", "nbclient==0.11.0",
                 "ipykernel==7.4.0"],
        "torch": ["torch==2.13.0"],
    },
)
