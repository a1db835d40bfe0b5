"""Input attributions: gradients, SmoothGrad, integrated gradients, occlusion.

Every method maps a batch `x` (B, T, C) in mV to attributions of one scalar per
example, the *target*, chosen from the model's raw outputs by `select_target`:

- an `int` k: output k of the last axis (class or output site), summed over any
  axes between batch and last (e.g. time for sequence outputs);
- an int array (B,): a per-example index of the last axis (e.g. the predicted class);
  for a single-output binary model (outputs (B,) or (B, 1), one logit) the
  class, 1 or 0: the logit for 1, minus the logit for 0 (the evidence for the
  negative class);
- a callable `target_fn(outputs) -> (B,)`;
- `None`: outputs of shape (B,) or (B, 1) as they are.

Methods are jit-compiled with the model and the target static (an `nn.Module`
and an `int` or function are hashable), the variables and inputs traced. Models
run in inference mode (`train=False`), so examples do not interact and one
backward pass of the summed targets gives every example's gradient.
"""

import functools
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

Model = Any  # nn.Module, or f(variables, x) -> (outputs, intermediates).
Target = int | Callable[[jax.Array], jax.Array] | jax.Array | np.ndarray | None


def apply_model(model: Model, variables, x: jax.Array):
  """Runs `model` in inference mode: returns `(outputs, intermediates)`."""
  if isinstance(model, nn.Module):
    return model.apply(variables, x, train=False)
  return model(variables, x)


def select_target(outputs: jax.Array, target, indices: jax.Array | None = None) -> jax.Array:
  """The scalar per example (B,) that attributions explain.

  Args:
    outputs: raw model outputs (B, ...) (logits or values).
    target: static part of the choice: an `int`, a callable or `None` (module docstring).
    indices: per-example last-axis indices (B,) when `target` is `None`; the
      class (0 or 1) of a single-output binary model.
  """
  if callable(target):
    return target(outputs)
  single = outputs.ndim == 1 or (outputs.ndim == 2 and outputs.shape[1] == 1)
  if target is None and indices is None:
    if not single:
      raise ValueError(f"outputs of shape {outputs.shape} need a target index or function")
    return outputs.reshape(outputs.shape[0])
  if indices is not None and single:
    return outputs.reshape(outputs.shape[0]) * (2 * indices.reshape(-1) - 1).astype(outputs.dtype)
  if indices is not None:
    picked = jnp.take_along_axis(
        outputs, indices.reshape((-1,) + (1,) * (outputs.ndim - 1)).astype(jnp.int32), axis=-1)
  else:
    picked = outputs[..., target]
  return picked.reshape(outputs.shape[0], -1).sum(axis=1)


def split_target(target: Target):
  """(static part, per-example indices or None) of a target, for jitted cores.

  An int, a callable or None is static (hashable); an index array becomes data.
  """
  if target is None or callable(target) or isinstance(target, (int, np.integer)):
    return (int(target) if isinstance(target, np.integer) else target), None
  return None, jnp.asarray(target)


def _targets(model, variables, x, target, indices) -> jax.Array:
  """(B,) float32 targets of the model at inputs `x`."""
  outputs, _ = apply_model(model, variables, x)
  return select_target(outputs, target, indices).astype(jnp.float32)


def _grad(model, variables, x, target, indices) -> jax.Array:
  """d target / d x, (B, T, C) float32."""
  fn = lambda x: _targets(model, variables, x, target, indices).sum()  # noqa: E731
  return jax.grad(fn)(x.astype(jnp.float32))


def target_values(model: Model, variables, x: jax.Array, target: Target = None) -> jax.Array:
  """The explained scalar of each example, (B,) float32."""
  static, indices = split_target(target)
  return _target_values_jit(model, variables, x, static, indices)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _target_values_jit(model, variables, x, target, indices):
  return _targets(model, variables, x, target, indices)


def gradient(model: Model, variables, x: jax.Array, target: Target = None) -> jax.Array:
  """Vanilla gradient (Simonyan et al. 2014) d target / d x: (B, T, C), per mV."""
  static, indices = split_target(target)
  return _gradient_jit(model, variables, x, static, indices)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _gradient_jit(model, variables, x, target, indices):
  return _grad(model, variables, x, target, indices)


