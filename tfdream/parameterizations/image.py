"""`Parameterization`: parameters to a model-space image, its inverse and its adjoint.

    y = parameters               (pixel: (H, W, 3); fourier: the spectrum of `spectrum.to_image`, complex64)
    d = y                        pixel; d = to_image(y) for fourier
    z = d C^T                    with decorrelated colour (C the colour matrix), else z = d
    u = sigmoid(z) | clip(z + 1/2, 0, 1)          RGB in [0, 1]
    image = preprocessing(255 u)                  model space, inside the model's value range

`clip` passes the gradient through as if nothing were clipped (the image is clipped, the parameters are not),
so a pixel that hit the range's edge can come back. The optimizer sees parameters as one float32 array
(`encode`/`decode`/`pullback`; a spectrum as its float32 view of interleaved real and imaginary parts).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from tfdream.base import choices
from tfdream.parameterizations import spectrum

if TYPE_CHECKING:
    from tfdream.models import preprocessing as preprocessing_lib

_EDGE = 1e-4  # encoding keeps u inside (_EDGE, 1 - _EDGE): sigmoid's inverse is finite there


@dataclasses.dataclass(frozen=True, eq=False)
class Parameterization:
    """One dream's image parameterization over a model's input space.

    Attributes:
        kind: "pixel" or "fourier".
        preprocessing: The model's `Preprocessing` (an affine, optionally channel-reversing map from RGB).
        decay: Fourier only: the spectrum is scaled by 1/f^decay.
        color: (3, 3) colour matrix `C` (`colors.IMAGENET_COLOR_SQRT`), or None to keep RGB as it is.
        squash: "sigmoid" or "clip": how parameters map into the value range.
    """

    kind: str
    preprocessing: preprocessing_lib.Preprocessing
    decay: float = 1.0
    color: np.ndarray | None = None
    squash: str = "clip"

    def __post_init__(self):
        if self.kind not in choices.PARAMETERIZATIONS:
            raise ValueError(f"parameterization must be one of {choices.PARAMETERIZATIONS}. "
                             f"Received: parameterization={self.kind!r}")
        if self.squash not in choices.SQUASHES:
            raise ValueError(f"squash must be one of {choices.SQUASHES}. Received: squash={self.squash!r}")
        scale = np.asarray(self.preprocessing.scale, np.float32)
        object.__setattr__(self, "_gain", 255.0 / scale)  # model = u[order] * gain + bias
        object.__setattr__(self, "_bias", -np.asarray(self.preprocessing.offset, np.float32) / scale)
        if self.color is not None:
            object.__setattr__(self, "color", np.asarray(self.color, np.float32))
            object.__setattr__(self, "_color_inverse", np.linalg.inv(self.color).astype(np.float32))

    @property
    def is_identity(self) -> bool:
        """Whether parameters are the model-space pixels with clipping: today's pixel-space ascent."""
        return self.kind == "pixel" and self.color is None and self.squash == "clip"

    def _order(self, array: np.ndarray) -> np.ndarray:
        return array[..., ::-1] if self.preprocessing.bgr else array

    def _scale(self, shape: tuple[int, int]) -> np.ndarray:
        return spectrum.spectrum_scale(shape, self.decay)

    def encode(self, image: np.ndarray) -> np.ndarray:
        """Parameters whose image is `image` (float32 (H, W, 3), model space, inside the value range).

        Returns a new float32 array: (H, W, 3) for pixel, the spectrum's float32 view (H, W // 2 + 1, 6) for
        fourier. `decode(encode(x))` is `x` up to float rounding (sigmoid keeps values 1e-4 inside the range).
        """
        u = self._order((image - self._bias) / self._gain)
        if self.squash == "sigmoid":
            np.clip(u, _EDGE, 1.0 - _EDGE, out=u)
            z = np.log(u / (1.0 - u))
        else:
            z = u - np.float32(0.5)
        d = z if self.color is None else z @ self._color_inverse.T
        d = d.astype(np.float32, copy=False)
        if self.kind == "pixel":
            return d
        return spectrum.from_image(d, self._scale(image.shape[:2])).view(np.float32)

    def decode(self, parameters: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """The model-space image of `parameters`, float32 (H, W, 3) of `shape`, inside the value range."""
        if self.kind == "pixel":
            d = parameters
        else:
            d = spectrum.to_image(parameters.view(np.complex64), self._scale(shape), shape)
        z = d if self.color is None else d @ self.color.T
        if self.squash == "sigmoid":
            u = 1.0 / (1.0 + np.exp(-z))
        else:
            u = np.clip(z + np.float32(0.5), 0.0, 1.0)
        return (self._order(u) * self._gain + self._bias).astype(np.float32, copy=False)

    def pullback(self, image: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        """The parameters' gradient from a model-space `gradient` at `image` (= `decode(parameters)`).

        The adjoint of the chain in the module docstring, float32 in the layout of `encode`.
        """
        g = self._order(gradient * self._gain)
        if self.squash == "sigmoid":
            u = self._order((image - self._bias) / self._gain)
            g = g * u * (1.0 - u)
        g = g if self.color is None else g @ self.color
        g = g.astype(np.float32, copy=False)
        if self.kind == "pixel":
            return g
        return spectrum.adjoint(g, self._scale(image.shape[:2])).view(np.float32)
