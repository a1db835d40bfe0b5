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
  """Writes `document` to `path` (if given) atomically and says so."""
  if path:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = f"{path}.partial"
    with open(partial, "w") as f:
      json.dump(document, f, indent=2)
    os.replace(partial, path)
    print(f"Wrote {path}")


# Dense (no sparsity) bfloat16 tensor-core peaks, TFLOP/s, from NVIDIA's data
# sheets; matched in order against `jax.Device.device_kind` (first match wins).
PEAK_BF16_TFLOPS = (
    ("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H200 NVL", 835.0),
    ("H100", 989.4), ("H200", 989.4), ("B200", 2250.0), ("A100", 312.0),
    ("L40S", 362.0), ("L40", 181.0), ("L4", 121.0), ("A10", 125.0),
)


def peak_bf16_tflops(device_kind: str) -> float | None:
  """The dense bf16 peak of a device by name; None when not in the table (CPUs)."""
  return next((peak for name, peak in PEAK_BF16_TFLOPS if name in device_kind), None)
