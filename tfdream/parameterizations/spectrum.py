"""The Fourier parameterization's linear map and its adjoint, channel by channel over axes (0, 1).

    image = irfft2(spectrum * scale, norm="ortho")        spectrum complex64 (H, W // 2 + 1, C)
    scale = 1 / max(f, 1 / max(H, W)) ** decay             f: a frequency's magnitude in cycles per pixel

With the orthonormal transform, a white spectrum of unit variance gives an image of unit variance at
`decay=0`; with the default `decay=1` every octave of frequency holds about the same energy, as in photos.
"""

from __future__ import annotations

import numpy as np


def frequencies(shape: tuple[int, int]) -> np.ndarray:
    """Magnitude of each rfft2 bin of an image of `shape`, in cycles per pixel: float32 (H, W // 2 + 1)."""
    height, width = shape
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    return np.sqrt(fy * fy + fx * fx).astype(np.float32)


def spectrum_scale(shape: tuple[int, int], decay: float = 1.0) -> np.ndarray:
    """`1 / max(f, 1 / max(H, W)) ** decay` per rfft2 bin, float32 (H, W // 2 + 1, 1) (broadcast over channels).

    The floor at the lowest frequency an image of this size holds keeps the DC term finite.
    """
    floor = 1.0 / max(shape)
    return (1.0 / np.maximum(frequencies(shape), floor) ** decay).astype(np.float32)[..., None]


def _hermitian_weights(width: int) -> np.ndarray:
    """How many bins of the full spectrum each rfft column stands for: 1 for DC (and Nyquist), else 2."""
    weights = np.full(width // 2 + 1, 2.0, np.float32)
    weights[0] = 1.0
    if width % 2 == 0:
        weights[-1] = 1.0
    return weights[None, :, None]


def to_image(spectrum: np.ndarray, scale: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The image of `spectrum`: float32 (H, W, C)."""
    return np.fft.irfft2(spectrum * scale, s=shape, axes=(0, 1), norm="ortho").astype(np.float32, copy=False)


def from_image(image: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The spectrum whose image is `image` (H, W, C): `to_image(from_image(x), scale, x.shape[:2]) == x`."""
    spectrum = np.fft.rfft2(image, axes=(0, 1), norm="ortho")
    spectrum /= scale
    return spectrum.astype(np.complex64, copy=False)


def adjoint(gradient: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The adjoint of `to_image` applied to an image-space `gradient` (H, W, C): the spectrum's gradient.

    For the real inner product `<a, b> = sum(Re(a) Re(b) + Im(a) Im(b))`: `<to_image(s), g> = <s, adjoint(g)>`.
    Columns that stand for two bins of the full spectrum count twice.
    """
    spectrum = np.fft.rfft2(gradient, axes=(0, 1), norm="ortho")
    spectrum *= scale * _hermitian_weights(gradient.shape[1])
    return spectrum.astype(np.complex64, copy=False)
