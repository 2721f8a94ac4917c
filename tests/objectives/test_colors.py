"""Colour preservation: the luminance dreams as in a free dream, the chroma stays the input's."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import Dreamer, testing
from tfdream.models import preprocessing as preprocessing_lib
from tfdream.objectives import colors


def _yuv(rgb: np.ndarray) -> np.ndarray:
    return tf.image.rgb_to_yuv(np.asarray(rgb, np.float32) / 255.0).numpy() * 255.0


@pytest.mark.parametrize("name", sorted(preprocessing_lib.PREPROCESSING))
def test_projection_keeps_the_luminance_of_a_tiny_gradient_and_drops_its_chroma(name):
    preprocessing = preprocessing_lib.PREPROCESSING[name]
    gradient = (np.random.default_rng(0).normal(size=(5, 7, 3)) * 1e-7).astype(np.float32)  # untrained scale
    projected = gradient.copy()
    colors.luminance_gradient(projected, preprocessing)
    linear = np.asarray(preprocessing.scale, np.float32)  # model space to RGB, without the offset
    rgb, projected_rgb = (g * linear for g in (gradient, projected))
    if preprocessing.bgr:
        rgb, projected_rgb = rgb[..., ::-1], projected_rgb[..., ::-1]
    luma, projected_yuv = (tf.image.rgb_to_yuv(x).numpy() for x in (rgb, projected_rgb))
    np.testing.assert_allclose(projected_yuv[..., 0], luma[..., 0], rtol=1e-4, atol=1e-12)
    assert np.abs(projected_yuv[..., 1:]).max() < 1e-4 * np.abs(luma[..., 0]).max()


@pytest.fixture(scope="module", params=[None, "hed"], ids=["random", "hed"])
def vgg16(request):
    return Dreamer("vgg16", weights=request.param, layers=["block3_conv3"])


@pytest.mark.parametrize("tile_size", [None, 48], ids=["untiled", "tiled"])
def test_a_colour_kept_dream_changes_the_luminance_like_a_free_one(vgg16, tile_size):
    photo = testing.sample_image(96, 128, seed=3)
    kept, free = (vgg16.dream(photo, seed=0, tile_size=tile_size, preserve_colors=flag).image
                  for flag in (True, False))  # the DreamConfig defaults otherwise
    before, kept_yuv, free_yuv = _yuv(photo), _yuv(kept), _yuv(free)
    kept_luma = np.abs(kept_yuv[..., 0] - before[..., 0]).mean()
    free_luma = np.abs(free_yuv[..., 0] - before[..., 0]).mean()
    assert free_luma > 2.0
    assert 0.5 * free_luma < kept_luma < 3 * free_luma  # all of a colour-kept step goes to the luminance
    in_gamut = np.all((kept > 0) & (kept < 255), axis=-1)  # elsewhere clipping to [0, 255] moves the chroma
    assert in_gamut.mean() > 0.5  # an untrained VGG16 drives a third of the pixels to black or white
    kept_chroma = np.abs(kept_yuv[..., 1:] - before[..., 1:])[in_gamut]
    assert kept_chroma.max() <= 1.0  # rounding to uint8
    assert np.abs(free_yuv[..., 1:] - before[..., 1:]).mean() > 5 * kept_chroma.mean()
