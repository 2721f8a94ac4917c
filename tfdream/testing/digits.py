"""Digit classifiers trained on the spot, to judge feature visualizations with a model the renders never saw.

scikit-learn's 1797 handwritten 8x8 digits (bundled in its wheel: no download) are upscaled to 32x32 RGB
(light strokes on black, as in the set). `classifier` trains a small convolutional network of one of two
architectures that share nothing but the task; a class render of one network that the other recognizes shows
something of the digit, not of the first network's blind spots.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from tfdream import objectives
from tfdream.core import dreamer as dreamer_lib

SIZE = 32
ARCHITECTURES = ("plain", "wide")


def digits(size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """The digits as float32 RGB (n, size, size, 3) in [0, 255] (bilinear upscaling) and their int labels (n,)."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    from sklearn import datasets  # pylint: disable=import-outside-toplevel  (an extra of the tests)

    data = datasets.load_digits()
    grey = (data.images.astype(np.float32) * (255.0 / 16.0))[..., None]
    images = tf.image.resize(grey, (size, size), method="bilinear").numpy().clip(0.0, 255.0)
    return np.repeat(images, 3, axis=-1), data.target.astype(np.int64)


def _network(architecture: str, seed: int) -> keras.Model:
    """An untrained classifier on (32, 32, 3) in [-1, 1] ending in a Dense top of 10 logits."""
    init = keras.initializers.GlorotUniform(seed=seed)
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    if architecture == "plain":  # 3x3 convolutions and max pooling
        x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", kernel_initializer=init, name="conv1")(inputs)
        x = keras.layers.MaxPooling2D(2)(x)
        x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init, name="conv2")(x)
        x = keras.layers.MaxPooling2D(2)(x)
        x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init, name="conv3")(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
    else:  # wide strided 5x5 convolutions, a dense hidden layer on the flattened map
        x = keras.layers.Conv2D(24, 5, strides=2, padding="same", activation="tanh", kernel_initializer=init,
                                name="conv1")(inputs)
        x = keras.layers.Conv2D(24, 5, strides=2, padding="same", activation="tanh", kernel_initializer=init,
                                name="conv2")(x)
        x = keras.layers.Flatten()(x)
        x = keras.layers.Dense(64, activation="tanh", kernel_initializer=init, name="hidden")(x)
    outputs = keras.layers.Dense(10, kernel_initializer=init, name="logits")(x)
    return keras.Model(inputs, outputs, name=f"digits_{architecture}")


def classifier(architecture: str = "plain", seed: int = 0, epochs: int = 8) -> keras.Model:
    """A digit classifier trained on every digit (inputs in [-1, 1], "inception" preprocessing; logits out).

    Deterministic for a seed on one machine. The training images are shifted by up to 2 pixels at random, so
    the classifier reads strokes rather than exact pixel positions.
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}. Received: architecture={architecture!r}")
    keras.utils.set_random_seed(seed)
    images, labels = digits()
    rng = np.random.default_rng(seed)
    shifted = np.stack([np.roll(image, tuple(rng.integers(-2, 3, size=2)), axis=(0, 1)) for image in images])
    inputs = np.concatenate([images, shifted]) / 127.5 - 1.0
    model = _network(architecture, seed)
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(inputs, np.concatenate([labels, labels]), batch_size=64, epochs=epochs, verbose=0, shuffle=True)
    return model


def recognized(judge: keras.Model, renders: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Whether `judge` classifies each uint8 RGB render (n, 32, 32, 3) as its class: bool (n,)."""
    logits = judge.predict(np.asarray(renders, np.float32) / 127.5 - 1.0, verbose=0)
    return np.argmax(logits, axis=-1) == np.asarray(classes)


def high_frequency_energy(image: np.ndarray, cutoff: float = 0.25) -> float:
    """The share of an image's spectral energy (grey, mean removed) above `cutoff` cycles per pixel."""
    grey = np.asarray(image, np.float64).mean(axis=-1)
    power = np.abs(np.fft.rfft2(grey - grey.mean())) ** 2
    fy = np.fft.fftfreq(grey.shape[0])[:, None]
    fx = np.fft.rfftfreq(grey.shape[1])[None, :]
    total = power.sum()
    return float(power[np.sqrt(fy * fy + fx * fx) > cutoff].sum() / total) if total > 0 else 0.0


@dataclasses.dataclass(frozen=True)
class ClassRenders:
    """Every class of a digit classifier rendered with one recipe, and how they measure.

    Attributes:
        images: uint8 RGB (n, 32, 32, 3), class by class for every seed.
        classes: The class of each render, int (n,).
        objective: Each render's class logit at its last step (the objective reached), float (n,).
        recognized: Whether the judge classifies each render as its class, bool (n,).
        high_frequency: Each render's `high_frequency_energy`, float (n,).
    """

    images: np.ndarray
    classes: np.ndarray
    objective: np.ndarray
    recognized: np.ndarray
    high_frequency: np.ndarray


def render_classes(model: keras.Model, judge: keras.Model, options: Mapping[str, Any],
                   seeds: Sequence[int] = (0,)) -> ClassRenders:
    """Renders each of `model`'s 10 classes (`class_logit`) from noise at 32x32 with `options` per seed, judged.

    Args:
        model: The classifier rendered ("inception" preprocessing).
        judge: An independently trained classifier that never sees the renders' gradients.
        options: `DreamConfig` values, e.g. `renders.options("robust")`.
        seeds: One render per class per seed.
    """
    renders, classes, reached = [], [], []
    for index in range(10):
        dreamer = dreamer_lib.Dreamer(model, objectives.class_logit(index), preprocessing="inception")
        for seed in seeds:
            result = dreamer.dream(None, size=(SIZE, SIZE), **{**options, "seed": seed})
            renders.append(result.image)
            classes.append(index)
            reached.append(result.history.values("total")[-1])
    images, classes = np.stack(renders), np.asarray(classes)
    return ClassRenders(images, classes, np.asarray(reached), recognized(judge, images, classes),
                        np.asarray([high_frequency_energy(image) for image in images]))
