"""Tests of cardiojax.input.transforms: exact, numpy only."""

import json
import pickle

import grain
import numpy as np
import pytest

from cardiojax.input import transforms


def _sine(freq_hz, fs, seconds, amplitude=1.0, leads=1):
  t = np.arange(int(round(fs * seconds))) / fs
  wave = amplitude * np.sin(2 * np.pi * freq_hz * t)
  return np.tile(wave[:, None], (1, leads)).astype(np.float32)


def _ramp(time, leads):
  return np.arange(time * leads, dtype=np.float32).reshape(time, leads)


def test_random_crop_is_a_seeded_contiguous_slice():
  x = _ramp(100, 3)
  a = transforms.random_crop(x, 30, np.random.default_rng(7))
  b = transforms.random_crop(x, 30, np.random.default_rng(7))
  np.testing.assert_array_equal(a, b)
  start = int(a[0, 0]) // 3
  np.testing.assert_array_equal(a, x[start:start + 30])
  starts = {int(transforms.random_crop(x, 30, np.random.default_rng(s))[0, 0]) // 3
            for s in range(200)}
  assert min(starts) == 0 and max(starts) == 70
  short = transforms.random_crop(x[:20], 30, np.random.default_rng(0))
  np.testing.assert_array_equal(short[:20], x[:20])
  assert not short[20:].any()


def test_normalizer_uses_training_statistics_only():
  rng = np.random.default_rng(0)
  # Training signals of different lengths, streamed as a generator.
  train = [rng.normal([1.0, -2.0], [0.5, 3.0], size=(n, 2)).astype(np.float32)
           for n in (300, 500, 200)]
  test = rng.normal([3.0, 0.0], [1.0, 1.0], size=(400, 2)).astype(np.float32)
  norm = transforms.Normalizer.fit(x for x in train)
  stacked = np.concatenate(train).astype(np.float64)
  np.testing.assert_allclose(norm.offset, stacked.mean(0), rtol=1e-6)
  np.testing.assert_allclose(norm.scale, stacked.std(0), rtol=1e-6)
  train_out = norm.apply(np.concatenate(train))
  np.testing.assert_allclose(train_out.mean(0), 0, atol=1e-5)
  np.testing.assert_allclose(train_out.std(0), 1, atol=1e-5)
  test_out = norm.apply(test)
  assert test_out.dtype == np.float32
  np.testing.assert_allclose(test_out, (test - stacked.mean(0)) / stacked.std(0), rtol=1e-5)
  assert abs(test_out[:, 0].mean()) > 1 and abs(test_out[:, 1].std() - 1) > 0.2
  restored = transforms.Normalizer.from_dict(json.loads(json.dumps(norm.to_dict())))
  np.testing.assert_array_equal(restored.apply(test), test_out)


def test_normalizer_minmax_and_constant_lead():
  x = np.stack([np.linspace(-1, 3, 50), np.full(50, 2.0)], axis=1)
  norm = transforms.Normalizer.fit(x[None], mode="minmax")
  np.testing.assert_allclose(norm.offset, [-1, 2])
  np.testing.assert_allclose(norm.scale, [4, 1])
  out = norm.apply(x)
  assert out[:, 0].min() == 0 and out[:, 0].max() == 1
  np.testing.assert_array_equal(out[:, 1], 0)
  with pytest.raises(ValueError, match="mode"):
    transforms.Normalizer.fit([x], mode="robust")
  with pytest.raises(ValueError, match="signals"):
    transforms.Normalizer.fit([x, x[:, :1]])
  with pytest.raises(ValueError, match="signals"):
    transforms.Normalizer.fit([])
  with pytest.raises(ValueError, match="x"):
    norm.apply(x[:, :1])


def _deterministic(fn, x, **kwargs):
  a = fn(x, np.random.default_rng(3), **kwargs)
  b = fn(x, np.random.default_rng(3), **kwargs)
  c = fn(x, np.random.default_rng(4), **kwargs)
  np.testing.assert_array_equal(a, b)
  assert not np.array_equal(a, c)
  assert a.dtype == np.float32 and a.shape == x.shape
  return a


def test_scale_amplitude():
  x = _ramp(50, 3) + 1
  y = _deterministic(transforms.scale_amplitude, x, low=0.5, high=2.0)
  ratio = y / x
  np.testing.assert_allclose(ratio, ratio[0, 0], rtol=1e-6)
  assert 0.5 <= ratio[0, 0] <= 2.0
  y = transforms.scale_amplitude(x, np.random.default_rng(0), low=0.5, high=2.0, per_lead=True)
  ratio = y / x
  np.testing.assert_allclose(ratio, np.broadcast_to(ratio[:1], ratio.shape), rtol=1e-6)
  assert len(set(ratio[0].round(6))) == 3
  with pytest.raises(ValueError, match="low, high"):
    transforms.scale_amplitude(x, np.random.default_rng(0), low=2.0, high=1.0)


