"""`guide`: dream a layer toward the features a guide image excites in it (the 2015 notebook's "controlling
dreams")."""

from __future__ import annotations

import dataclasses
import os
from typing import ClassVar

import numpy as np
import tensorflow as tf

from tfdream.objectives.base import ImageRef, Kind, Objective, TermInputs, builder


@dataclasses.dataclass(frozen=True, eq=False)
class Guide(Kind):
    """`guide`: dream toward what a guide image excites in a layer (the 2015 notebook's "controlling dreams").

    Each position's activation `a` is matched to the guide feature `g` with the largest dot product `a . g`;
    the value is the mean over positions and channels of `a * g` (the match is held fixed, so the gradient at
    a position is its best-matching guide feature). The guide's features are computed once per octave, at
    the octave's scale (capped to a tile), and enter the step as an input.

    Attributes:
        image: Guide image: a path or an array (H, W, 3) in [0, 255].
        layer: Layer name.
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
    """

    kind: ClassVar[str] = "guide"
    reads_guide: ClassVar[bool] = True
    image: ImageRef
    layer: str
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        if not isinstance(self.image, (str, os.PathLike, np.ndarray)):
            raise TypeError(f"image must be an image path or an array. Received: image={self.image!r}")

    @property
    def label(self) -> str:
        return f"guide:{self.layer}"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """Mean of the activation times its best-matching guide feature, float32 (batch,)."""
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        features = tf.cast(inputs.guides[self.label], tf.float32)
        flat = tf.reshape(activation, [tf.shape(activation)[0], -1, tf.shape(activation)[-1]])
        best = tf.argmax(tf.einsum("npc,mc->npm", flat, features), axis=-1)
        matched = tf.stop_gradient(tf.gather(features, best))
        return tf.reduce_mean(flat * matched, axis=[1, 2])


@builder()
def guide(image: ImageRef, name: str, *, weight: float = 1.0, mask: ImageRef | None = None) -> Objective:
    """Dream layer `name` toward the features a guide `image` (path or RGB array) excites in it."""
    return Objective((Guide(image, name, weight, mask),))