def gradient_x_input(model: Model, variables, x: jax.Array, target: Target = None) -> jax.Array:
  """Gradient times input (Shrikumar et al. 2016): (B, T, C), target units."""
  return gradient(model, variables, x, target) * x


def smoothgrad(model: Model, variables, x: jax.Array, target: Target = None, *,
               rng: jax.Array, num_samples: int = 32, noise_level: float = 0.1,
               multiply_by_input: bool = False) -> jax.Array:
  """SmoothGrad (Smilkov et al. 2017): gradient averaged over noisy copies of x.

  Args:
    model, variables, x, target: as for `gradient`; x is (B, T, C).
    rng: PRNG key of the Gaussian noise.
    num_samples: noisy copies per example (vmapped).
    noise_level: noise standard deviation as a fraction of each example's
      peak-to-peak amplitude (max - min over time and leads).
    multiply_by_input: return SmoothGrad x input instead of the mean gradient.

  Returns:
    (B, T, C) mean gradient (per mV), or times x when `multiply_by_input`.
  """
  static, indices = split_target(target)
  return _smoothgrad_jit(model, variables, x, static, indices, rng, num_samples,
                         noise_level, multiply_by_input)


@functools.partial(jax.jit, static_argnums=(0, 3, 6, 8))
def _smoothgrad_jit(model, variables, x, target, indices, rng, num_samples, noise_level,
                    multiply_by_input):
  x = x.astype(jnp.float32)
  sigma = noise_level * (x.max(axis=(1, 2), keepdims=True) - x.min(axis=(1, 2), keepdims=True))
  noise = jax.random.normal(rng, (num_samples,) + x.shape) * sigma
  grads = jax.vmap(lambda n: _grad(model, variables, x + n, target, indices))(noise)
  mean = grads.mean(axis=0)
  return mean * x if multiply_by_input else mean


def integrated_gradients(model: Model, variables, x: jax.Array, target: Target = None, *,
                         baseline: jax.Array | np.ndarray | None = None, num_steps: int = 64,
                         steps_per_batch: int | None = None) -> jax.Array:
  """Integrated gradients (Sundararajan et al. 2017) along the straight path.

  Trapezoidal rule over `num_steps` intervals; by completeness the attributions
  of an example sum to target(x) - target(baseline) up to the quadrature error.

  Args:
    model, variables, x, target: as for `gradient`; x is (B, T, C).
    baseline: zeros when None, else (T, C) (e.g. the training-set mean beat,
      `mean_baseline`) or (B, T, C), in mV.
    num_steps: intervals of the path; gradients are taken at num_steps + 1 points.
    steps_per_batch: path points evaluated together by `vmap` (memory bound);
      all of them when None.

  Returns:
    (B, T, C) attributions in target units.
  """
  static, indices = split_target(target)
  baseline = jnp.zeros_like(x) if baseline is None else jnp.broadcast_to(baseline, x.shape)
  return _integrated_gradients_jit(model, variables, x, static, indices, baseline, num_steps,
                                   steps_per_batch or num_steps + 1)


@functools.partial(jax.jit, static_argnums=(0, 3, 6, 7))
def _integrated_gradients_jit(model, variables, x, target, indices, baseline, num_steps,
                              steps_per_batch):
  x = x.astype(jnp.float32)
  baseline = baseline.astype(jnp.float32)
  alphas = jnp.linspace(0.0, 1.0, num_steps + 1)
  grad_at = lambda a: _grad(model, variables, baseline + a * (x - baseline), target, indices)  # noqa: E731
  grads = jax.lax.map(grad_at, alphas, batch_size=steps_per_batch)
  weights = jnp.ones(num_steps + 1).at[jnp.array([0, num_steps])].set(0.5) / num_steps
  return jnp.tensordot(weights, grads, axes=1) * (x - baseline)


def mean_baseline(inputs: np.ndarray) -> np.ndarray:
  """IG baseline: the mean training signal (N, T, C) -> (T, C), e.g. the mean beat."""
  return np.asarray(inputs, np.float32).mean(axis=0)


