"""LLNL simulated intracardiac data (Landajuela et al., CinC 2022).

Input contract: `ecg` is (500, 12) float32, 500 ms at 1 kHz, 12 leads in
`STANDARD_12` order (I, II, III, aVR, aVL, aVF, V1-V6) derived from the 10
electrode potentials (RA, LA, LL, RL, V1-V6) through Wilson's central terminal
(`cardiojax.signal.leads.standard_leads_from_electrodes`), in the files' unit
(mV for `cardiojax.simulate`; the LLNL release does not state it). `vm` is
(500, 75) float32 transmembrane voltage in mV at the 75 recording sites
(columns in the order of geometry_points.csv).

Targets: `activation_time` (75,) float32 ms, the first sample where Vm > 0
(the LLNL code's `argmax(Vm > 0)`); `activated` (75,) bool is False for a site
that never crosses 0 mV, whose time is then 0 (as `argmax` gives, and as
`cardiojax.simulate.intracardiac.activation_times_from_vm` returns) and must be
masked out of losses and metrics.

Files: `manual_dir/data_hearts_dd_0p2*/` folders holding pairs
`pECGData_<suffix>.npy` (500, 10) and `VmData_<suffix>.npy` (500, 75) of
floats, paired by their shared suffix within a folder; an unpaired file or an
array of the wrong shape or dtype is an error naming the file. Other files are
ignored.

Splits: a seeded group split by simulation folder (`SPLIT_FRACTIONS` of the
pairs, seed `SPLIT_SEED`), so no folder straddles two splits. A split without
examples (fewer folders than splits) is left out.

Sources (builder configs): 'llnl' reads the files above from manual_dir;
`IntracardiacConfig(source='simulated', ...)` writes samples of
`cardiojax.simulate.intracardiac` (the default data of cardiojax: nothing to
download) into one 'train' split, folder = 'heart_KK', that `load` splits by
heart. Both go through this builder and the same pipeline.

Features: ecg, vm, activation_time, activated, folder and sample_id (text:
the folder name and the file suffix).

License: MIT (landajuela/cardiac_challenge code) with the LLNL notice; the
data set is doi:10.6075/J0SN094N. Cite Landajuela, Anirudh, Loscazo and
Blake, "Intracardiac Electrical Imaging Using the 12-Lead ECG: A Machine
Learning Approach Using Synthetic Data", CinC 2022, doi:10.22489/CinC.2022.026.
"""

import dataclasses
import pathlib
import re

import numpy as np
import tensorflow_datasets as tfds

from cardiojax.datasets import columns as columns_lib
from cardiojax.datasets import prepared
from cardiojax.input import contract as contract_lib
from cardiojax.input import records
from cardiojax.input import sources
from cardiojax.input import splits as splits_lib
from cardiojax.input import transforms
from cardiojax.signal import leads as leads_lib
from cardiojax.simulate import intracardiac as simulator

NUM_TIME = 500
NUM_SITES = 75
SAMPLING_RATE_HZ = 1000
FOLDER_GLOB = "data_hearts_dd_0p2*"
SPLIT_FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}
SPLIT_SEED = 0
CITATION = """@inproceedings{landajuela2022intracardiac,
  title={Intracardiac Electrical Imaging Using the 12-Lead {ECG}: A Machine
         Learning Approach Using Synthetic Data},
  author={Landajuela, Mikel and Anirudh, Rushil and Loscazo, Joe and
          Blake, Robert},
  booktitle={Computing in Cardiology}, year={2022},
  doi={10.22489/CinC.2022.026}}"""
LICENSE = "MIT (landajuela/cardiac_challenge) with the LLNL notice"
_FILE = re.compile(r"^(pECGData|VmData)_(.+)\.npy$")


def load_array(path: pathlib.Path | str,
               shape: tuple[int, ...]) -> np.ndarray:
  """Loads a float .npy (no pickles) and checks its shape.

  Returns:
    The array as float32.
  """
  try:
    array = np.load(path, allow_pickle=False)
  except Exception as e:  # numpy raises ValueError/OSError/EOFError.
    raise ValueError(f"{path}: unreadable .npy ({e})") from e
  if array.shape != shape or not np.issubdtype(array.dtype, np.floating):
    raise ValueError(f"{path}: array of shape {array.shape} and dtype "
                     f"{array.dtype}; expected shape {shape} of floats")
  return array.astype(np.float32)


def read_llnl_ecg(path: pathlib.Path | str) -> np.ndarray:
  """Reads a pECGData file: (500, 10) electrodes -> (500, 12) float32 leads."""
  electrodes = load_array(path, (NUM_TIME, len(leads_lib.ELECTRODES_10)))
  return leads_lib.standard_leads_from_electrodes(electrodes).astype(
      np.float32)


