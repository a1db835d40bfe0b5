"""`--config` by name, from any working directory.

`--config` takes a built-in config by name (`seq2seq:smoke`,
`ptbxl:superdiagnostic`, `studies/lead_elimination`) or a config file
(`configs/seq2seq.py:smoke`, `./my_experiment.py`); the text after the first
colon is the config's variant, passed to its `get_config`. `resolve` turns
the value into the file that ml_collections' `config_flags` loads:
  - a file that exists (relative to the working directory) is used as given;
  - a name is the built-in config of that name, unless `./NAME.py` exists:
    then that local file wins;
  - a path that does not exist falls back to the built-in config of its name
    (`configs/seq2seq.py` -> `seq2seq`).
Whenever a local file shadows a built-in config, or a path falls back to one,
`Resolved.note` says so in one line (main.py prints it on stderr).

Built-in configs are the modules of the `configs` package installed beside
`cardiojax` that define `get_config`; `builtin_configs` lists them.
"""

import dataclasses
import os
import pathlib

# configs/ is installed beside cardiojax/ (setup.py packages both): in the
# repository for an editable install, in site-packages otherwise.
CONFIGS_DIR = pathlib.Path(__file__).resolve().parents[1] / "configs"


@dataclasses.dataclass(frozen=True)
class Resolved:
  """A resolved `--config` value.

  Attributes:
    value: `FILE[:variant]` for `config_flags`, FILE absolute.
    note: one line saying which file was chosen over which, or None when the
      value meant exactly one config.
  """
  value: str
  note: str | None = None


def builtin_configs() -> dict[str, pathlib.Path]:
  """Built-in config name (`seq2seq`, `studies/lead_elimination`) -> file,
  sorted by name; the modules of `configs/` that define `get_config`."""
  found = {}
  for path in sorted(CONFIGS_DIR.rglob("*.py")):
    if "\ndef get_config(" in path.read_text():
      found[path.relative_to(CONFIGS_DIR).with_suffix("").as_posix()] = path
  return found


def _builtin_name(path: str) -> str:
  """The built-in config name a path or name means: the part after the last
  `configs/` folder, without `.py` (`./configs/seq2seq.py` -> `seq2seq`)."""
  parts = pathlib.PurePosixPath(path.removesuffix(".py")).parts
  if "configs" in parts:
    parts = parts[len(parts) - parts[::-1].index("configs"):]
  return "/".join(parts)


def resolve(spec: str, cwd: str | os.PathLike | None = None) -> Resolved:
  """Resolves a `--config` value (module docstring) in `cwd`.

  Args:
    spec: `NAME[:variant]` or `PATH[:variant]`.
    cwd: the folder relative paths are read in (default: the working
      directory).

  Returns:
    The file to load with the variant, and a note for the user when a local
    file shadows a built-in config or a missing path falls back to one.

  Raises:
    ValueError: neither a file nor a built-in config; the one-line message
      lists the built-in names.
  """
  path, colon, variant = spec.partition(":")
  suffix = colon + variant
  cwd = pathlib.Path(os.getcwd() if cwd is None else cwd)
  builtins = builtin_configs()
  listed = f"built-in configs: {', '.join(builtins)}"
  if not path:
    raise ValueError(f"--config={spec}: expected NAME[:variant] or "
                     f"FILE.py[:variant]; {listed}")
  name = _builtin_name(path)
  builtin = builtins.get(name)
  local = cwd / (path if path.endswith(".py") else f"{path}.py")
  if local.is_file():
    shadows = builtin is not None and not local.samefile(builtin)
    shown = os.path.relpath(local, cwd)
    note = (f"--config: using {'' if os.sep in shown else './'}{shown}, not "
            f"the built-in config {name}" if shadows else None)
    return Resolved(str(local.absolute()) + suffix, note)
  if builtin is not None:
    note = (None if path == name else
            f"--config: {path} is not a file in {cwd}; using the built-in "
            f"config {name} ({builtin})")
    return Resolved(str(builtin) + suffix, note)
  raise ValueError(f"--config={spec}: no file {os.path.relpath(local, cwd)} "
                   f"in {cwd} and no built-in config named {name}; {listed}")
