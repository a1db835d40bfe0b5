"""results.json and results.md: point estimates, 95% CIs, the naive baseline.

`results` maps a column (e.g. 'model', 'naive baseline') to its metrics; a
metric is a float or a (point, low, high) tuple as `bootstrap_ci` returns;
integers (counts) are written as integers.
Names without '/' go to the summary table; names 'metric/name' (per class,
lead or site) go to one table per metric with a row per name. The protocol
(data, split, thresholds, CI method) is written at the top of both files.
"""

import json
import math
import pathlib
from typing import Any, Mapping, Optional, Sequence

import numpy as np

Value = float | tuple[float, float, float]


def _as_triple(value: Value) -> tuple[float, Optional[float], Optional[float]]:
  if isinstance(value, (tuple, list)):
    point, low, high = value
    return float(point), float(low), float(high)
  return float(value), None, None


def _json_number(value: Optional[float]) -> Optional[float]:
  """NaN and infinities become null, keeping the file strict JSON."""
  return None if value is None or not math.isfinite(value) else value


def _cell(value: Optional[Value]) -> str:
  if value is None:
    return "–"
  point, low, high = _as_triple(value)
  if math.isnan(point):
    return "n/a"
  if low is None:
    return (f"{int(point)}" if isinstance(value, (int, np.integer))
            else f"{point:.4f}")
  if math.isnan(low) or math.isnan(high):
    return f"{point:.4f} [interval n/a]"
  return f"{point:.4f} [{low:.4f}, {high:.4f}]"


def _table(header: str, rows: Sequence[str], columns: Sequence[str],
           values: Mapping[str, Mapping[str, Value]], key) -> list[str]:
  lines = ["| " + " | ".join([header, *columns]) + " |",
           "|" + "---|" * (len(columns) + 1)]
  for row in rows:
    cells = [_cell(values[column].get(key(row))) for column in columns]
    lines.append("| " + " | ".join([row, *cells]) + " |")
  return lines


def write_results(out_dir: str | pathlib.Path,
                  results: Mapping[str, Mapping[str, Value]],
                  protocol: Mapping[str, Any],
                  confusion: Optional[np.ndarray] = None,
                  class_names: Sequence[str] = ()) -> tuple[pathlib.Path,
                                                             pathlib.Path]:
  """Writes results.json and results.md into `out_dir`.

  Args:
    out_dir: folder (created if needed).
    results: column -> metric name -> float or (point, low, high).
    protocol: what a reader needs to reproduce the numbers, e.g. dataset,
      split, sampling rate, threshold source, bootstrap resamples and seed.
    confusion: optional (K, K) confusion matrix (rows true, columns predicted).
    class_names: names of the confusion matrix's classes.

  Returns:
    The paths of results.json and results.md.
  """
  out_dir = pathlib.Path(out_dir)
  out_dir.mkdir(parents=True, exist_ok=True)
  columns = list(results)

  metrics_json = {}
  for column, metrics in results.items():
    metrics_json[column] = {}
    for name, value in metrics.items():
      point, low, high = _as_triple(value)
      entry = {"value": _json_number(point)}
      if low is not None:
        entry.update(low=_json_number(low), high=_json_number(high))
      metrics_json[column][name] = entry
  document = {"protocol": dict(protocol), "results": metrics_json}
  if confusion is not None:
    document["confusion_matrix"] = {"class_names": list(class_names),
                                    "counts": np.asarray(confusion).tolist()}
  json_path = out_dir / "results.json"
  json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")

  names = list(dict.fromkeys(n for m in results.values() for n in m))
  summary = [n for n in names if "/" not in n]
  grouped: dict[str, list[str]] = {}
  for name in names:
    if "/" in name:
      metric, item = name.rsplit("/", 1)
      grouped.setdefault(metric, []).append(item)

  lines = ["# Results", "", "## Protocol", ""]
  lines += [f"- **{key}**: {value}" for key, value in protocol.items()]
  lines += ["", "Values are point estimates with 95% bootstrap confidence "
            "intervals in brackets where computed.", "", "## Summary", ""]
  lines += _table("metric", summary, columns, results, lambda row: row)
  for metric, items in grouped.items():
    lines += ["", f"## {metric}", ""]
    lines += _table("name", items, columns, results,
                    lambda row, metric=metric: f"{metric}/{row}")
  if confusion is not None:
    lines += ["", "## Confusion matrix (rows: true, columns: predicted)", ""]
    lines += ["| true \\ predicted | " + " | ".join(class_names) + " |",
              "|" + "---|" * (len(class_names) + 1)]
    for name, row in zip(class_names, np.asarray(confusion)):
      lines.append(f"| {name} | " + " | ".join(str(int(c)) for c in row) + " |")
  md_path = out_dir / "results.md"
  md_path.write_text("\n".join(lines) + "\n")
  return json_path, md_path