def read_llnl_vm(path: pathlib.Path | str) -> np.ndarray:
  """Reads a VmData file: (500, 75) float32 mV."""
  return load_array(path, (NUM_TIME, NUM_SITES))


def find_pairs(root: pathlib.Path | str) -> list[tuple[str, str, pathlib.Path,
                                                       pathlib.Path]]:
  """Finds the (pECGData, VmData) pairs under `root`.

  Returns:
    (folder name, suffix, ecg path, vm path), sorted by folder and suffix.
  """
  root = pathlib.Path(root)
  pairs = []
  for folder in sorted(p for p in root.glob(FOLDER_GLOB) if p.is_dir()):
    files = {"pECGData": {}, "VmData": {}}
    for path in sorted(folder.iterdir()):
      match = _FILE.match(path.name)
      if match:
        files[match.group(1)][match.group(2)] = path
    ecgs, vms = files["pECGData"], files["VmData"]
    for suffix in sorted(set(ecgs) ^ set(vms)):
      path, partner = ((ecgs[suffix], f"VmData_{suffix}.npy")
                       if suffix in ecgs else
                       (vms[suffix], f"pECGData_{suffix}.npy"))
      raise ValueError(f"{path}: unpaired; expected {folder / partner}")
    pairs += [(folder.name, s, ecgs[s], vms[s]) for s in sorted(ecgs)]
  return pairs


@dataclasses.dataclass(eq=False)
class IntracardiacConfig(tfds.core.BuilderConfig):
  """Where the samples come from.

  Attributes:
    source: 'llnl' (the files in manual_dir) or 'simulated'.
    num_samples, seed, num_hearts, noise_std_mv: the simulator's arguments
      (`cardiojax.simulate.intracardiac.simulate`), for 'simulated'.
  """
  source: str = "llnl"
  num_samples: int = 0
  seed: int = 0
  num_hearts: int = 10
  noise_std_mv: float = 0.02


class Intracardiac(tfds.core.GeneratorBasedBuilder):
  """LLNL intracardiac set; see the module docstring for the contract."""
  # What the corpus folder holds at its top (`prepared.check_manual_dir`).
  MANUAL_DIR_MARKERS = ("data_hearts_dd_0p2*",)
  CORPUS_NAME = "the LLNL intracardiac data"

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  BUILDER_CONFIGS = [IntracardiacConfig(
      name="llnl", source="llnl", description="the LLNL files in manual_dir")]
  MANUAL_DOWNLOAD_INSTRUCTIONS = (
      "the folder holding the data_hearts_dd_0p2*/ folders of the LLNL "
      "'Dataset of Simulated Intracardiac Transmembrane Voltage Recordings "
      "and ECG Signals' (doi:10.6075/J0SN094N), or of files written by "
      "cardiojax.simulate.intracardiac.write_llnl_files")

  def _info(self) -> tfds.core.DatasetInfo:
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=tfds.features.FeaturesDict({
            "ecg": tfds.features.Tensor(shape=(NUM_TIME, 12),
                                        dtype=np.float32),
            "vm": tfds.features.Tensor(shape=(NUM_TIME, NUM_SITES),
                                       dtype=np.float32),
            "activation_time": tfds.features.Tensor(shape=(NUM_SITES,),
                                                    dtype=np.float32),
            "activated": tfds.features.Tensor(shape=(NUM_SITES,),
                                              dtype=np.bool_),
            "folder": tfds.features.Text(),
            "sample_id": tfds.features.Text(),
        }),
        homepage="https://github.com/landajuela/cardiac_challenge",
        citation=CITATION,
        license=LICENSE,
        metadata=tfds.core.MetadataDict(
            sampling_rate_hz=SAMPLING_RATE_HZ, length=NUM_TIME,
            units="mV (the files' unit)", vm_units="mV",
            activation_time_units="ms",
            lead_names=list(leads_lib.STANDARD_12),
            electrode_names=list(leads_lib.ELECTRODES_10),
            license=LICENSE, split_fractions=SPLIT_FRACTIONS,
            split_seed=SPLIT_SEED))

  def _split_generators(self, dl_manager):
    if self.builder_config.source == "simulated":
      return {"train": self._generate_simulated()}
    root = pathlib.Path(dl_manager.manual_dir)
    pairs = find_pairs(root)
    if not pairs:
      raise FileNotFoundError(f"{root}: no pECGData/VmData pairs in "
                              f"{FOLDER_GLOB}/ folders")
    folders = [p[0] for p in pairs]
    indices = splits_lib.group_split(folders, SPLIT_FRACTIONS, SPLIT_SEED)
    splits_lib.assert_disjoint(
        {n: [folders[i] for i in idx] for n, idx in indices.items()})
    self.info.metadata["num_pairs"] = len(pairs)
    self.info.metadata["folders_by_split"] = {
        n: sorted({folders[i] for i in idx}) for n, idx in indices.items()}
    return {n: self._generate_examples([pairs[i] for i in idx])
            for n, idx in indices.items() if len(idx)}

  def _generate_examples(self, pairs):
    for folder, suffix, ecg_path, vm_path in pairs:
      vm = read_llnl_vm(vm_path)
      times, activated = simulator.activation_times_from_vm(vm)
      yield f"{folder}/{suffix}", {
          "ecg": read_llnl_ecg(ecg_path),
          "vm": vm,
          "activation_time": times,
          "activated": activated,
          "folder": folder,
          "sample_id": suffix,
      }

  def _generate_simulated(self):
    config = self.builder_config
    data = simulator.simulate(config.num_samples, config.seed,
                              simulator.SimulatorConfig(
                                  num_hearts=config.num_hearts,
                                  noise_std_mv=config.noise_std_mv))
    for i in range(config.num_samples):
      yield f"{i:07d}", {
          "ecg": data["ecg"][i],
          "vm": data["vm"][i],
          "activation_time": data["activation_times"][i],
          "activated": data["activated"][i],
          "folder": f"heart_{int(data['heart'][i]):02d}",
          "sample_id": f"{i:07d}",
      }


