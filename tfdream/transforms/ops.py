"""`apply`: a `Stack` of transforms on a batch of tiles, inside the compiled step, differentiable.

Every draw is stateless (`tf.random.stateless_uniform`) from the step's seed folded with the transform's
place in the stack: the same seed gives the same transforms, so a dream's reruns are bit-identical. One draw
per call serves the whole batch (every tile in it moves the same way; the random roll moves the grid).
"""

from __future__ import annotations

import math

import tensorflow as tf

from tfdream.transforms import spec


def _uniform(seed: tf.Tensor, low: float, high: float) -> tf.Tensor:
    return tf.random.stateless_uniform([], seed, minval=low, maxval=high)


def _pad(images: tf.Tensor, transform: spec.Pad, _seed: tf.Tensor) -> tf.Tensor:
    # Mirroring needs fewer pixels than the side: a small tile is padded as much as it can be.
    pixels = tf.minimum(transform.pixels, tf.minimum(tf.shape(images)[1], tf.shape(images)[2]) - 1)
    return tf.pad(images, [[0, 0], [pixels, pixels], [pixels, pixels], [0, 0]], mode="REFLECT")


def _jitter(images: tf.Tensor, transform: spec.Jitter, seed: tf.Tensor) -> tf.Tensor:
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    pixels = tf.minimum(transform.pixels, tf.minimum(height, width) - 1)  # at least one row and column stay
    offsets = tf.random.stateless_uniform([2], seed, minval=0, maxval=pixels + 1, dtype=tf.int32)
    return images[:, offsets[0] : offsets[0] + height - pixels, offsets[1] : offsets[1] + width - pixels]


def _scale(images: tf.Tensor, transform: spec.Scale, seed: tf.Tensor) -> tf.Tensor:
    factor = _uniform(seed, transform.low, transform.high)
    size = tf.cast(tf.shape(images)[1:3], tf.float32) * factor
    return tf.image.resize(images, tf.maximum(tf.cast(tf.round(size), tf.int32), 1), method="bilinear")


def _rotate(images: tf.Tensor, transform: spec.Rotate, seed: tf.Tensor) -> tf.Tensor:
    angle = _uniform(seed, -transform.degrees, transform.degrees) * (math.pi / 180.0)
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    cy, cx = (tf.cast(height, tf.float32) - 1) / 2, (tf.cast(width, tf.float32) - 1) / 2
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Output pixel (x, y) reads input (cos x - sin y + a, sin x + cos y + b): a turn about the centre.
    matrix = tf.stack([cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, 0.0, 0.0])
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=tf.tile(matrix[None], [tf.shape(images)[0], 1]), output_shape=[height, width],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="REFLECT")


_OPS = {"pad": _pad, "jitter": _jitter, "scale": _scale, "rotate": _rotate}


def apply(stack: spec.Stack, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """`stack`'s transforms applied in order to float32 (n, h, w, c) `images`, drawn from `seed` (int32 (2,)).

    The result's size may differ from the input's (pads, crops, scales); the network takes any size.
    """
    for index, transform in enumerate(stack.transforms):
        images = _OPS[transform.kind](images, transform, tf.random.experimental.stateless_fold_in(seed, index))
    return images
