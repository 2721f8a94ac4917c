"""Steering inputs at an octave's size: masks resized to it, guide features taken at its scale.

* Masks (greyscale, any size, values in [0, 1]) scale the ascent per pixel: resized to each octave, they let
  only part of the picture dream, with a soft edge where the mask is soft.
* A guide image's features are taken once per octave, at that octave's scale (capped to a tile's size so the
  guide costs at most one tile), and enter the compiled step as an input of dynamic shape.
"""

from __future__ import annotations

import keras
import numpy as np

from tfdream.core import octaves
from tfdream.models import classifiers


def mask_at(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """`mask` (H, W, C) resized (bilinear) to `shape`, clipped to [0, 1]: float32 (h, w, C)."""
    return np.clip(octaves.resize(mask, shape), 0.0, 1.0).astype(np.float32, copy=False)


def guide_features(
    extractor: keras.Model,
    guide: np.ndarray,
    layer: str,
    shape: tuple[int, int],
    max_side: int | None,
    min_side: int,
) -> np.ndarray:
    """A guide image's features in `layer`, at the scale of an octave of `shape`.

    Args:
        extractor: Model from (1, h, w, 3) in model space to `{layer: activation}`.
        guide: The guide image in model space, float32 (H, W, 3).
        layer: The layer to read.
        shape: The octave's (height, width): the guide is resized to the same area, keeping its aspect ratio
            (to the network's input size when that is fixed).
        max_side: Largest side to run the network on (the tile size), or None for no cap.
        min_side: Smallest side the network accepts.

    Returns:
        float32 (positions, channels): one feature vector per position of the guide's activation.
    """
    height, width = guide.shape[:2]
    scale = np.sqrt(shape[0] * shape[1] / (height * width))
    if max_side is not None:
        scale = min(scale, max_side / max(height, width))
    size = classifiers.fixed_input_size(extractor) or (max(min_side, round(height * scale)),
                                                        max(min_side, round(width * scale)))
    resized = octaves.resize(guide, size)
    activation = extractor([resized[None]], training=False)[layer]
    return np.asarray(keras.ops.convert_to_numpy(activation), np.float32).reshape(-1, activation.shape[-1])
