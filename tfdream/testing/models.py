"""Tiny functional models for fast tests: a few named conv layers, deterministic for a seed."""

from __future__ import annotations

import keras

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
