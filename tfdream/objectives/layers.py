"""Terms on a layer's activation: `layer` (its mean or mean square, optionally some channels), `neuron` (one unit
at a relative position of each tile) and `direction` (the projection on a vector in channel space)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import tensorflow as tf

from tfdream.base import choices
from tfdream.objectives.base import ImageRef, Kind, Objective, TermInputs, _is_index, builder

REDUCTIONS = choices.REDUCTIONS


SIMILARITIES = ("dot", "cosine")


@dataclasses.dataclass(frozen=True, eq=False)
class Term(Kind):
    """`layer`: one layer's contribution, `weight * reduce(activation[..., channels])`.

    Attributes:
        layer: Layer name.
        weight: Multiplier in the total (the recorded per-layer value is unweighted).
        channels: Channel indices to keep, or None for all.
        reduction: "mean" (mean activation, the TensorFlow tutorial's loss) or "l2" (mean square).
        mask: Greyscale image (path or array) scaling this term's gradient per pixel, or None.
    """

    kind: ClassVar[str] = "layer"
    layer: str
    weight: float = 1.0
    channels: tuple[int, ...] | None = None
    reduction: str = "mean"
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}. Received: reduction={self.reduction!r}")
        if self.channels is not None:
            channels = tuple(self.channels)
            if not channels or not all(_is_index(c) for c in channels):
                raise ValueError(
                    f"channels must be a non-empty list of non-negative ints. Received: channels={self.channels!r}"
                )
            object.__setattr__(self, "channels", channels)

    @property
    def label(self) -> str:
        """Key of this term in the history: the layer name, with the channels when some are selected."""
        if self.channels is None:
            return self.layer
        return f"{self.layer}[{','.join(map(str, self.channels))}]"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """Size-normalized value per image: activation (batch, h, w, c) -> float32 (batch,)."""
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        if self.channels is not None:
            activation = tf.gather(activation, self.channels, axis=-1)
        if self.reduction == "l2":
            activation = tf.square(activation)
        return tf.reduce_mean(activation, axis=[1, 2, 3])

    def channels_read(self) -> tuple[int, ...] | None:
        return self.channels


@dataclasses.dataclass(frozen=True, eq=False)
class Neuron(Kind):
    """`neuron`: one unit (a channel at one position) of a layer, in each tile.

    Attributes:
        layer: Layer name.
        channel: Channel index.
        position: (y, x) relative position in [0, 1] of the unit in each tile's activation map, or None for
            the centre (`(h // 2, w // 2)`); the unit is the nearest one, `round(y * (h - 1))`.
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
    """

    kind: ClassVar[str] = "neuron"
    layer: str
    channel: int
    position: tuple[float, float] | None = None
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        if not _is_index(self.channel):
            raise ValueError(f"channel must be an int >= 0. Received: channel={self.channel!r}")
        if self.position is not None:
            position = tuple(self.position)
            if len(position) != 2 or not all(isinstance(p, (int, float)) and 0 <= p <= 1 for p in position):
                raise ValueError(f"position must be (y, x) in [0, 1]. Received: position={self.position!r}")
            object.__setattr__(self, "position", tuple(float(p) for p in position))

    @property
    def label(self) -> str:
        where = "" if self.position is None else f"@{self.position[0]:g},{self.position[1]:g}"
        return f"{self.layer}:{self.channel}{where}"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """The unit's activation per image, float32 (batch,)."""
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        height, width = tf.shape(activation)[1], tf.shape(activation)[2]
        if self.position is None:
            row, column = height // 2, width // 2
        else:
            row = tf.cast(tf.round(self.position[0] * tf.cast(height - 1, tf.float32)), tf.int32)
            column = tf.cast(tf.round(self.position[1] * tf.cast(width - 1, tf.float32)), tf.int32)
        return activation[:, row, column, self.channel]

    def channels_read(self) -> tuple[int, ...]:
        return (self.channel,)


@dataclasses.dataclass(frozen=True, eq=False)
class Direction(Kind):
    """`direction`: the projection of every position's activation on a vector in channel space, averaged.

    Attributes:
        layer: Layer name.
        vector: One number per channel of the layer.
        similarity: "dot" (`mean over positions of a . v`) or "cosine" (`a . v / (|a| |v|)`, so only the
            direction of the activation counts, not its strength).
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
    """

    kind: ClassVar[str] = "direction"
    layer: str
    vector: tuple[float, ...]
    similarity: str = "dot"
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        vector = np.asarray(self.vector, np.float64)
        if vector.ndim != 1 or not vector.size or not np.all(np.isfinite(vector)) or not np.any(vector):
            raise ValueError(f"vector must be a non-zero list of finite numbers. Received: vector={self.vector!r}")
        object.__setattr__(self, "vector", tuple(float(v) for v in vector))
        if self.similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}. Received: similarity={self.similarity!r}")

    @property
    def label(self) -> str:
        digest = hashlib.sha256(np.asarray(self.vector, np.float64).tobytes()).hexdigest()[:6]
        return f"{self.layer}:{self.similarity}({digest})"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """Mean over positions of the projection, float32 (batch,)."""
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        vector = tf.constant(self.vector, tf.float32)
        projection = tf.tensordot(activation, vector, axes=[[3], [0]])
        if self.similarity == "cosine":
            projection /= tf.norm(activation, axis=-1) * tf.norm(vector) + 1e-8
        return tf.reduce_mean(projection, axis=[1, 2])

    def check_channels(self, channel_counts: Mapping[str, int]) -> None:
        """Raises a ValueError unless the vector has one number per channel of the layer."""
        channels = channel_counts[self.layer]
        if len(self.vector) != channels:
            raise ValueError(
                f"vector for layer {self.layer!r} must have {channels} numbers (its channel count). "
                f"Received: {len(self.vector)} numbers"
            )


