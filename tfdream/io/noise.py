"""Seeded starting images for dreams from noise."""

from __future__ import annotations

import numpy as np

NOISES = ("normal", "grey")


def noise_image(kind: str, size: tuple[int, int], rng: np.random.Generator, rows: int = 256) -> np.ndarray:
    """A starting image of `size` (height, width), drawn in float32 bands of `rows` rows (nothing larger than
    the result is made, so a poster-sized start costs only itself).

    Args:
        kind: "normal": normal noise of std 20 around 127.5, clipped to [0, 255]; "grey": 100 plus uniform
            noise in [0, 1), the near-flat grey the TensorFlow DeepDream notebook starts its renders from.
        size: (height, width).
        rng: The dream's seeded generator.
        rows: Rows drawn at a time.

    Returns:
        float32 RGB (height, width, 3) in [0, 255].
    """
    if kind not in NOISES:
        raise ValueError(f"noise must be one of {NOISES}. Received: noise={kind!r}")
    image = np.empty((*size, 3), np.float32)
    for start in range(0, size[0], rows):
        band = image[start : start + rows]
        if kind == "normal":
            band[...] = rng.standard_normal(band.shape, dtype=np.float32)
            band *= 20.0
            band += 127.5
            np.clip(band, 0, 255, out=band)
        else:
            band[...] = rng.random(band.shape, dtype=np.float32)
            band += 100.0
    return image
