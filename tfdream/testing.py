"""Tiny models and images for fast tests, importable by users' own tests."""

from __future__ import annotations

import keras
import numpy as np

TINY_LAYERS = ("conv1", "conv2", "conv3")


def tiny_model(seed: int = 0, width: int = 8) -> keras.Model:
    """A 3-conv functional model on (None, None, 3) with layers `conv1`..`conv3` (relu, stride 1, 2, 2).

    Deterministic for a given seed; expects inputs in [-1, 1] ("inception" preprocessing).
    """
    init = keras.initializers.GlorotUniform(seed=seed)
    inputs = keras.Input((None, None, 3), name="image")
    x = inputs
    for index, stride in enumerate((1, 2, 2), start=1):
        x = keras.layers.Conv2D(width * index, 3, strides=stride, padding="same", activation="relu",
                                kernel_initializer=init, bias_initializer="zeros", name=f"conv{index}")(x)
    return keras.Model(inputs, x, name="tiny")


def sample_image(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth, seeded uint8 RGB test image (H, W, 3): gradients plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([yy / max(height - 1, 1), xx / max(width - 1, 1), 0.5 + 0 * yy], axis=-1) * 200 + 20
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)
