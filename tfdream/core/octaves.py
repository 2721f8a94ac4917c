"""Octaves: the image sizes a dream passes through, float resizing, and detail reinjection."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf


def octave_shapes(
    base_shape: tuple[int, int], octaves: Sequence[int], octave_scale: float
) -> list[tuple[int, int]]:
    """(height, width) of each octave: `base_shape * octave_scale ** octave`, rounded, at least 1.

    `octaves=range(-2, 3)` with `octave_scale=1.3` dreams at 0.59x, 0.77x, 1x, 1.3x and 1.69x the input size
    (the TensorFlow tutorial's schedule); negative octaves are smaller, positive ones larger.
    """
    height, width = base_shape
    return [
        (max(1, round(height * octave_scale**octave)), max(1, round(width * octave_scale**octave)))
        for octave in octaves
    ]


def resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear float resize of (H, W, C) to `shape`, antialiased when shrinking; float32, no rounding."""
    if tuple(image.shape[:2]) == tuple(shape):
        return image
    return tf.image.resize(image, shape, method="bilinear", antialias=True).numpy()


def lost_detail(original: np.ndarray, previous_shape: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """The detail an image dreamed at `previous_shape` lacks once upscaled to `shape`.

    `original` resized to `shape`, minus `original` resized to `previous_shape` and back up to `shape`:
    adding it after an octave reinjects the high frequencies the smaller octave could not hold.
    """
    return resize(original, shape) - resize(resize(original, previous_shape), shape)
