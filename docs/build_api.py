"""Builds the API reference of cardiojax (HTML, pdoc) into a folder.

    pip install -e '.[docs]'
    python docs/build_api.py OUT          # then open OUT/index.html

Documents the `cardiojax` package with every subpackage and the experiment
configs (`configs`: each config's docstring gives its command, data and the
published result it is measured against). Docstrings are Google style
(Args/Returns/Raises/Attributes sections) with Markdown and backticks; math
and links are rendered as written.

Warnings are errors: a module that fails to import (pdoc imports every
module; importing must have no side effects and must not need TensorFlow),
an annotation that does not resolve, a broken docstring. Each warning is
printed on one line and the exit status is 1. One warning is not ours and is
ignored: tensorflow-datasets' `BuilderConfig` annotates `version` as
`utils.VersionOrStr`, a forward reference that resolves in no module, so it
warns for every corpus's builder config.
"""

import argparse
import os
import pathlib
import re
import sys
import time
import warnings

MODULES = ("cardiojax", "configs")
# tensorflow_datasets.core.dataset_builder.BuilderConfig.version and
# .supported_versions, inherited by every cardiojax builder config.
IGNORED = re.compile(r"Error parsing type annotation (list\[)?utils\.VersionOrStr")


def build(output_dir, modules=MODULES) -> list[str]:
  """Renders `modules` (and their submodules) as HTML into `output_dir`.

  Args:
    output_dir: the folder to write (created; existing pages are replaced).
    modules: module names or paths of Python files, as pdoc takes them.

  Returns:
    The warnings raised while importing and rendering, one line each
    (`IGNORED` left out); empty when the reference is clean.
  """
  os.environ.setdefault("JAX_PLATFORMS", "cpu")  # imports never need a GPU
  import pdoc  # pylint: disable=g-import-not-at-top
  import pdoc.render  # pylint: disable=g-import-not-at-top
  from cardiojax import __version__  # pylint: disable=g-import-not-at-top

  pdoc.render.configure(docformat="google", math=False, search=True,
                        show_source=True,
                        footer_text=f"cardiojax {__version__}")
  with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pdoc.pdoc(*modules, output_directory=pathlib.Path(output_dir))
  lines = []
  for warning in caught:
    message = " ".join(str(warning.message).split())
    if not IGNORED.match(message):
      lines.append(f"{warning.category.__name__}: {message} "
                   f"({warning.filename}:{warning.lineno})")
  return list(dict.fromkeys(lines))  # each once, in order


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("output_dir", help="folder to write the HTML into")
  parser.add_argument("modules", nargs="*", default=list(MODULES),
                      help=f"modules to document (default: {' '.join(MODULES)})")
  args = parser.parse_args(argv)
  start = time.perf_counter()
  problems = build(args.output_dir, args.modules)
  for line in problems:
    print(f"warning: {line}", file=sys.stderr)
  pages = sum(1 for _ in pathlib.Path(args.output_dir).rglob("*.html"))
  seconds = time.perf_counter() - start
  if problems:
    print(f"docs/build_api.py: {len(problems)} warnings (above); fix the "
          f"docstrings or imports they name", file=sys.stderr)
    return 1
  print(f"{pages} pages in {args.output_dir} ({seconds:.1f} s); open "
        f"{pathlib.Path(args.output_dir) / 'index.html'}")
  return 0


if __name__ == "__main__":
  sys.exit(main())
