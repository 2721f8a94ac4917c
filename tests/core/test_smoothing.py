"""Gradient blur cascade and normalization statistics."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream.core import smoothing


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


# Laplacian-pyramid normalization

def _checkerboard(height, width, amplitude=1.0):
    board = (np.indices((height, width)).sum(axis=0) % 2 * 2 - 1).astype(np.float32)
    return tf.constant(np.repeat(board[None, :, :, None], 3, axis=-1) * amplitude)


def _lapnorm(images, levels=4):
    return smoothing.laplacian_normalize(tf.constant(images, tf.float32), tf.constant(levels)).numpy()


def _reference_lapnorm(image, levels, floor=None):
    """Independent numpy version of `laplacian_normalize` for one (h, w, c) image, loops over pixels."""
    image = image.astype(np.float64)
    floor = smoothing.LAPLACIAN_FLOOR * np.sqrt(np.mean(image**2)) if floor is None else floor
    kernel = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0

    def blur(padded, height, width, stride):
        return np.array([[np.einsum("ij,ijc->c", kernel, padded[y : y + 5, x : x + 5])
                          for x in range(0, width, stride)] for y in range(0, height, stride)])

    def unit(band):
        return band / max(np.sqrt(np.mean(band**2)), floor)

    height, width = image.shape[:2]
    if levels == 0 or min(height, width) < 3:
        return unit(image)
    low = blur(np.pad(image, ((2, 2), (2, 2), (0, 0)), mode="reflect"), height, width, 2)

    def expand(small):
        spread = np.zeros_like(image)
        spread[::2, ::2] = small
        return 4 * blur(np.pad(spread, ((2, 2), (2, 2), (0, 0)), mode="reflect"), height, width, 1)

    return expand(_reference_lapnorm(low, levels - 1, floor)) + unit(image - expand(low))


@pytest.mark.parametrize("shape", [(1, 16, 20, 3), (2, 7, 9, 3), (1, 1, 1, 3), (1, 2, 5, 3)])
def test_laplacian_turns_a_constant_into_its_sign(shape):
    np.testing.assert_allclose(_lapnorm(np.full(shape, -250.0)), -1.0, atol=1e-6)


def test_laplacian_keeps_a_checkerboard_as_its_finest_band():
    np.testing.assert_allclose(_lapnorm(_checkerboard(16, 20, 1e-3)), _checkerboard(16, 20), atol=1e-4)


def test_pure_low_and_high_frequency_gradients_come_out_with_equal_energy():
    low = _lapnorm(np.full((1, 32, 32, 3), 1e3))
    high = _lapnorm(_checkerboard(32, 32, 1e-3))
    assert np.sqrt(np.mean(low**2)) == pytest.approx(1.0, rel=1e-4)
    assert np.sqrt(np.mean(high**2)) == pytest.approx(1.0, rel=1e-4)
    # Together (a thousand times apart), each band is scaled to unit size: 1 + checkerboard, so 0 or 2.
    mixed = _lapnorm(np.full((1, 32, 32, 3), 10.0) + _checkerboard(32, 32, 1e-2))
    np.testing.assert_allclose(mixed, 1.0 + _checkerboard(32, 32).numpy(), atol=1e-4)


def test_a_band_under_the_floor_is_not_blown_up():
    # A million times apart, the checkerboard is below LAPLACIAN_FLOOR (1e-4) of the whole: divided by the floor.
    mixed = _lapnorm(np.full((1, 32, 32, 3), 1e3) + _checkerboard(32, 32, 1e-3))
    np.testing.assert_allclose(mixed, 1.0 + 1e-2 * _checkerboard(32, 32).numpy(), atol=1e-3)


@pytest.mark.parametrize("levels, shape", [(1, (6, 5, 3)), (2, (9, 12, 3)), (4, (13, 8, 2))])
def test_laplacian_matches_a_numpy_pyramid(levels, shape):
    image = np.random.default_rng(levels).normal(size=shape)
    np.testing.assert_allclose(_lapnorm(image[None], levels)[0], _reference_lapnorm(image, levels), atol=2e-5)


def test_laplacian_normalizes_every_tile_on_its_own_and_keeps_zeros():
    rng = np.random.default_rng(0)
    tiles = np.stack([rng.normal(0, 1e-6, (24, 24, 3)), rng.normal(0, 1e3, (24, 24, 3)), np.zeros((24, 24, 3))])
    together = _lapnorm(tiles)
    np.testing.assert_allclose(together[0], _lapnorm(tiles[:1])[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(together[1], _lapnorm(tiles[1:2])[0], rtol=1e-4, atol=1e-5)
    assert np.all(together[2] == 0.0)


def test_laplacian_scale_is_one_or_not_finite():
    gradient = np.random.default_rng(0).normal(size=(20, 10, 3)).astype(np.float32)
    assert smoothing.gradient_scale(gradient, "laplacian", rows_per_chunk=7) == 1.0
    gradient[3, 4, 2] = np.inf
    assert np.isnan(smoothing.gradient_scale(gradient, "laplacian"))
