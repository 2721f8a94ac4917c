"""A model's input space: `Preprocessing`, the affine map from RGB [0, 255] into what the network expects.

Every image that enters the library is float32 RGB in [0, 255]; `Preprocessing.preprocess` maps it into the
model's input space and `Preprocessing.value_range` bounds that space, so the ascent clips to what the model
itself expects (never a hard-coded [-1, 1]).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from tfdream.models import googlenet

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


# The HED edge detector was trained with its own Caffe mean (BGR), close to but not the ImageNet one.
_HED_MEAN_BGR = (104.00699, 116.66877, 122.67892)


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    """A model's input space: an affine, optionally channel-reversing map from RGB [0, 255].

    `model_input = (rgb[..., order] - offset) / scale`, per channel. Inception-style models use
    `scale=127.5, offset=127.5` ([-1, 1]); Caffe-style VGG/ResNet use BGR order minus the ImageNet mean.

    Attributes:
        name: A short name recorded in sidecars and metadata.
        scale: Per-channel divisor, shape (3,).
        offset: Per-channel value subtracted before dividing, shape (3,), in the model's channel order.
        bgr: Whether the model expects BGR channel order.
    """

    name: str
    scale: tuple[float, float, float]
    offset: tuple[float, float, float]
    bgr: bool = False

    def preprocess(self, rgb: tf.Tensor | np.ndarray) -> tf.Tensor:
        """Maps float RGB in [0, 255], shape (..., 3), into the model's input space."""
        x = tf.convert_to_tensor(rgb, tf.float32)
        if self.bgr:
            x = x[..., ::-1]
        return (x - self.offset) / self.scale

    def deprocess(self, x: tf.Tensor | np.ndarray) -> tf.Tensor:
        """Inverse of `preprocess`: model space (..., 3) back to float RGB in [0, 255] (not clipped)."""
        rgb = tf.convert_to_tensor(x, tf.float32) * self.scale + self.offset
        return rgb[..., ::-1] if self.bgr else rgb

    @property
    def value_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel (low, high), each float32 shape (3,): the image of [0, 255] in model space."""
        low = (0.0 - np.asarray(self.offset)) / np.asarray(self.scale)
        high = (255.0 - np.asarray(self.offset)) / np.asarray(self.scale)
        return low.astype(np.float32), high.astype(np.float32)


PREPROCESSING: dict[str, Preprocessing] = {
    "inception": Preprocessing("inception", (127.5,) * 3, (127.5,) * 3),
    "caffe": Preprocessing("caffe", (1.0,) * 3, _CAFFE_MEAN_BGR, bgr=True),
    "hed": Preprocessing("hed", (1.0,) * 3, _HED_MEAN_BGR, bgr=True),
    "unit": Preprocessing("unit", (255.0,) * 3, (0.0,) * 3),
    "identity": Preprocessing("identity", (1.0,) * 3, (0.0,) * 3),
    # The DeepDream notebook's GoogLeNet graph: RGB in [0, 255] minus 117.
    "inception5h": Preprocessing("inception5h", (1.0,) * 3, (googlenet.MEAN,) * 3),
}


def get_preprocessing(preprocessing: str | Preprocessing) -> Preprocessing:
    """Returns a `Preprocessing` given one or its name (one of `PREPROCESSING`)."""
    if isinstance(preprocessing, Preprocessing):
        return preprocessing
    if preprocessing not in PREPROCESSING:
        raise ValueError(
            f"preprocessing must be one of {sorted(PREPROCESSING)} or a tfdream.models.Preprocessing. "
            f"Received: preprocessing={preprocessing!r}"
        )
    return PREPROCESSING[preprocessing]
