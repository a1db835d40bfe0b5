"""Grad-CAM-1D on the named intermediates of zoo models, without changing them."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from cardiojax.explain import gradcam
from cardiojax.models import MODELS
from cardiojax.models import common

B, T, C = 2, 256, 12

ZOO = {
    "resnet18": dict(features=(8, 8, 16, 16), kernel_size=5, stem_kernel_size=7),
    "ribeiro_resnet": dict(features=(8, 8, 8, 16, 16), strides=(2, 2, 2, 2), kernel_size=5),
    "dilated_cnn_bilstm": dict(features=(8, 8, 8, 8), hidden=8),
}


@pytest.fixture(scope="module", params=sorted(ZOO))
def zoo_model(request):
  model = MODELS[request.param](num_outputs=3, **ZOO[request.param])
  x = jax.random.normal(jax.random.key(0), (B, T, C))
  variables = model.init(jax.random.key(1), x, train=False)
  _, intermediates = model.apply(variables, x, train=False)
  return request.param, model, variables, x, intermediates


def test_grad_cam_on_every_sequence_intermediate(zoo_model):
  name, model, variables, x, intermediates = zoo_model
  sequence_maps = [k for k, v in intermediates.items() if v.ndim == 3]
  assert {"stem", "stage1"} <= set(sequence_maps), sequence_maps
  for feature in sequence_maps:
    cam = gradcam.grad_cam(model, variables, x, 2, feature=feature, relu=False)
    assert cam.shape == (B, T) and np.all(np.isfinite(cam)), (name, feature)
    assert float(jnp.abs(cam).max()) > 0, (name, feature)
  assert np.all(gradcam.grad_cam(model, variables, x, 2, feature="stage1") >= 0)
  acts, grads = gradcam.feature_gradients(model, variables, x, 2, feature="stage1")
  np.testing.assert_allclose(acts, intermediates["stage1"], rtol=1e-5, atol=1e-6)
  assert grads.shape == acts.shape and float(jnp.abs(grads).sum()) > 0, name


def test_feature_gradient_matches_the_head_by_hand():
  """ResNet `stage2` feeds concat pooling and the dense head only."""
  model = MODELS["resnet18"](num_outputs=3, stage_sizes=(1, 1), features=(8, 16))
  x = jax.random.normal(jax.random.key(0), (B, T, C))
  variables = model.init(jax.random.key(1), x, train=False)
  acts, grads = gradcam.feature_gradients(model, variables, x, 1, feature="stage2")
  head = variables["params"]["head"]
  by_hand = jax.grad(lambda a: (common.concat_pool(a) @ head["kernel"] + head["bias"])[:, 1].sum())
  np.testing.assert_allclose(grads, by_hand(acts), rtol=1e-5, atol=1e-7)


class InlineFeature(nn.Module):
  """Feature map 'mid' is computed inline (not a submodule output)."""

  @nn.compact
  def __call__(self, x, *, train: bool):
    del train
    mid = 2.0 * jnp.tanh(nn.Conv(4, (3,), name="conv")(x))
    pre_logits = jnp.mean(mid ** 2, axis=1)
    return pre_logits @ self.param("w", nn.initializers.normal(), (4,)), {
        "mid": mid, "pre_logits": pre_logits}


def test_inline_feature_gradient_and_errors():
  model = InlineFeature()
  x = jax.random.normal(jax.random.key(0), (B, 16, 3))
  variables = model.init(jax.random.key(1), x, train=False)
  acts, grads = gradcam.feature_gradients(model, variables, x, feature="mid")
  np.testing.assert_allclose(grads, 2 * acts * variables["params"]["w"] / 16, rtol=1e-5,
                             atol=1e-7)
  with pytest.raises(ValueError, match=r"\(B, T', F\)"):
    gradcam.grad_cam(model, variables, x, feature="pre_logits")
  with pytest.raises(KeyError, match="mid"):
    gradcam.grad_cam(model, variables, x, feature="nope")


def test_map_off_the_output_path_fails_loudly():
  """An LSTM read by its last state: the sequence and the state leave the same scan."""
  model = MODELS["lstm"](num_outputs=2, hidden=4)
  x = jax.random.normal(jax.random.key(0), (B, 16, 2))
  variables = model.init(jax.random.key(1), x, train=False)
  with pytest.raises(ValueError, match="do not depend"):
    gradcam.grad_cam(model, variables, x, 0, feature="rnn1")
