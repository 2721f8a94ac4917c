"""Seeded starting images for dreams from noise."""

from __future__ import annotations

import numpy as np

NOISES = ("normal", "grey")


def noise_image(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A starting image of `size` (height, width).

    Args:
        kind: "normal": normal noise of std 20 around 127.5, clipped to [0, 255]; "grey": 100 plus uniform
            noise in [0, 1), the near-flat grey the TensorFlow DeepDream notebook starts its renders from.
        size: (height, width).
        rng: The dream's seeded generator.

    Returns:
        float32 RGB (height, width, 3) in [0, 255].
    """
    if kind == "normal":
        return np.clip(rng.normal(127.5, 20.0, (*size, 3)), 0, 255).astype(np.float32)
    if kind == "grey":
        return (100.0 + rng.uniform(size=(*size, 3))).astype(np.float32)
    raise ValueError(f"noise must be one of {NOISES}. Received: noise={kind!r}")
