"""Decorrelated colour: the square root of an image set's RGB correlation, as a 3x3 matrix.

With `C` the matrix, a parameter vector `y` per pixel becomes the colour `z = C y`: independent, equally
scaled parameters give colours correlated as in natural images, so an ascent in `y` does not spend its steps
on saturated, unnatural colours. `C` is `U sqrt(S)` of the RGB covariance's eigen-decomposition
`U S U^T` (so `C C^T` is the covariance), divided by its largest column norm (the strongest direction,
luminance for photos, has norm 1).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np

# The square root of ImageNet's RGB colour correlation (RGB values in [0, 1]), as published with lucid's
# optvis (Olah et al., "Feature Visualization", Distill 2017), before the normalization by the largest column
# norm that `IMAGENET_COLOR_SQRT` applies. Columns: luminance, then two colour-opponent directions.
_IMAGENET_SQRT_UNNORMALIZED = np.array(
    [[0.26, 0.09, 0.02],
     [0.27, 0.00, -0.05],
     [0.27, -0.09, 0.03]], np.float64)
IMAGENET_COLOR_SQRT = (_IMAGENET_SQRT_UNNORMALIZED
                       / np.max(np.linalg.norm(_IMAGENET_SQRT_UNNORMALIZED, axis=0))).astype(np.float32)


def color_correlation_sqrt(images: Iterable[np.ndarray]) -> np.ndarray:
    """The normalized colour-correlation square root of `images`, for a model trained on other data.

    Args:
        images: RGB images, each (H, W, 3) with values in [0, 255] (any dtype), e.g. a sample of the
            training set.

    Returns:
        float32 (3, 3) `C` with `C C^T` proportional to the pixels' RGB covariance (in [0, 1] units), columns
        ordered by decreasing variance, each column's largest entry positive, the largest column norm 1.
    """
    pixels = [np.asarray(image, np.float64).reshape(-1, 3) / 255.0 for image in images]
    if not pixels or not all(image.size for image in pixels):
        raise ValueError("color_correlation_sqrt needs at least one non-empty RGB image (H, W, 3)")
    covariance = np.cov(np.concatenate(pixels).T)
    eigenvalues, vectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    sqrt = vectors[:, order] * np.sqrt(np.clip(eigenvalues[order], 0.0, None))
    sqrt *= np.where(np.abs(sqrt.max(axis=0)) >= np.abs(sqrt.min(axis=0)), 1.0, -1.0)  # a fixed sign per column
    norm = np.max(np.linalg.norm(sqrt, axis=0))
    if norm == 0:
        raise ValueError("color_correlation_sqrt needs images with some colour variation; all pixels were equal")
    return (sqrt / norm).astype(np.float32)


def load_color_matrix(reference: str | os.PathLike) -> np.ndarray:
    """The matrix a `DreamConfig.color_matrix` names: "imagenet", or a `.npy` file of a (3, 3) matrix.

    Save one with `numpy.save(path, color_correlation_sqrt(images))`.
    """
    if os.fspath(reference) == "imagenet":
        return IMAGENET_COLOR_SQRT
    try:
        matrix = np.load(reference, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"color_matrix must be \"imagenet\" or a .npy file of a 3x3 matrix: {error}. "
                         f"Received: color_matrix={os.fspath(reference)!r}") from None
    if matrix.shape != (3, 3) or not np.all(np.isfinite(matrix)) or abs(np.linalg.det(matrix)) < 1e-12:
        raise ValueError(f"color_matrix must hold an invertible, finite 3x3 matrix. Received: {matrix.shape} "
                         f"array from color_matrix={os.fspath(reference)!r}")
    return matrix.astype(np.float32)