# Loading for training: `load(config.data)`; see `cardiojax.datasets`.

_TARGETS = {"vm": ("vm", "mV"), "activation_times": ("activation_time", "ms")}
_SOURCES = ("simulated", "llnl")


def split_hearts(num_hearts: int, validation: int, test: int,
                 seed: int) -> dict[str, np.ndarray]:
  """A seeded partition of heart ids into train, validation and test."""
  if validation + test >= num_hearts:
    raise ValueError(f"config.data: {validation} validation + {test} test "
                     f"hearts leave none of {num_hearts} for training")
  order = np.random.default_rng(seed).permutation(num_hearts)
  return {"validation": np.sort(order[:validation]),
          "test": np.sort(order[validation:validation + test]),
          "train": np.sort(order[validation + test:])}


def _builder(data_config):
  if data_config.source == "llnl":
    return prepared.prepared_builder(Intracardiac, "llnl", data_config)
  parts = (data_config.num_samples, data_config.seed, data_config.num_hearts,
           data_config.noise_std_mv)
  return prepared.prepared_builder(Intracardiac, IntracardiacConfig(
      name=prepared.config_name("simulated", parts), source="simulated",
      num_samples=data_config.num_samples, seed=data_config.seed,
      num_hearts=data_config.num_hearts,
      noise_std_mv=data_config.noise_std_mv,
      description="cardiojax.simulate.intracardiac samples"), data_config,
      needs_manual_dir=False)


# Examples decoded at once while reading a split (about 45 MB of signals).
_READ_CHUNK = 256


def _read_split(builder, split: str, target_key: str) -> dict[str, np.ndarray]:
  """Every example of a builder split in file order: 'ecg', `target_key`,
  'folder' and 'sample_id', decoded once into arrays allocated once (the
  memory of the data and one chunk, not of three copies), then loaded from
  the prepared folder (`columns.cached_columns`)."""

  def decode():
    data_source = builder.as_data_source(split)
    features = builder.info.features
    signals = {key: np.empty((len(data_source), *features[key].shape),
                             features[key].np_dtype)
               for key in ("ecg", target_key)}
    names = {"folder": [], "sample_id": []}
    for start in range(0, len(data_source), _READ_CHUNK):
      rows = range(start, min(start + _READ_CHUNK, len(data_source)))
      for row, example in zip(rows, data_source.__getitems__(list(rows))):
        for key, column in signals.items():
          column[row] = example[key]
        for key, values in names.items():
          values.append(example[key])
    return {**signals, **{key: np.asarray(v) for key, v in names.items()}}

  return columns_lib.cached_columns(builder.data_dir, split,
                                    ("ecg", target_key, "folder", "sample_id"),
                                    decode)


def _permute_rows(columns: dict[str, np.ndarray], order: np.ndarray) -> None:
  """`column[:] = column[order]` for every column, in place: one row of
  extra memory per column instead of a copy (`order` is a permutation)."""
  done = np.zeros(len(order), bool)
  for start in np.flatnonzero(order != np.arange(len(order))):
    if done[start]:
      continue
    saved = {key: column[start].copy() for key, column in columns.items()}
    row = start
    while order[row] != start:  # follow the cycle through `start`
      for column in columns.values():
        column[row] = column[order[row]]
      done[row] = True
      row = order[row]
    for key, column in columns.items():
      column[row] = saved[key]
    done[row] = True


