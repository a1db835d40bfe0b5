"""Parameter counts against closed forms from the layer sizes, and model-specific behaviour."""

import jax
import jax.numpy as jnp
import numpy as np

from cardiojax import models


def count_params(model, shape):
  variables = jax.eval_shape(
      lambda: model.init(jax.random.key(0), jnp.zeros(shape), train=False))
  return sum(int(np.prod(p.shape)) for p in jax.tree.leaves(variables["params"]))


def conv(cin, cout, k, bias=False):
  return cin * cout * k + (cout if bias else 0)


def bn(c):
  return 2 * c  # scale and bias; running statistics are not parameters.


def dense(cin, cout):
  return cin * cout + cout


def test_resnet34_parameter_count():
  def block(cin, cout, stride):
    shortcut = conv(cin, cout, 1) + bn(cout) if cin != cout or stride != 1 else 0
    return conv(cin, cout, 7) + bn(cout) + conv(cout, cout, 7) + bn(cout) + shortcut

  expected = conv(12, 64, 15) + bn(64)
  cin = 64
  for blocks, width in zip((3, 4, 6, 3), (64, 128, 256, 512)):
    for j in range(blocks):
      expected += block(cin, width, 2 if j == 0 and width != 64 else 1)
      cin = width
  expected += dense(2 * 512, 9)
  assert expected == 16_610_185  # About 16.6 M, as the CPSC2018 study states.
  assert count_params(models.ResNet34(num_outputs=9), (1, 5000, 12)) == expected


def test_ribeiro_parameter_count():
  widths = (64, 128, 196, 256, 320)
  expected = conv(12, 64, 16) + bn(64)
  for cin, cout in zip(widths[:-1], widths[1:]):
    expected += conv(cin, cout, 16) + bn(cout) + conv(cout, cout, 16) + bn(cout)
    expected += conv(cin, cout, 1) if cin != cout else 0
  expected += dense(16 * 320, 6)  # 4096 samples / 4**4 = 16 after the last unit.
  assert count_params(models.RibeiroResNet(num_outputs=6), (1, 4096, 12)) == expected


def test_kachuee_parameter_count():
  expected = conv(1, 32, 5, bias=True) + 5 * 2 * conv(32, 32, 5, bias=True)
  length = 187
  for _ in range(5):
    length = (length - 5) // 2 + 1  # max-pool k5 s2 'VALID': 92, 44, 20, 8, 2.
  expected += dense(length * 32, 32) + dense(32, 32) + dense(32, 5)
  assert expected == 55_013
  assert count_params(models.KachueeResNet(num_outputs=5), (1, 187, 1)) == expected


def test_dense_model_sizes_are_compact():
  vm = count_params(models.ECGToVm(output_shape=(500, 75)), (1, 500, 12))
  act = count_params(models.ECGToActivation(num_outputs=75), (1, 500, 12))
  assert 2_000_000 <= vm <= 5_000_000 and 100_000 <= act <= 500_000


def test_ecg_to_vm_output_shape_and_resampling():
  def shape(model, length):
    x = jnp.zeros((2, length, 12))
    return jax.eval_shape(
        lambda: model.apply(model.init(jax.random.key(0), x, train=False), x, train=False))[0].shape
  assert shape(models.ECGToVm(output_shape=(500, 75)), 500) == (2, 500, 75)
  assert shape(models.ECGToVm(num_outputs=75, output_shape=(250, 75)), 500) == (2, 250, 75)
  assert shape(models.ECGToActivation(num_outputs=75), 500) == (2, 75)


def test_autoencoder_reconstruction_as_outputs():
  model = models.ConvAutoencoder(num_outputs=3, features=(8, 16), output="reconstruction")
  x = jnp.zeros((2, 100, 3))
  out, inter = jax.eval_shape(
      lambda: model.apply(model.init(jax.random.key(0), x, train=False), x, train=False))
  assert out.shape == (2, 100, 3) and inter["logits"].shape == (2, 3)


def test_ml_resnet_dropped_lead_is_ignored():
  model = models.MLResNet(num_outputs=2, features=(4, 4, 8, 8))
  x = jax.random.normal(jax.random.key(0), (2, 64, 4))
  variables = model.init(jax.random.key(1), x, train=False)
  apply = jax.jit(lambda x, mask: model.apply(variables, x, train=False, lead_mask=mask)[0])
  mask = jnp.array([1.0, 0.0, 1.0, 1.0])
  changed = x.at[:, :, 1].set(5.0)
  np.testing.assert_allclose(apply(x, mask), apply(changed, mask), rtol=1e-6)
  assert not np.allclose(apply(x, jnp.ones(4)), apply(changed, jnp.ones(4)))


def test_uresnet_default_mask_marks_zero_leads_missing():
  model = models.UResNet1D(features=(4, 8))
  x = jax.random.normal(jax.random.key(0), (2, 64, 12)).at[:, :, 3:].set(0.0)
  variables = model.init(jax.random.key(1), x, train=False)
  apply = jax.jit(lambda x, mask: model.apply(variables, x, train=False, lead_mask=mask)[0])
  explicit = jnp.broadcast_to((jnp.arange(12) < 3).astype(jnp.float32), (2, 12))
  out = apply(x, None)
  assert out.shape == (2, 64, 12)
  np.testing.assert_allclose(out, apply(x, explicit), rtol=1e-6)