def _shifted(x, shift):
  out = np.zeros_like(x)
  if shift >= 0:
    out[shift:] = x[:len(x) - shift]
  else:
    out[:shift] = x[-shift:]
  return out


def test_time_shift():
  x = _ramp(50, 2) + 1
  seen = set()
  for seed in range(40):
    y = transforms.time_shift(x, np.random.default_rng(seed), max_shift=5)
    shifts = [k for k in range(-5, 6) if np.array_equal(y, _shifted(x, k))]
    assert len(shifts) == 1
    seen.add(shifts[0])
    rolled = transforms.time_shift(x, np.random.default_rng(seed), max_shift=5, wrap=True)
    np.testing.assert_array_equal(rolled, np.roll(x, shifts[0], axis=0))
  assert seen == set(range(-5, 6))
  _deterministic(transforms.time_shift, x, max_shift=10)
  for seed in range(5):  # Shifts past the end leave zeros.
    y = transforms.time_shift(x[:3], np.random.default_rng(seed), max_shift=100)
    assert y.shape == (3, 2)
    assert not y.any() or any(np.array_equal(y, _shifted(x[:3], k)) for k in range(-2, 3))
  with pytest.raises(ValueError, match="max_shift"):
    transforms.time_shift(x, np.random.default_rng(0), max_shift=-1)


def test_gaussian_noise_has_the_stated_level():
  x = _sine(5.0, 500, 40.0, amplitude=2.0, leads=2)
  y = _deterministic(transforms.gaussian_noise, x, std=0.05)
  assert np.std(y - x) == pytest.approx(0.05, rel=0.02)
  y = transforms.gaussian_noise(x, np.random.default_rng(0), snr_db=20.0)
  noise_power = np.mean((y - x) ** 2, axis=0)
  snr = 10 * np.log10(np.mean(x.astype(np.float64) ** 2, axis=0) / noise_power)
  np.testing.assert_allclose(snr, 20.0, atol=0.2)
  with pytest.raises(ValueError, match="std, snr_db"):
    transforms.gaussian_noise(x, np.random.default_rng(0))
  with pytest.raises(ValueError, match="std"):
    transforms.gaussian_noise(x, np.random.default_rng(0), std=-1.0)


def test_baseline_wander_is_bounded_and_slow():
  fs, amplitude, max_hz = 500.0, 0.2, 0.5
  x = _sine(10.0, fs, 10.0, leads=3)
  y = _deterministic(transforms.baseline_wander, x, fs=fs, max_amplitude=amplitude,
                     max_hz=max_hz, num_components=2)
  wander = (y - x).astype(np.float64)
  assert np.abs(wander).max() <= 2 * amplitude + 1e-6
  assert np.abs(wander).max() > 0.01
  # |d/dt| of the wander is at most 2 pi f_max times its total amplitude.
  assert np.abs(np.diff(wander, axis=0)).max() * fs <= 2 * np.pi * max_hz * 2 * amplitude + 1e-3
  with pytest.raises(ValueError, match="min_hz, max_hz"):
    transforms.baseline_wander(x, np.random.default_rng(0), fs=fs, max_hz=300.0)
  with pytest.raises(ValueError, match="fs"):
    transforms.baseline_wander(x, np.random.default_rng(0), fs=0)


def test_augment_chains_steps_and_runs_in_grain():
  steps = [("scale_amplitude", {"low": 2.0, "high": 2.0}),
           ("time_shift", {"max_shift": 0}),
           ("gaussian_noise", {"std": 0.0}),
           ("baseline_wander", {"fs": 100.0, "max_amplitude": 0.0, "p": 0.5})]
  augment = transforms.Augment(steps)
  example = {"inputs": _ramp(20, 2), "targets": np.int64(3)}
  out = augment(example, np.random.default_rng(0))
  np.testing.assert_array_equal(out["inputs"], 2 * example["inputs"])
  assert out["targets"] == 3 and example["inputs"][1, 0] == 2  # Input untouched.
  np.testing.assert_array_equal(augment(example["inputs"], np.random.default_rng(0)),
                                2 * example["inputs"])
  never = transforms.Augment([("scale_amplitude", {"low": 2.0, "high": 2.0, "p": 0.0})])
  np.testing.assert_array_equal(never(example, np.random.default_rng(0))["inputs"],
                                example["inputs"])

  noisy = transforms.Augment([("gaussian_noise", {"std": 0.1})])
  examples = [{"inputs": np.zeros((20, 2), np.float32)} for _ in range(4)]
  run = lambda: [e["inputs"] for e in grain.MapDataset.source(examples).seed(1).random_map(noisy)]
  first, second = run(), run()
  for a, b in zip(first, second):
    np.testing.assert_array_equal(a, b)
  assert not np.array_equal(first[0], first[1])
  pickle.loads(pickle.dumps(noisy))
  with pytest.raises(ValueError, match=r"steps\[0\]"):
    transforms.Augment([("flip", {})])
  with pytest.raises(ValueError, match=r"steps\[0\]"):
    transforms.Augment([("gaussian_noise", {"std": 0.1, "p": 2.0})])
