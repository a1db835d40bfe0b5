r"""Corpus load: seconds of `corpus.load(config.data)`, decoding against kept columns.

For each config, in this process (imports excluded): a first load (prepares
the corpus if needed), then `decoded`: the load with the prepared folder's
`cardiojax_columns/` removed, so tfds decodes every example and the columns
are kept again, then `kept`: the load that reads those columns
(`cardiojax.datasets.columns`). The configs' corpora must keep columns (their
`info` names a `prepared_dir`).

  python experiments/benchmarks/corpus_load.py \
      --configs=beats_mitdb:smoke,seq2seq --json_out=experiments/benchmarks/corpus_load.json
"""

import importlib
import os
import pathlib
import shutil
import sys
import time

from absl import app
from absl import flags

_HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
sys.path.insert(0, str(_HERE.parents[1]))  # for `configs`
import bench_common  # pylint: disable=g-import-not-at-top,wrong-import-position

_CONFIGS = flags.DEFINE_list("configs", ["beats_mitdb:smoke", "seq2seq"],
                             "Configs as NAME[:variant] (configs/NAME.py).")
_JSON_OUT = flags.DEFINE_string("json_out", None, "Where to write the JSON results.")


def _timed_load(corpus, data_config):
  started = time.perf_counter()
  splits = corpus.load(data_config)
  return time.perf_counter() - started, splits


def measure(spec: str) -> dict:
  """The first, decoded and kept loads of one config's corpus (seconds)."""
  from cardiojax import datasets  # pylint: disable=g-import-not-at-top
  from cardiojax.datasets import columns  # pylint: disable=g-import-not-at-top
  name, _, variant = spec.partition(":")
  config = importlib.import_module(f"configs.{name}").get_config(variant)
  corpus = datasets.corpus(config.data.name)
  first, splits = _timed_load(corpus, config.data)
  kept_dir = pathlib.Path(splits.info["prepared_dir"]) / columns.FOLDER
  shutil.rmtree(kept_dir, ignore_errors=True)
  decoded, _ = _timed_load(corpus, config.data)
  kept, _ = _timed_load(corpus, config.data)
  megabytes = sum(p.stat().st_size for p in kept_dir.rglob("*") if p.is_file()) / 1e6
  return {"config": spec, "first_s": first, "decoded_s": decoded, "kept_s": kept,
          "kept_mb": megabytes}


def main(argv):
  del argv
  load_before = os.getloadavg()
  results = [measure(spec) for spec in _CONFIGS.value]
  print("| config | decoded s | kept columns s | columns MB |\n|---|---:|---:|---:|")
  for r in results:
    print(f"| `{r['config']}` | {r['decoded_s']:.2f} | {r['kept_s']:.2f} | {r['kept_mb']:.0f} |")
  bench_common.write_json(_JSON_OUT.value, {
      **bench_common.environment("corpus_load", ("tensorflow-datasets", "numpy"), None,
                                 load_before),
      "results": results})


if __name__ == "__main__":
  app.run(main)
