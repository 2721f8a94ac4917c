"""Tile grids, blend weights, and tiled gradients against the untiled gradient on a tiny model."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import models, objectives, testing
from tfdream.core import steps, tiling


@pytest.fixture(scope="module")
def tiny_gradient():
    """A numpy tile-gradient function of `testing.tiny_model` (conv2 + 0.5 conv3), no blur, float32."""
    model = testing.tiny_model()
    objective = objectives.from_layers({"conv2": 1.0, "conv3": 0.5})
    extractor = models.feature_extractor(model, objective.layers)
    return steps.bind_sigma(steps.make_gradient_fn(extractor, objective), 0.0)


def _image(height, width, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (height, width, 3)).astype(np.float32)


@pytest.mark.parametrize("length, tile, overlap, expected", [
    (1000, 512, 0, [0, 488]),
    (1000, 512, 64, [0, 244, 488]),
    (1024, 512, 0, [0, 512]),
    (1100, 512, 32, [0, 294, 588]),
    (300, 512, 0, [0]),
    (512, 512, 32, [0]),
    (10, 4, 1, [0, 3, 6]),
])
def test_tile_starts_exact(length, tile, overlap, expected):
    assert tiling.tile_starts(length, tile, overlap) == expected


@pytest.mark.parametrize("length, max_tile, overlap, min_tile, expected", [
    (1000, 512, 0, 1, 500),
    (1000, 512, 64, 1, 376),
    (1024, 512, 32, 1, 363),
    (4096, 512, 32, 1, 484),
    (8192, 512, 32, 1, 512),
    (300, 512, 32, 1, 300),
    (1024, 512, 32, 400, 400),
    (1024, 512, 32, 600, 512),
])
def test_tile_length_exact(length, max_tile, overlap, min_tile, expected):
    assert tiling.tile_length(length, max_tile, overlap, min_tile) == expected


@pytest.mark.parametrize("length, overlap", [(1024, 32), (2048, 32), (4096, 32), (8192, 32), (1000, 0), (777, 64)])
def test_balanced_tiles_keep_work_per_pixel_flat(length, overlap):
    tile = tiling.tile_length(length, 512, overlap)
    starts = tiling.tile_starts(length, tile, overlap)
    assert len(starts) == len(tiling.tile_starts(length, 512, overlap))  # no more tiles than full-size ones
    assert len(starts) * tile - length <= (len(starts) - 1) * overlap + len(starts)  # overlaps of ~`overlap` only


def test_untiled_grid_is_one_tile_with_unit_weights():
    grid = tiling.make_grid((48, 64), None, overlap=8)
    assert (grid.tile, grid.ys, grid.xs, grid.count) == ((48, 64), (0,), (0,), 1)
    np.testing.assert_array_equal(grid.wy[0], np.ones(48, np.float32))
    np.testing.assert_array_equal(grid.wx[0], np.ones(64, np.float32))


def test_grid_of_an_image_smaller_than_a_tile():
    grid = tiling.make_grid((40, 600), 512, overlap=32)
    assert grid.tile == (40, 316) and grid.ys == (0,) and grid.xs == (0, 284)


@pytest.mark.parametrize("shape, tile_size, overlap", [
    ((1000, 1000), 512, 0), ((1000, 777), 512, 32), ((100, 257), 64, 16), ((33, 200), 40, 19), ((96, 96), 32, 1),
])
def test_blend_weights_sum_to_one_and_cover_every_pixel(shape, tile_size, overlap):
    grid = tiling.make_grid(shape, tile_size, overlap)
    coverage = np.zeros(shape, np.int32)
    total = np.zeros(shape, np.float64)
    for i, j in grid.positions():
        y0, x0 = grid.ys[i], grid.xs[j]
        window = (slice(y0, y0 + grid.tile[0]), slice(x0, x0 + grid.tile[1]))
        assert window[0].stop <= shape[0] and window[1].stop <= shape[1]
        coverage[window] += 1
        total[window] += np.outer(grid.wy[i], grid.wx[j])
    assert coverage.min() >= 1
    np.testing.assert_allclose(total, 1.0, atol=1e-6)
    for starts, tile in ((grid.ys, grid.tile[0]), (grid.xs, grid.tile[1])):
        assert all(tile - (b - a) >= overlap for a, b in zip(starts, starts[1:]))


def test_blend_ramps_are_linear_across_an_exact_overlap():
    starts = tiling.tile_starts(10, 6, 2)
    assert starts == [0, 4]
    left, right = tiling.blend_weights(10, starts, 6, 2)
    np.testing.assert_allclose(left, [1, 1, 1, 1, 2 / 3, 1 / 3], atol=1e-6)
    np.testing.assert_allclose(right, [1 / 3, 2 / 3, 1, 1, 1, 1], atol=1e-6)


@pytest.mark.parametrize("shift", [(0, 0), (5, 17), (47, 1), (-3, 100)])
@pytest.mark.parametrize("overlap", [0, 6])
def test_identity_gradient_reproduces_the_image_for_any_roll(shift, overlap):
    """With gradient = tile, the blend must put every pixel back where it came from, weighted to one."""
    image = _image(48, 70)
    grid = tiling.make_grid(image.shape[:2], 24, overlap)
    out = np.empty_like(image)
    tiling.tiled_gradient(image, lambda tiles: (tiles, {}), grid, shift, 3, out)
    np.testing.assert_allclose(out, image, atol=1e-6)


def test_each_tile_gradient_sees_only_its_tile():
    image = _image(64, 96)
    grid = tiling.make_grid(image.shape[:2], 40, 8)
    seen = []

    def recording(tiles):
        seen.append(tiles.shape)
        return np.zeros_like(tiles), {"loss": np.ones(len(tiles))}

    values, batch_size = tiling.tiled_gradient(image, recording, grid, (3, 4), 4, np.empty_like(image))
    assert all(shape[1:] == (*grid.tile, 3) for shape in seen)
    assert grid.tile[0] < 64 and grid.tile[1] < 96
    assert sum(shape[0] for shape in seen) == grid.count and max(shape[0] for shape in seen) == 4
    assert values == {"loss": 1.0} and batch_size == 4


def test_tiled_gradient_equals_untiled_gradient_away_from_tile_borders(tiny_gradient):
    """Per-tile losses are means, so a tile's gradient is the full image's times image area / tile area.

    Tiles start on multiples of the tiny model's total stride (4), so both see the same sampling lattice. Its
    receptive field spans 9 px, so pixels farther than 16 px from any tile border see no border effect.
    """
    image = _image(128, 192)
    full, tiled = np.empty_like(image), np.empty_like(image)
    tiling.tiled_gradient(image, tiny_gradient, tiling.make_grid((128, 192), None), (0, 0), 1, full)
    grid = tiling.make_grid((128, 192), 64, 0)
    assert grid.ys == (0, 64) and grid.xs == (0, 64, 128)
    tiling.tiled_gradient(image, tiny_gradient, grid, (0, 0), 4, tiled)
    margin = 18
    interior = np.zeros((128, 192), bool)
    for y0 in grid.ys:
        for x0 in grid.xs:
            interior[y0 + margin : y0 + 64 - margin, x0 + margin : x0 + 64 - margin] = True
    scale = np.abs(full).max()
    assert scale > 0
    ratio = (64 * 64) / (128 * 192)
    np.testing.assert_allclose(tiled[interior] * ratio, full[interior], rtol=1e-4, atol=1e-5 * scale)
    assert np.abs(tiled[~interior] * ratio - full[~interior]).max() > 1e-2 * scale  # borders do differ


@pytest.mark.parametrize("shift", [(7, 13), (60, 90), (0, 33)])
def test_roll_wraps_like_np_roll(tiny_gradient, shift):
    """A roll of (dy, dx) equals np.roll of the image, tiling without a roll, and rolling the gradient back."""
    image = _image(64, 96, seed=1)
    grid = tiling.make_grid((64, 96), 40, 8)
    rolled, direct = np.empty_like(image), np.empty_like(image)
    values, _ = tiling.tiled_gradient(image, tiny_gradient, grid, shift, 2, direct)
    reference, _ = tiling.tiled_gradient(np.roll(image, shift, axis=(0, 1)), tiny_gradient, grid, (0, 0), 2, rolled)
    np.testing.assert_allclose(direct, np.roll(rolled, (-shift[0], -shift[1]), axis=(0, 1)), rtol=1e-5, atol=1e-9)
    assert values == pytest.approx(reference)


def test_out_of_memory_halves_the_batch_and_retries():
    image = _image(40, 60)
    grid = tiling.make_grid(image.shape[:2], 20, 0)
    calls = []

    def small_device(tiles):
        calls.append(len(tiles))
        if len(tiles) > 2:
            raise tf.errors.ResourceExhaustedError(None, None, "out of memory")
        return tiles * 2, {"loss": np.full(len(tiles), 3.0)}

    out = np.empty_like(image)
    values, batch_size = tiling.tiled_gradient(image, small_device, grid, (1, 2), 8, out)
    assert batch_size == 2 and calls[:3] == [6, 4, 2] and sum(calls[2:]) == grid.count
    np.testing.assert_allclose(out, 2 * image, atol=1e-6)
    assert values == {"loss": 3.0}


def test_out_of_memory_with_one_tile_per_batch_is_raised():
    def no_memory(tiles):
        raise tf.errors.ResourceExhaustedError(None, None, "out of memory")

    image = _image(20, 20)
    with pytest.raises(tf.errors.ResourceExhaustedError):
        tiling.tiled_gradient(image, no_memory, tiling.make_grid((20, 20), 10), (0, 0), 1, np.empty_like(image))


def test_tiles_never_shrink_below_the_smallest_network_input():
    assert tiling.make_grid((60, 80), 40, 4).tile == (32, 30)
    grid = tiling.make_grid((60, 80), 40, 4, min_tile=40)
    assert grid.tile == (40, 40) and grid.ys == (0, 20) and grid.xs == (0, 20, 40)