@builder()
def layer(
    name: str,
    weight: float = 1.0,
    *,
    channels: Sequence[int] | None = None,
    reduction: str = "mean",
    mask: ImageRef | None = None,
) -> Objective:
    """An objective of one layer (optionally some of its channels)."""
    return Objective((Term(name, float(weight), channels, reduction, mask),))


@builder()
def neuron(
    name: str, channel: int, position: Sequence[float] | None = None, *, weight: float = 1.0,
    mask: ImageRef | None = None,
) -> Objective:
    """One unit of a layer: `channel` at the centre (or the relative `position` (y, x)) of each tile."""
    return Objective((Neuron(name, channel, None if position is None else tuple(position), weight, mask),))


@builder()
def direction(
    name: str, vector: Sequence[float], *, similarity: str = "dot", weight: float = 1.0,
    mask: ImageRef | None = None,
) -> Objective:
    """The projection of a layer's activation on `vector` (one number per channel)."""
    return Objective((Direction(name, tuple(np.asarray(vector, np.float64).ravel()), similarity, weight, mask),))


def from_layers(
    layers: Sequence[str] | Mapping[str, float],
    *,
    reduction: str = "mean",
    channels: Mapping[str, Sequence[int]] | None = None,
) -> Objective:
    """The weighted sum over `layers` (names with weight 1, or `{name: weight}`), with optional channels."""
    weights = dict(layers) if isinstance(layers, Mapping) else {name: 1.0 for name in layers}
    channels = dict(channels or {})
    unknown = sorted(set(channels) - set(weights))
    if unknown:
        raise ValueError(f"channels names layers that are not dreamed: {unknown}. Dreamed: {sorted(weights)}")
    for name, weight in weights.items():
        if not isinstance(weight, (int, float)):
            raise TypeError(f"layer weights must be numbers. Received: layers[{name!r}]={weight!r}")
    return Objective(
        tuple(Term(name, float(weight), channels.get(name), reduction) for name, weight in weights.items())
    )
