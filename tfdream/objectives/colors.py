"""Colour preservation: dream the luminance, keep the input's colours (YUV from `tf.image`).

With `DreamConfig(preserve_colors=True)` two things happen:

* every step's gradient is projected onto the luminance axis (`luminance_gradient`): its YUV chroma is
  zeroed, so the ascent spends its whole step on brightness patterns instead of painting colours that would be
  thrown away, and the step normalization measures only what is kept;
* the final image takes its luminance from the dream and its chroma from the input (`with_chroma_of`), which
  removes the little chroma that clipping to the value range and octave resizing still let in.

Both use `tf.image.rgb_to_yuv` / `yuv_to_rgb`. Model spaces are affine images of RGB (scale, offset, channel
order). A gradient is a direction, so only the linear part (scale, order) maps it: the projection is one 3x3
matrix in model space (`luminance_projection`). Mapping a gradient as a point (`deprocess(g) - deprocess(0)`)
would add and remove the offset, which in float32 rounds away a gradient much smaller than the offset (an
untrained network's are ~1e-7 against a Caffe mean of ~117) and left the dream unchanged.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdream import models


def _chroma_free(rgb: tf.Tensor) -> tf.Tensor:
    """RGB (..., 3) with its YUV chroma set to zero (the luminance kept)."""
    yuv = tf.image.rgb_to_yuv(rgb)
    return tf.image.yuv_to_rgb(tf.concat([yuv[..., :1], tf.zeros_like(yuv[..., 1:])], axis=-1))


def luminance_projection(preprocessing: models.Preprocessing) -> np.ndarray:
    """The float32 (3, 3) matrix P such that `g @ P` is the luminance component of a model-space direction `g`.

    Model space to RGB is `x @ diag(scale)`, channels reversed for BGR models; the offset plays no part in a
    direction. In RGB, keeping the luminance is `rgb_to_yuv`, chroma zeroed, `yuv_to_rgb`.
    """
    to_rgb = np.diag(np.asarray(preprocessing.scale, np.float64))
    if preprocessing.bgr:
        to_rgb = to_rgb[:, ::-1]
    in_rgb = _chroma_free(tf.eye(3, dtype=tf.float64)).numpy()  # row i: the luminance part of RGB axis i
    return (to_rgb @ in_rgb @ np.linalg.inv(to_rgb)).astype(np.float32)


def luminance_gradient(gradient: np.ndarray, preprocessing: models.Preprocessing, rows: int = 256) -> None:
    """In place: a model-space gradient (H, W, 3) float32 reduced to its luminance component.

    Args:
        gradient: float32 (H, W, 3), model space; overwritten.
        preprocessing: The model's input space.
        rows: Rows projected at a time (bounds the temporaries).
    """
    projection = luminance_projection(preprocessing)
    for start in range(0, gradient.shape[0], rows):
        band = gradient[start : start + rows]
        band[...] = band @ projection


def with_chroma_of(dreamed: np.ndarray, original: np.ndarray, rows: int = 256) -> np.ndarray:
    """The luminance of `dreamed` with the chroma of `original`.

    Args:
        dreamed: uint8 RGB (H, W, 3).
        original: float RGB (H, W, 3) in [0, 255], the same size.
        rows: Rows converted at a time.

    Returns:
        uint8 RGB (H, W, 3), clipped to [0, 255] and rounded.
    """
    out = np.empty_like(dreamed)
    for start in range(0, dreamed.shape[0], rows):
        luma = tf.image.rgb_to_yuv(dreamed[start : start + rows].astype(np.float32) / 255.0)[..., :1]
        chroma = tf.image.rgb_to_yuv(original[start : start + rows].astype(np.float32) / 255.0)[..., 1:]
        rgb = tf.image.yuv_to_rgb(tf.concat([luma, chroma], axis=-1)).numpy() * 255.0
        out[start : start + rows] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return out
