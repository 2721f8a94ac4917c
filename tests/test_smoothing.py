"""Gradient blur cascade and normalization statistics."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import smoothing


def _noise(shape=(2, 40, 50, 3), seed=0):
    return tf.constant(np.random.default_rng(seed).normal(size=shape), tf.float32)


@pytest.mark.parametrize("sigma", [0.3, 1.0, 4.0])
def test_blur_preserves_a_constant(sigma):
    constant = tf.fill([1, 20, 30, 3], 2.5)
    np.testing.assert_allclose(smoothing.smooth(constant, tf.constant(sigma)), 2.5, rtol=1e-5)


def test_blur_reduces_the_variance_of_noise_more_with_a_larger_sigma():
    noise = _noise()
    variances = [float(tf.math.reduce_variance(smoothing.smooth(noise, tf.constant(s)))) for s in (0.0, 0.5, 2.0)]
    assert variances[0] > variances[1] > variances[2]
    assert variances[2] < 0.1 * variances[0]


def test_blur_keeps_shape_and_handles_a_radius_beyond_the_image():
    noise = _noise((1, 5, 7, 3))
    blurred = smoothing.smooth(noise, tf.constant(10.0))
    assert blurred.shape == noise.shape and np.all(np.isfinite(blurred))


@pytest.mark.parametrize("sigma", [0.0, -1.0])
def test_sigma_zero_or_less_is_identity(sigma):
    noise = _noise()
    np.testing.assert_array_equal(smoothing.smooth(noise, tf.constant(sigma)), noise)


def test_cascade_sigma_grows_over_an_octave():
    assert smoothing.cascade_sigma(0, 10, 1.0) == pytest.approx(0.5)
    assert smoothing.cascade_sigma(5, 10, 1.0) == pytest.approx(1.5)
    assert smoothing.cascade_sigma(3, 10, 0.0) == 0.0


@pytest.mark.parametrize("rows_per_chunk", [1, 7, 256])
def test_gradient_scale_matches_numpy(rows_per_chunk):
    gradient = np.random.default_rng(1).normal(0.2, 3.0, (45, 33, 3)).astype(np.float32)
    expected_std = np.std(gradient.astype(np.float64))
    expected_mean = np.mean(np.abs(gradient.astype(np.float64)))
    assert smoothing.gradient_scale(gradient, "std", rows_per_chunk) == pytest.approx(expected_std, rel=1e-9)
    assert smoothing.gradient_scale(gradient, "mean", rows_per_chunk) == pytest.approx(expected_mean, rel=1e-9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("normalization", ["std", "mean"])
def test_gradient_scale_is_not_finite_for_a_non_finite_gradient(bad, normalization):
    gradient = np.ones((10, 10, 3), np.float32)
    gradient[4, 5, 1] = bad
    assert not np.isfinite(smoothing.gradient_scale(gradient, normalization))
    if normalization == "std":
        assert np.isnan(smoothing.gradient_scale(gradient, normalization))
