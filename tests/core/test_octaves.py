"""Octave shapes, float resizing and detail reinjection."""

import numpy as np

from tfdream.core import octaves


def test_octave_shapes_exact():
    assert octaves.octave_shapes((100, 200), range(-2, 3), 1.3) == [
        (59, 118), (77, 154), (100, 200), (130, 260), (169, 338)]
    assert octaves.octave_shapes((10, 10), [-20], 2.0) == [(1, 1)]


def test_resize_keeps_float_values():
    image = np.full((8, 8, 3), 0.123456, np.float32)
    resized = octaves.resize(image, (5, 13))
    assert resized.dtype == np.float32 and resized.shape == (5, 13, 3)
    np.testing.assert_allclose(resized, 0.123456, rtol=1e-6)


def test_lost_detail_is_the_high_frequencies():
    rng = np.random.default_rng(0)
    smooth = np.ones((32, 32, 3), np.float32)
    assert np.abs(octaves.lost_detail(smooth, (16, 16), (32, 32))).max() < 1e-5
    noisy = rng.normal(size=(32, 32, 3)).astype(np.float32)
    detail = octaves.lost_detail(noisy, (16, 16), (32, 32))
    low = octaves.resize(octaves.resize(noisy, (16, 16)), (32, 32))
    np.testing.assert_allclose(low + detail, noisy, atol=1e-5)