def _window_starts(length: int, window: int, stride: int) -> np.ndarray:
  """Window starts covering [0, length): a regular grid plus a last flush window."""
  if not 0 < window <= length:
    raise ValueError(f"window {window} must be in [1, {length}]")
  starts = list(range(0, length - window + 1, stride))
  if starts[-1] + window < length:
    starts.append(length - window)
  return np.asarray(starts)


def occlusion(model: Model, variables, x: jax.Array, target: Target = None, *,
              window: int, stride: int | None = None, per_lead: bool = True,
              fill: jax.Array | np.ndarray | float = 0.0,
              masks_per_batch: int = 16) -> jax.Array:
  """Occlusion over time windows (Zeiler & Fergus 2014).

  Each window of `window` samples (stepped by `stride`, default `window`) is
  replaced by `fill`, in one lead at a time (`per_lead`) or in all leads at once;
  a sample's attribution is the mean drop target(x) - target(occluded) over the
  windows that cover it.

  Args:
    model, variables, x, target: as for `gradient`; x is (B, T, C).
    window: occluded length in samples.
    stride: step between windows in samples (default `window`).
    per_lead: occlude each lead separately; else all leads together (the
      attribution is then the same in every lead).
    fill: replacement value in mV: a scalar, (T, C) or (B, T, C).
    masks_per_batch: occlusions evaluated together by `vmap`.

  Returns:
    (B, T, C) attributions in target units.
  """
  static, indices = split_target(target)
  starts = _window_starts(x.shape[1], window, stride or window)
  fill = jnp.broadcast_to(jnp.asarray(fill, jnp.float32), x.shape)
  return _occlusion_jit(model, variables, x, static, indices, fill, window,
                        tuple(starts.tolist()), per_lead, masks_per_batch)


@functools.partial(jax.jit, static_argnums=(0, 3, 6, 7, 8, 9))
def _occlusion_jit(model, variables, x, target, indices, fill, window, starts, per_lead,
                   masks_per_batch):
  x = x.astype(jnp.float32)
  _, length, num_leads = x.shape
  leads = np.arange(num_leads) if per_lead else np.array([-1])
  grid_starts, grid_leads = np.meshgrid(np.asarray(starts), leads, indexing="ij")
  base = _targets(model, variables, x, target, indices)
  time = jnp.arange(length)[:, None]

  def drop(start_lead):
    start, lead = start_lead[0], start_lead[1]
    in_window = (time >= start) & (time < start + window)
    in_lead = (jnp.arange(num_leads)[None, :] == lead) | (lead < 0)
    occluded = jnp.where(in_window & in_lead, fill, x)
    return base - _targets(model, variables, occluded, target, indices)

  grid = jnp.asarray(np.stack([grid_starts.ravel(), grid_leads.ravel()], axis=1))
  drops = jax.lax.map(drop, grid, batch_size=masks_per_batch)  # (W * L, B)
  drops = drops.reshape(len(starts), len(leads), -1)
  covers = (np.arange(length)[None, :] >= np.asarray(starts)[:, None]) & (
      np.arange(length)[None, :] < np.asarray(starts)[:, None] + window)
  covers = covers.astype(np.float32)  # (W, T)
  summed = jnp.einsum("wt,wlb->btl", covers, drops) / covers.sum(axis=0)[None, :, None]
  return jnp.broadcast_to(summed, x.shape)


def lead_occlusion(model: Model, variables, x: jax.Array, target: Target = None, *,
                   fill: jax.Array | np.ndarray | float = 0.0) -> jax.Array:
  """Drop target(x) - target(x with lead c replaced by `fill`): (B, C), target units."""
  static, indices = split_target(target)
  fill = jnp.broadcast_to(jnp.asarray(fill, jnp.float32), x.shape)
  return _lead_occlusion_jit(model, variables, x, static, indices, fill)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _lead_occlusion_jit(model, variables, x, target, indices, fill):
  x = x.astype(jnp.float32)
  base = _targets(model, variables, x, target, indices)
  eye = jnp.eye(x.shape[-1], dtype=bool)
  occluded = jax.vmap(lambda keep: jnp.where(keep[None, None, :], fill, x))(eye)
  drops = jax.vmap(lambda xo: base - _targets(model, variables, xo, target, indices))(occluded)
  return drops.T
