"""Gradient post-processing: normalization statistics, Laplacian-pyramid normalization, and a blur cascade.

"std" and "mean" divide the whole gradient by one statistic (`gradient_scale`). "laplacian" splits each
tile's gradient into frequency bands (a Laplacian pyramid: `levels` band-pass bands and a low-pass residual,
made with the 5-tap binomial kernel [1, 4, 6, 4, 1] / 16 and mirrored borders), divides every band by its own
root mean square and adds them back (`laplacian_normalize`): fine and coarse structure get equal weight,
which gives smooth, colourful dreams in few steps (the TensorFlow DeepDream notebook's "lapnorm").

The cascade blurs the gradient with three Gaussians (sigma x 0.5, 1, 2) and averages them, with a sigma
that grows over the steps of an octave (`cascade_sigma`), which trades high-frequency noise for smoother,
larger patterns.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdream.base import choices

NORMALIZATIONS = choices.NORMALIZATIONS
LAPLACIAN_FLOOR = 1e-4  # least band scale, relative to the whole gradient's root mean square
_CASCADE = (0.5, 1.0, 2.0)
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


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


def _depthwise(images: tf.Tensor, kernel: np.ndarray, stride: int) -> tf.Tensor:
    """2-D `kernel` (k, k) applied to every channel of float32 (n, h, w, c), VALID, with `stride`."""
    channels = tf.shape(images)[3]
    filters = tf.tile(tf.constant(kernel[:, :, None, None], tf.float32), [1, 1, channels, 1])
    return tf.nn.depthwise_conv2d(images, filters, [1, stride, stride, 1], "VALID")


def _pyramid_down(images: tf.Tensor) -> tf.Tensor:
    """Binomial blur and halving: (n, h, w, c) -> (n, ceil(h / 2), ceil(w / 2), c); sides must be >= 3."""
    padded = tf.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]], mode="REFLECT")
    return _depthwise(padded, np.outer(_BINOMIAL, _BINOMIAL), 2)


def _pyramid_up(images: tf.Tensor, shape: tf.Tensor) -> tf.Tensor:
    """Inverse step of `_pyramid_down`: zeros interleaved, then the binomial blur x 4, cropped to `shape` (h, w).

    Mirroring keeps the parity of the interleaved zeros, so a constant stays exactly constant, borders
    included; `shape` sides must be >= 3.
    """
    n, height, width, channels = tf.unstack(tf.shape(images))
    spread = tf.stack([images, tf.zeros_like(images)], axis=3)  # interleave columns
    spread = tf.reshape(spread, [n, height, 2 * width, channels])[:, :, : shape[1]]
    spread = tf.stack([spread, tf.zeros_like(spread)], axis=2)  # interleave rows
    spread = tf.reshape(spread, [n, 2 * height, shape[1], channels])[:, : shape[0]]
    padded = tf.pad(spread, [[0, 0], [2, 2], [2, 2], [0, 0]], mode="REFLECT")
    return _depthwise(padded, 4.0 * np.outer(_BINOMIAL, _BINOMIAL), 1)


def _rms(images: tf.Tensor) -> tf.Tensor:
    """Root mean square of each image of (n, h, w, c), shape (n, 1, 1, 1)."""
    return tf.sqrt(tf.reduce_mean(tf.square(images), axis=[1, 2, 3], keepdims=True))


def laplacian_normalize(gradients: tf.Tensor, levels: tf.Tensor) -> tf.Tensor:
    """Every frequency band of each gradient divided by its own root mean square, the bands added back.

    The pyramid of an image has `levels` band-pass bands (the image minus its blurred, halved and
    re-expanded self, at halving sizes) and the low-pass residual left after them; the bands sum back to
    the image exactly. Halving stops early at a band under 3 pixels. A constant is all residual: it comes out
    as all ones (its sign); a checkerboard is all finest band. A band weaker than `LAPLACIAN_FLOOR` times the
    whole gradient's root mean square is divided by that floor instead, so rounding noise in an empty band is
    not blown up.

    Args:
        gradients: float32 (n, h, w, c), n independent images (tiles).
        levels: int32 scalar >= 1, the number of band-pass bands; a tensor, so one trace serves all.

    Returns:
        float32 (n, h, w, c): every band of every image has unit root mean square (empty bands stay empty).
    """
    floor = LAPLACIAN_FLOOR * _rms(gradients)

    def unit(band):
        return tf.math.divide_no_nan(band, tf.maximum(_rms(band), floor))

    def splits(level, low, bands):
        return tf.logical_and(level < levels, tf.reduce_min(tf.shape(low)[1:3]) >= 3)

    def split(level, low, bands):
        smaller = _pyramid_down(low)
        return level + 1, smaller, bands.write(level, unit(low - _pyramid_up(smaller, tf.shape(low)[1:3])))

    def merge(level, merged):
        band = bands.read(level - 1)
        return level - 1, _pyramid_up(merged, tf.shape(band)[1:3]) + band

    any_images = tf.TensorShape([None, None, None, None])
    bands = tf.TensorArray(tf.float32, size=0, dynamic_size=True, infer_shape=False, element_shape=any_images)
    count, low, bands = tf.while_loop(splits, split, (tf.constant(0), gradients, bands),
                                      shape_invariants=(tf.TensorShape([]), any_images, None))
    _, merged = tf.while_loop(lambda level, merged: level > 0, merge, (count, unit(low)),
                              shape_invariants=(tf.TensorShape([]), any_images))
    return tf.ensure_shape(merged, gradients.shape)


@tf.function(
    input_signature=(
        tf.TensorSpec([None, None, None, None], tf.float32, name="gradients"),
        tf.TensorSpec([], tf.int32, name="levels"),
        tf.TensorSpec([], tf.float32, name="sigma"),
    )
)
def normalize_bands_and_smooth(gradients: tf.Tensor, levels: tf.Tensor, sigma: tf.Tensor) -> tf.Tensor:
    """`smooth(laplacian_normalize(gradients, levels), sigma)`, traced once per process for every shape.

    Kept out of the network's compiled step, so that a dream without Laplacian normalization never pays
    for tracing the pyramid and every `Dreamer` (e.g. one per channel of a gallery) shares one trace.
    """
    return smooth(laplacian_normalize(gradients, levels), sigma)


def gradient_scale(gradient: np.ndarray, normalization: str, rows_per_chunk: int = 256) -> float:
    """The statistic the gradient is divided by: its std ("std") or mean absolute value ("mean").

    "laplacian" gradients come normalized per tile (`laplacian_normalize`): their scale is 1.
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
        elif normalization == "mean":
            total_abs += np.abs(chunk).sum()
    if normalization == "laplacian":
        return 1.0 if np.isfinite(total) else float("nan")
    if normalization == "mean":
        return total_abs / count
    mean = total / count
    return float(np.sqrt(max(total_sq / count - mean * mean, 0.0))) if np.isfinite(total_sq) else float("nan")
