"""Grain pipelines for training and evaluation.

Training reads a seeded, per-epoch reshuffled, per-process shard of a source as
an endless, checkpointable grain iterator. Evaluation reads every example of a
split exactly once in fixed order: the last batch is padded and its padding
masked (`mask` = 0), never dropped.
"""

from typing import Callable, Iterator

import grain
import numpy as np


def train_iterator(source, *, batch_size: int, seed: int,
                   transform: Callable[[dict], dict] | None = None,
                   random_transform: Callable[[dict, np.random.Generator], dict] | None = None,
                   process_index: int = 0, process_count: int = 1,
                   num_threads: int = 2, prefetch: int = 8):
  """An endless iterator of training batches of this process.

  Args:
    source: random access, `source[i]` is a dict of numpy arrays.
    batch_size: examples per batch on this process.
    seed: the shuffle (and augmentation) seed; each epoch is reshuffled.
    transform: deterministic per-example function.
    random_transform: per-example function taking a numpy Generator.
    process_index, process_count: this process's shard of the source.

  Returns:
    A grain DatasetIterator (`get_state`/`set_state`, checkpointable) of
    batches {key: (batch_size, ...)} with a `mask` of ones.
  """
  dataset = grain.MapDataset.source(source)[process_index::process_count]
  if len(dataset) < batch_size:
    raise ValueError(f"train split: {len(dataset)} examples on process "
                     f"{process_index}, fewer than the batch size {batch_size}")
  dataset = dataset.seed(seed).shuffle().repeat(None)
  if transform is not None:
    dataset = dataset.map(transform)
  if random_transform is not None:
    dataset = dataset.random_map(random_transform)
  dataset = dataset.map(_with_mask).batch(batch_size, drop_remainder=True)
  options = grain.ReadOptions(num_threads=num_threads, prefetch_buffer_size=prefetch)
  return iter(dataset.to_iter_dataset(options))


def _with_mask(example: dict) -> dict:
  return {**example, "mask": np.float32(1.0)}


def eval_batches(source, *, batch_size: int,
                 transform: Callable[[dict], dict] | None = None,
                 process_index: int = 0,
                 process_count: int = 1) -> Iterator[dict[str, np.ndarray]]:
  """Yields this process's padded, masked batches covering its shard once.

  Every process yields the same number of batches (padding where a shard is
  shorter), as the collective evaluation step requires.
  """
  indices = np.arange(len(source))[process_index::process_count]
  longest_shard = -(-len(source) // process_count)
  num_batches = max(1, -(-longest_shard // batch_size))
  for batch_index in range(num_batches):
    chunk = indices[batch_index * batch_size:(batch_index + 1) * batch_size]
    if len(chunk):
      batch = pad_batch(_gather(source, chunk, transform), len(chunk), batch_size)
    else:  # a process whose shard is exhausted still joins the collective step
      batch = pad_batch(_gather(source, indices[:1] if len(indices) else [0],
                                transform), 0, batch_size)
    batch["index"] = np.full(batch_size, -1, np.int64)
    batch["index"][:len(chunk)] = chunk
    yield batch


def _gather(source, indices, transform):
  if transform is None and hasattr(source, "take"):
    return source.take(np.asarray(indices))
  examples = [source[int(i)] for i in indices]
  if transform is not None:
    examples = [transform(example) for example in examples]
  return {key: np.stack([example[key] for example in examples])
          for key in examples[0]}


def pad_batch(batch: dict, num_real: int, batch_size: int):
  """Keeps the first `num_real` examples, zero-pads to `batch_size`, masks."""
  padded = {}
  for key, value in batch.items():
    value = np.asarray(value)[:num_real]
    pad = np.zeros((batch_size - num_real,) + value.shape[1:], value.dtype)
    padded[key] = np.concatenate([value, pad])
  padded["mask"] = (np.arange(batch_size) < num_real).astype(np.float32)
  return padded
