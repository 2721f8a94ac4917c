"""`caricature`: ascend toward a photo's own activations in a layer, what the network sees in it exaggerated."""

from __future__ import annotations

import dataclasses
import os
from typing import ClassVar

import numpy as np
import tensorflow as tf

from tfdream.base import checks
from tfdream.objectives.base import ImageRef, Kind, Objective, TermInputs, builder

# Cosines below this count as this: a position pointing away from every photo feature still moves toward one.
_COSINE_FLOOR = 0.1


@dataclasses.dataclass(frozen=True, eq=False)
class Caricature(Kind):
    """`caricature`: the dream's activations compared with a photo's, a dot product times a cosine to a power.

    Each position's activation `a` is compared with the photo's feature `g` it points most alike (the largest
    cosine, the match held fixed); the value is the mean over positions of `(a . g) * max(cos(a, g), 0.1) **
    power`. With `power` 0 it is the dot product alone (the strength along the photo's features); higher
    powers ask more for the photo's directions than for strength. Matching by content rather than by place
    keeps the term meaningful through tiles, rolls and transforms. The photo's features are taken once per
    octave at the octave's scale, as a guide's are (`core/steering.guide_features`).

    Attributes:
        image: The photo: a path or an array (H, W, 3) in [0, 255].
        layer: Layer name.
        power: The cosine's exponent, >= 0.
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
    """

    kind: ClassVar[str] = "caricature"
    reads_guide: ClassVar[bool] = True
    image: ImageRef
    layer: str
    power: float = 1.0
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        if not isinstance(self.image, (str, os.PathLike, np.ndarray)):
            raise TypeError(f"image must be an image path or an array. Received: image={self.image!r}")
        if not (checks.is_number(self.power) and self.power >= 0):
            raise ValueError(f"power must be a number >= 0. Received: power={self.power!r}")
        object.__setattr__(self, "power", float(self.power))

    @property
    def label(self) -> str:
        return f"caricature:{self.layer}"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """Mean over positions of the dot product with the matched photo feature times its cosine to `power`,
        float32 (batch,)."""
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        features = tf.cast(inputs.guides[self.label], tf.float32)
        flat = tf.reshape(activation, [tf.shape(activation)[0], -1, tf.shape(activation)[-1]])
        norms = tf.norm(flat, axis=-1) + 1e-8
        unit_features = tf.math.l2_normalize(features, axis=-1)
        best = tf.argmax(tf.einsum("npc,mc->npm", flat, unit_features), axis=-1)
        matched = tf.stop_gradient(tf.gather(features, best))
        dot = tf.reduce_sum(flat * matched, axis=-1)
        cosine = dot / (norms * (tf.norm(matched, axis=-1) + 1e-8))
        return tf.reduce_mean(dot * tf.maximum(cosine, _COSINE_FLOOR) ** self.power, axis=1)


@builder()
def caricature(image: ImageRef, name: str, *, power: float = 1.0, weight: float = 1.0,
               mask: ImageRef | None = None) -> Objective:
    """Dream layer `name` toward a photo's own activations in it (`image`: path or RGB array)."""
    return Objective((Caricature(image, name, power, weight, mask),))
