"""What the benchmark scripts share: the machine and versions they ran on,
and their JSON output (no flags here, so scripts can import it together)."""

import importlib.metadata
import json
import os
import platform
import sys
import time

import jax

import cardiojax


def environment(name: str, packages: tuple[str, ...], torch, load_before) -> dict:
  """The JSON header: benchmark name, date, command, machine and versions."""
  versions = {p: importlib.metadata.version(p) for p in packages}
  versions["cardiojax"] = cardiojax.__version__
  if torch is not None:
    versions["torch"] = torch.__version__
  return {
      "benchmark": name,
      "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
      "command": " ".join(sys.argv),
      "machine": {"platform": platform.platform(), "processor": platform.processor(),
                  "python": platform.python_version(), "cpu_count": os.cpu_count(),
                  "usable_cpus": sorted(os.sched_getaffinity(0)),
                  "jax_devices": [str(d) for d in jax.devices()],
                  "torch_threads": torch.get_num_threads() if torch is not None else None,
                  "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
                  "xla_flags": os.environ.get("XLA_FLAGS", "")},
      "versions": versions,
  }


def write_json(path: str | None, document: dict):
  """Writes `document` to `path` (if given) and says so."""
  if path:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
      json.dump(document, f, indent=2)
    print(f"Wrote {path}")