def _split_in_place(columns: dict[str, np.ndarray],
                    split_of_row: np.ndarray,
                    names: tuple[str, ...]) -> dict[str, dict[str, np.ndarray]]:
  """Views of `columns` per split, each in sample order: by sample id
  (simulated: the simulator's index), then folder (LLNL: ids are unique per
  folder).

  Args:
    columns: key -> (N, ...) arrays of one builder split in file order; they
      are reordered in place.
    split_of_row: (N,) index into `names` of each row's split.
    names: the split names.
  """
  order = np.lexsort((columns["folder"], columns["sample_id"]))
  order = order[np.argsort(split_of_row[order], kind="stable")]
  _permute_rows(columns, order)
  stops = np.cumsum(np.bincount(split_of_row, minlength=len(names)))
  starts = np.concatenate([[0], stops[:-1]])
  return {name: {key: column[start:stop] for key, column in columns.items()}
          for name, start, stop in zip(names, starts, stops)}


def load(data_config) -> splits_lib.Splits:
  """ECG (500, 12) -> Vm (500, 75) mV or activation times (75,) ms.

  `data_config` fields: source ('simulated': the simulator, the default;
  'llnl': the LLNL files in manual_dir), target ('vm' or
  'activation_times'), data_dir, manual_dir; for 'simulated' num_samples,
  seed, num_hearts, noise_std_mv, and the split by heart: validation_hearts,
  test_hearts, split_seed (one heart = one "patient"). The LLNL files are
  split by the builder (by simulation folder). ECG inputs are standardised
  per lead with statistics of the training split only. Bootstrap unit: the
  simulation folder (one heart).
  """
  if data_config.source not in _SOURCES:
    raise ValueError(f"config.data.source: expected one of {_SOURCES}, got "
                     f"{data_config.source!r}")
  if data_config.target not in _TARGETS:
    raise ValueError(f"config.data.target: expected one of "
                     f"{sorted(_TARGETS)}, got {data_config.target!r}")
  target_key, unit = _TARGETS[data_config.target]
  builder = _builder(data_config)
  if data_config.source == "simulated":
    columns = _read_split(builder, "train", target_key)
    heart = np.asarray([int(f.decode().split("_")[-1])
                        for f in columns["folder"]])
    hearts = split_hearts(data_config.num_hearts,
                          data_config.validation_hearts,
                          data_config.test_hearts, data_config.split_seed)
    split_of_row = np.zeros(len(heart), np.int64)
    for index, ids in enumerate(hearts.values()):
      split_of_row[np.isin(heart, ids)] = index
    tables = _split_in_place(columns, split_of_row, tuple(hearts))
    groups = {split: ids.tolist() for split, ids in hearts.items()}
  else:
    tables = {}
    for split in builder.info.splits:
      columns = _read_split(builder, split, target_key)
      tables.update(_split_in_place(
          columns, np.zeros(len(columns["folder"]), np.int64), (split,)))
    groups = {split: sorted({f.decode() for f in table["folder"]})
              for split, table in tables.items()}
  train_ecg = tables["train"]["ecg"]
  normalizer = transforms.Normalizer(
      "standard", train_ecg.mean(axis=(0, 1)),
      train_ecg.std(axis=(0, 1)) + 1e-6)
  contract = contract_lib.InputContract(
      corpus="intracardiac", preparation="record",
      sampling_rate_hz=SAMPLING_RATE_HZ, window_samples=NUM_TIME,
      lead_names=leads_lib.STANDARD_12,
      input_shape=(NUM_TIME, len(leads_lib.STANDARD_12)), units="mV",
      input_units="standardised mV", normalizer=normalizer.to_dict(),
      window_policy={"kind": "sliding", "align": "start", "stride": NUM_TIME,
                     "min_samples": NUM_TIME},
      features={"input_leads": leads_lib.STANDARD_12, "zero_missing": False},
      target_units=unit)
  normalizer = transforms.Normalizer.from_dict(contract.normalizer)
  for table in tables.values():  # in place: the float32 (x - offset) / scale
    table["ecg"] -= normalizer.offset
    table["ecg"] /= normalizer.scale
  split_sources = {
      split: sources.ArraySource({"inputs": table["ecg"],
                                  "targets": table[target_key]})
      for split, table in tables.items()}
  info = {"groups": groups, "prepared_dir": str(builder.data_dir),
          "target_shape": tables["train"][target_key].shape[1:]}
  folders = {split: np.asarray([f.decode() for f in table["folder"]])
             for split, table in tables.items()}
  return splits_lib.Splits(split_sources, contract, info,
                           example_clusters=folders,
                           cluster_unit="heart (simulation folder)")


prepare_record = records.prepare_record
