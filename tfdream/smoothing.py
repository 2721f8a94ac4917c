"""Gradient post-processing: normalization statistics and a cascade of Gaussian blurs.

The cascade blurs the gradient with three Gaussians (sigma x 0.5, 1, 2) and averages them, with a sigma
that grows over the steps of an octave (`cascade_sigma`), which trades high-frequency noise for smoother,
larger patterns.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

NORMALIZATIONS = ("std", "mean")
_CASCADE = (0.5, 1.0, 2.0)


def cascade_sigma(step: int, steps: int, strength: float) -> float:
    """Base sigma for `step` of `steps`: grows linearly from 0.5 to 2.5 times `strength` (0 disables)."""
    return float(strength * (0.5 + 2.0 * step / max(steps, 1)))


def _gaussian_blur(images: tf.Tensor, sigma: tf.Tensor) -> tf.Tensor:
    """Separable Gaussian blur of float32 (n, h, w, c) with reflected borders; radius is ceil(3 sigma)."""
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    radius = tf.minimum(tf.cast(tf.math.ceil(3.0 * sigma), tf.int32), tf.minimum(height, width) - 1)
    offsets = tf.cast(tf.range(-radius, radius + 1), tf.float32)
    kernel = tf.exp(-0.5 * tf.square(offsets / sigma))
    kernel /= tf.reduce_sum(kernel)
    channels = tf.shape(images)[3]
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    vertical = tf.tile(tf.reshape(kernel, [-1, 1, 1, 1]), [1, 1, channels, 1])
    horizontal = tf.tile(tf.reshape(kernel, [1, -1, 1, 1]), [1, 1, channels, 1])
    blurred = tf.nn.depthwise_conv2d(padded, vertical, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(blurred, horizontal, [1, 1, 1, 1], "VALID")


def smooth(gradients: tf.Tensor, sigma: tf.Tensor) -> tf.Tensor:
    """Averages Gaussian blurs of `gradients` (n, h, w, c) at sigma x (0.5, 1, 2); identity for sigma <= 0."""

    def cascade():
        return tf.add_n([_gaussian_blur(gradients, sigma * factor) for factor in _CASCADE]) / len(_CASCADE)

    return tf.cond(sigma > 0.0, cascade, lambda: gradients)


def gradient_scale(gradient: np.ndarray, normalization: str, rows_per_chunk: int = 256) -> float:
    """The statistic the gradient is divided by: its std ("std") or mean absolute value ("mean").

    Computed in float64 over row chunks, so no temporary the size of the image is made.
    Returns NaN or Inf when the gradient holds a non-finite value.
    """
    count = gradient.size
    total = total_sq = total_abs = 0.0
    for start in range(0, gradient.shape[0], rows_per_chunk):
        chunk = gradient[start : start + rows_per_chunk].astype(np.float64)
        total += chunk.sum()
        if normalization == "std":
            total_sq += np.square(chunk).sum()
        else:
            total_abs += np.abs(chunk).sum()
    if normalization == "mean":
        return total_abs / count
    mean = total / count
    return float(np.sqrt(max(total_sq / count - mean * mean, 0.0))) if np.isfinite(total_sq) else float("nan")
