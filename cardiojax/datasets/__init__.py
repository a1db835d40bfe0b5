"""Corpora: one module per corpus, each providing the same small protocol.

A corpus module `cardiojax.datasets.<name>` holds the corpus's tfds builder
(prepared once to ArrayRecord, read with `as_data_source`, no TensorFlow),
its split and label tables, and:

- `load(data_config) -> cardiojax.input.splits.Splits`: the sources of every
  split and the data half of the input contract (`config.data.name` is the
  module's name);
- `prepare_record(contract, signal, sampling_rate_hz, lead_names) ->
  (n, T, C)` model inputs of a raw record (mV, any rate, named leads), for
  the contract's `preparation`; used by predict and explain, which read the
  run directory and never the training corpus.

Importing this package imports no corpus: `corpus(name)` imports the one
named, so loading one corpus never pulls in another's code.
"""

import importlib
import pkgutil
import types


def corpus(name: str) -> types.ModuleType:
  """The corpus module `name` (`config.data.name`, or a contract's corpus).

  Any module of this package with `load` and `prepare_record` is a corpus:
  adding a corpus is adding its module (and a config), nothing else.

  Raises:
    ValueError: `name` is not such a module (the message lists them).
  """
  names = [m.name for m in pkgutil.iter_modules(__path__)]
  module = None
  if name in names:
    module = importlib.import_module(f"{__name__}.{name}")
  if not (hasattr(module, "load") and hasattr(module, "prepare_record")):
    corpora = [n for n in names
               if hasattr(importlib.import_module(f"{__name__}.{n}"), "load")]
    raise ValueError(f"config.data.name: unknown corpus {name!r}; expected "
                     f"one of {corpora}")
  return module
