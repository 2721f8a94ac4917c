"""The compiled tile-gradient function (traced once, tiles independent) and the ascent update."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import Dreamer, testing
from tfdream.core import smoothing, steps


def _tiles(n, height, width, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, height, width, 3)), tf.float32)


def test_traced_once_for_every_batch_tile_size_and_sigma(extractor, objective):
    gradient_fn = steps.make_gradient_fn(extractor, objective)
    for n, height, width, sigma in [(1, 32, 32, 0.0), (3, 40, 24, 0.0), (2, 17, 50, 1.5), (5, 64, 64, 0.7)]:
        gradients, values = gradient_fn(_tiles(n, height, width), tf.constant(sigma))
        assert gradients.shape == (n, height, width, 3) and gradients.dtype == tf.float32
        assert {label: value.shape for label, value in values.items()} == {"conv2": (n,), "conv3": (n,)}
    assert gradient_fn.experimental_get_tracing_count() == 1


def test_dreamer_traces_once_independent_of_octaves_and_steps():
    dreamer = Dreamer(testing.tiny_model(), layers=("conv2", "conv3"), preprocessing="inception")
    image = testing.sample_image(60, 80)
    dreamer.dream(image, steps=3, octaves=(-2, -1, 0, 1), octave_scale=1.3, tile_size=40, smoothing=0.5, seed=0)
    assert dreamer.gradient_fn.experimental_get_tracing_count() == 1
    dreamer.dream(image, steps=2, octaves=range(-3, 3), octave_scale=1.2, tile_size=None, seed=1)
    dreamer.dream(image, steps=4, octaves=(0,), tile_size=32, overlap=4, seed=2)
    assert dreamer.gradient_fn.experimental_get_tracing_count() == 1


def test_tiles_of_a_batch_never_see_each_other(extractor, objective):
    gradient_fn = steps.make_gradient_fn(extractor, objective)
    batch = _tiles(3, 32, 48)
    alone, alone_values = gradient_fn(batch[1:2], tf.constant(0.0))
    changed = tf.concat([batch[:1] * -1.0, batch[1:2], batch[2:] * 0.5], axis=0)
    together, together_values = gradient_fn(changed, tf.constant(0.0))
    np.testing.assert_allclose(together[1], alone[0], rtol=1e-5, atol=1e-9)
    for label in objective.labels:
        np.testing.assert_allclose(together_values[label][1], alone_values[label][0], rtol=1e-6)


def test_gradient_is_that_of_the_mean_objective(extractor, objective):
    tiles = _tiles(2, 24, 24, seed=3)
    with tf.GradientTape() as tape:
        tape.watch(tiles)
        total, _ = objective(extractor(tiles))
    expected = tape.gradient(total, tiles)
    gradients, _ = steps.make_gradient_fn(extractor, objective)(tiles, tf.constant(0.0))
    np.testing.assert_allclose(gradients, expected, rtol=1e-4, atol=1e-6 * float(tf.reduce_max(tf.abs(expected))))


def test_blur_sigma_smooths_the_gradient(extractor, objective):
    gradient_fn = steps.make_gradient_fn(extractor, objective)
    tiles = _tiles(1, 48, 48)
    sharp, _ = gradient_fn(tiles, tf.constant(0.0))
    smooth, _ = gradient_fn(tiles, tf.constant(2.0))
    roughness = lambda g: float(tf.reduce_mean(tf.abs(g[:, 1:] - g[:, :-1])))  # noqa: E731
    assert roughness(smooth) < 0.5 * roughness(sharp)


@pytest.mark.parametrize("normalization", ["std", "mean"])
def test_ascend_normalizes_the_step(normalization):
    gradient = np.random.default_rng(0).normal(0.3, 2.0, (50, 60, 3)).astype(np.float32)
    image = np.zeros_like(gradient)
    scale = smoothing.gradient_scale(gradient, normalization)
    wide = (np.full(3, -1e9, np.float32), np.full(3, 1e9, np.float32))
    steps.ascend(image, gradient.copy(), 0.01, scale, wide)
    measured = image.std() if normalization == "std" else np.abs(image).mean()
    assert measured == pytest.approx(0.01, rel=1e-4)


def test_ascend_clips_to_a_per_channel_range():
    image = np.zeros((4, 5, 3), np.float32)
    gradient = np.stack([np.full((4, 5), v, np.float32) for v in (1.0, -1.0, 1.0)], axis=-1)
    gradient[0, 0] = 0.0
    low, high = np.array([-1.0, -0.2, 0.0], np.float32), np.array([0.5, 2.0, 0.05], np.float32)
    steps.ascend(image, gradient, step=1.0, scale=1.0, value_range=(low, high))
    np.testing.assert_allclose(image[1, 1], [0.5, -0.2, 0.05])
    np.testing.assert_allclose(image[0, 0], [0.0, 0.0, 0.0])
    assert np.all(image >= low) and np.all(image <= high)


def test_laplacian_levels_normalize_each_tile_then_blur_with_one_trace(extractor, objective):
    gradient_fn = steps.make_gradient_fn(extractor, objective)
    for levels, height, sigma in [(1, 40, 0.0), (4, 24, 0.0), (12, 33, 1.5)]:
        tiles = _tiles(2, height, 32, seed=levels)
        normalized, values = steps.bind_sigma(gradient_fn, sigma, levels)(tiles.numpy())
        raw, raw_values = gradient_fn(tiles, tf.constant(0.0))
        expected = smoothing.smooth(smoothing.laplacian_normalize(raw, tf.constant(levels)), tf.constant(sigma))
        np.testing.assert_allclose(normalized, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(values["conv2"], raw_values["conv2"])
    assert np.sqrt(np.mean(normalized**2)) > 1.0  # bands of unit size add up to more than one
    assert smoothing.normalize_bands_and_smooth.experimental_get_tracing_count() == 1
    assert gradient_fn.experimental_get_tracing_count() == 1
