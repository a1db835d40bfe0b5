"""Grad-CAM-1D (Selvaraju et al. 2017) on any named intermediate feature map.

Grad-CAM needs d target / d A for a feature map A inside the model. Models
return their feature maps as `intermediates` but cannot be changed to expose a
hook (`self.perturb`), and a named map is often not the output of a submodule
(e.g. the ResNet `stem` is a max pool inside the parent's `__call__`), so
`flax.linen.intercept_methods` cannot reach every map. Instead we trace
`(variables, x) -> (outputs, intermediates[name])` to a jaxpr, where the feature
map is one variable A of the top-level program, and re-evaluate that program
equation by equation with a perturbation `delta` added to A right where A is
computed; every later use of A then sees A + delta, and
d target / d delta at delta = 0 is d target / d A. This works for any model
that returns the map, without knowing how it is computed. It fails loudly
(ValueError) when the outputs do not depend on A in the top-level program, e.g.
when A and the outputs come out of the same `nn.scan`/`jit`-wrapped call.
The interpreter loop uses `Primitive.get_bind_params` of the pinned jax 0.10.
"""

import functools

import jax
import jax.extend.core as jex
import jax.numpy as jnp

from cardiojax.explain import attributions


def _perturbed_program(model, variables, x, feature: str):
  """Traces the model: returns `run(variables, x, delta) -> (outputs, A + delta)`
  and A's shape, where `delta` is added to the feature map A where A is computed.
  """
  def outputs_and_feature(variables, x):
    outputs, intermediates = attributions.apply_model(model, variables, x)
    if feature not in intermediates:
      raise KeyError(f"no intermediate {feature!r}; the model has {sorted(intermediates)}")
    return outputs, intermediates[feature]

  closed, out_shapes = jax.make_jaxpr(outputs_and_feature, return_shape=True)(variables, x)
  jaxpr = closed.jaxpr
  out_tree = jax.tree.structure(out_shapes)
  feature_var, output_vars = jaxpr.outvars[-1], jaxpr.outvars[:-1]
  if isinstance(feature_var, jex.Literal):
    raise ValueError(f"intermediate {feature!r} is a constant")
  _check_feeds_outputs(jaxpr, feature_var, output_vars, feature)

  def run(variables, x, delta):
    env = {}
    read = lambda v: v.val if isinstance(v, jex.Literal) else env[v]  # noqa: E731

    def write(v, value):
      env[v] = value + delta if v is feature_var else value

    for v, value in zip(jaxpr.constvars, closed.consts):
      write(v, value)
    for v, value in zip(jaxpr.invars, jax.tree.leaves((variables, x))):
      write(v, value)
    for eqn in jaxpr.eqns:
      values = eqn.primitive.bind(*map(read, eqn.invars),
                                  **eqn.primitive.get_bind_params(eqn.params))
      for v, value in zip(eqn.outvars, values if eqn.primitive.multiple_results else [values]):
        write(v, value)
    return jax.tree.unflatten(out_tree, [read(v) for v in jaxpr.outvars])

  return run, out_shapes[1]


def _check_feeds_outputs(jaxpr, feature_var, output_vars, feature: str):
  """Raises unless some output depends on `feature_var` through top-level equations."""
  reached = {feature_var}
  for eqn in jaxpr.eqns:
    if any(not isinstance(v, jex.Literal) and v in reached for v in eqn.invars):
      reached.update(eqn.outvars)
  if not any(not isinstance(v, jex.Literal) and v in reached for v in output_vars):
    raise ValueError(f"the outputs do not depend on intermediate {feature!r} in the "
                     "top-level program (it is not a feature map on the path to the outputs, "
                     "or it is produced inside the same nested call as the outputs)")


def feature_gradients(model, variables, x, target=None, *, feature: str):
  """A named feature map and the target's gradient with respect to it.

  Args:
    model, variables, x, target: as for `attributions.gradient`; x is (B, T, C).
    feature: key of the model's `intermediates`.

  Returns:
    `(A, dA)`, both shaped like the feature map, e.g. (B, T', F).
  """
  static, indices = attributions.split_target(target)
  return _feature_gradients_jit(model, variables, x, static, indices, feature)


@functools.partial(jax.jit, static_argnums=(0, 3, 5))
def _feature_gradients_jit(model, variables, x, target, indices, feature):
  x = x.astype(jnp.float32)
  run, shape = _perturbed_program(model, variables, x, feature)

  def summed_target(delta):
    outputs, acts = run(variables, x, delta)
    return attributions.select_target(outputs, target, indices).astype(jnp.float32).sum(), acts

  grads, acts = jax.grad(summed_target, has_aux=True)(jnp.zeros(shape.shape, shape.dtype))
  return acts, grads


def grad_cam(model, variables, x, target=None, *, feature: str, relu: bool = True):
  """Grad-CAM-1D, upsampled to the input length.

  The map is relu(sum_f alpha_f A[:, t, f]) with alpha_f = mean_t dTarget/dA[:, t, f],
  linearly interpolated from the feature map's T' steps to the input's T samples.

  Args:
    model, variables, x, target: as for `attributions.gradient`; x is (B, T, C).
    feature: key of a (B, T', F) entry of the model's `intermediates`.
    relu: keep only the positive evidence (the original Grad-CAM); signed when False.

  Returns:
    (B, T) float32 class-activation map in target units.
  """
  static, indices = attributions.split_target(target)
  return _grad_cam_jit(model, variables, x, static, indices, feature, relu)


@functools.partial(jax.jit, static_argnums=(0, 3, 5, 6))
def _grad_cam_jit(model, variables, x, target, indices, feature, relu):
  acts, grads = _feature_gradients_jit(model, variables, x, target, indices, feature)
  if acts.ndim != 3:
    raise ValueError(f"Grad-CAM needs a (B, T', F) feature map; {feature!r} is {acts.shape}")
  acts, grads = acts.astype(jnp.float32), grads.astype(jnp.float32)
  cam = jnp.einsum("btf,bf->bt", acts, grads.mean(axis=1))
  if relu:
    cam = jax.nn.relu(cam)
  return jax.image.resize(cam, (x.shape[0], x.shape[1]), method="linear")
