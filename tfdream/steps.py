"""The compiled tile-gradient function and the ascent update."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfdream import distribute, objectives, smoothing, tiling

TILE_SIGNATURE = (
    tf.TensorSpec([None, None, None, 3], tf.float32, name="tiles"),
    tf.TensorSpec([], tf.float32, name="sigma"),
)


def make_gradient_fn(
    extractor: keras.Model,
    objective: objectives.Objective,
    *,
    jit_compile: bool = False,
    strategy: tf.distribute.Strategy | None = None,
) -> tf.types.experimental.GenericFunction:
    """Compiles `(tiles, sigma) -> (gradients, {label: value})` once for every tile size and batch.

    Args:
        extractor: Model from (n, h, w, 3) in model space to `{layer: activation}`, run as it is (the
            `Dreamer` passes its `inference.build` network; with a `strategy`, built in its scope).
        objective: What to maximize.
        jit_compile: Compile with XLA.
        strategy: Spread each batch of tiles over this strategy's replicas (see `tfdream.distribute`).

    Returns:
        A `tf.function` with a fixed input signature: tiles float32 (n, h, w, 3) and the blur sigma (a
        scalar, 0 for none). It returns each tile's gradient of its own objective (float32, same shape as
        `tiles`; tiles never see each other) and every term's value per tile (float32 (n,)).
    """
    def tile_gradients(tiles, sigma):
        # The objective is a mean, so its gradient per pixel shrinks with the tile's area: scaling the loss by
        # the area keeps 16-bit backpropagation in range (float16 underflows otherwise); it is divided back out.
        area = tf.cast(tf.shape(tiles)[1] * tf.shape(tiles)[2], tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(tiles)
            total, per_term = objective(extractor(tiles, training=False))
            scaled = tf.reduce_sum(total) * area
        gradients = tape.gradient(scaled, tiles) / area
        return smoothing.smooth(gradients, sigma), per_term

    if strategy is None:
        return tf.function(tile_gradients, input_signature=TILE_SIGNATURE, jit_compile=jit_compile)
    return distribute.spread(strategy, tf.function(tile_gradients, jit_compile=jit_compile), TILE_SIGNATURE)


def bind_sigma(
    gradient_fn: tf.types.experimental.GenericFunction, sigma: float, laplacian_levels: int = 0
) -> tiling.TileGradientFn:
    """A numpy-in, numpy-out tile gradient function for one blur sigma.

    With `laplacian_levels` > 0, each tile's gradient is band-normalized (`smoothing.laplacian_normalize`)
    before the blur, in `smoothing.normalize_bands_and_smooth`: compiled once per process, not per network.
    """
    sigma = tf.constant(sigma, tf.float32)
    levels = tf.constant(laplacian_levels, tf.int32)
    no_blur = tf.constant(0.0, tf.float32)

    def run(tiles: np.ndarray):
        if laplacian_levels:
            gradients, values = gradient_fn(tf.constant(tiles), no_blur)
            gradients = smoothing.normalize_bands_and_smooth(gradients, levels, sigma)
        else:
            gradients, values = gradient_fn(tf.constant(tiles), sigma)
        return gradients.numpy(), {label: value.numpy() for label, value in values.items()}

    return run


def ascend(
    image: np.ndarray,
    gradient: np.ndarray,
    step: float,
    scale: float,
    value_range: tuple[np.ndarray, np.ndarray],
) -> None:
    """In place: `image += step * gradient / scale`, then clip per channel to `value_range`.

    `gradient` is consumed (scaled in place) so no temporary the size of the image is made.
    """
    gradient *= step / (scale + 1e-8)
    image += gradient
    np.clip(image, value_range[0], value_range[1], out=image)
