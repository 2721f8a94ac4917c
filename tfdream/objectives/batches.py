"""Terms over a batch of images dreamed together (`Dreamer(..., batch=N)`): `per_image` gives every image its own
objective, `diversity` pushes the images apart, `channel_interpolate` blends two channels across the batch and
`alignment` keeps neighbouring images alike.

Inside the compiled step a batch of tiles holds every image's tile at one grid position together, image by
image (`TermInputs.members` says whose each tile is), so a term can compare the images where they overlap:
tile `t` of image `m` is compared with the tiles of the other images at the same place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import tensorflow as tf

from tfdream.objectives.base import ImageRef, Kind, Objective, TermInputs, _is_index, builder, term_from_config

# How many neighbours on each side `alignment` compares an image with (nearer ones count more).
ALIGNMENT_REACH = 4


@dataclasses.dataclass(frozen=True, eq=False)
class ImageTerm(Kind):
    """`image_term`: another term that counts on the tiles of image `index` of the batch only.

    Attributes:
        index: The image of the batch, >= 0.
        term: The term (any kind that reads neither a guide image nor the other images).
        weight: Multiplier in the total (the term's own weight is folded in by `per_image`).
        mask: Per-pixel mask of this term, or None.
    """

    kind: ClassVar[str] = "image_term"
    index: int
    term: Kind
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        if not _is_index(self.index):
            raise ValueError(f"index must be an int >= 0. Received: index={self.index!r}")
        if not isinstance(self.term, Kind) or self.term.reads_guide or isinstance(self.term, (*BATCH_KINDS, ImageTerm)):
            raise ValueError("an image's own term must be a layer, neuron, direction, class or image term (not a "
                             f"guide, caricature or batch term). Received: term={self.term!r}")

    @property
    def label(self) -> str:
        return image_label(self.index, self.term.label)

    @property
    def layers(self) -> tuple[str, ...]:
        return self.term.layers

    @property
    def needs_top(self) -> bool:  # type: ignore[override]  # the wrapped term's, not the kind's
        return self.term.needs_top

    def resolve(self, class_names: Sequence[str], classes: int) -> ImageTerm:
        """This term with its wrapped class term's index resolved (see `ClassLogit.resolve`)."""
        return dataclasses.replace(self, term=self.term.resolve(class_names, classes))

    def channels_read(self) -> tuple[int, ...] | None:
        return self.term.channels_read()

    def check_channels(self, channel_counts: Mapping[str, int]) -> None:
        self.term.check_channels(channel_counts)

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """The wrapped term's value on this image's tiles, 0 on the others', float32 (batch,)."""
        value = self.term.value(inputs)
        if inputs.members is None:
            return value if self.index == 0 else tf.zeros_like(value)
        return value * tf.cast(tf.equal(inputs.members, self.index), tf.float32)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "term": self.term.get_config()}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImageTerm:
        return super().from_config({**config, "term": term_from_config(config["term"])})


@dataclasses.dataclass(frozen=True, eq=False)
class _BatchTerm(Kind):
    """A term that compares the images of a batch at the same place, on one layer.

    Attributes:
        layer: Layer name.
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
    """

    compares_images: ClassVar[bool] = True
    layer: str
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()

    @property
    def label(self) -> str:
        return f"{self.kind}({self.layer})"


def _grouped(activation: tf.Tensor, batch: int) -> tf.Tensor:
    """float32 (n, ...) -> (n / batch, batch, ...): the tiles of every image at one place together."""
    return tf.reshape(activation, tf.concat([[-1, batch], tf.shape(activation)[1:]], axis=0))


@dataclasses.dataclass(frozen=True, eq=False)
class Diversity(_BatchTerm):
    """`diversity`: how unlike the other images of the batch each image's style is at a layer.

    The value of a tile is minus its mean cosine similarity to the other images' tiles at the same place, where
    each tile is described by its Gram matrix (channel co-activations, position-free): 0 when every other tile
    is orthogonal to it, -1 when they all share its style. Give it a positive weight, beside the unit dreamed.
    One image alone has nothing to differ from: its value is 0.
    """

    kind: ClassVar[str] = "diversity"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        batch = inputs.batch
        if batch == 1:
            return tf.zeros(tf.shape(activation)[:1])
        channels = tf.shape(activation)[-1]
        flat = tf.reshape(activation, [tf.shape(activation)[0], -1, channels])
        grams = tf.reshape(tf.matmul(flat, flat, transpose_a=True), [tf.shape(activation)[0], -1])
        grams = _grouped(tf.math.l2_normalize(grams, axis=-1, epsilon=1e-10), batch)
        similarity = tf.einsum("gic,gjc->gij", grams, grams)  # (groups, batch, batch), 1 on the diagonal
        others = (tf.reduce_sum(similarity, axis=-1) - tf.linalg.diag_part(similarity)) / (batch - 1)
        return -tf.reshape(others, [-1])


@dataclasses.dataclass(frozen=True, eq=False)
class Alignment(_BatchTerm):
    """`alignment`: how alike neighbouring images of the batch are, position by position, at a layer.

    The value of image `m`'s tile is minus the mean squared difference of its activation from those of images
    `m + 1` ... `m + 4` at the same place, each divided by `decay ** distance`: pairs further apart in the batch
    count less. With `channel_interpolate` it keeps an interpolation's frames in register. Give it a positive
    weight.

    Attributes:
        decay: How much less each further neighbour counts, >= 1.
    """

    kind: ClassVar[str] = "alignment"
    decay: float = 2.0

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.decay, (int, float)) or isinstance(self.decay, bool) or not self.decay >= 1:
            raise ValueError(f"decay must be a number >= 1. Received: decay={self.decay!r}")
        object.__setattr__(self, "decay", float(self.decay))

    @property
    def label(self) -> str:
        return f"alignment({self.layer},{self.decay:g})"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        batch = inputs.batch
        grouped = _grouped(activation, batch)
        distance = tf.zeros(tf.shape(grouped)[:2])
        for gap in range(1, min(ALIGNMENT_REACH, batch - 1) + 1):
            difference = tf.reduce_mean(tf.square(grouped[:, :-gap] - grouped[:, gap:]), axis=[2, 3, 4])
            distance += tf.pad(difference, [[0, 0], [0, gap]]) / self.decay**gap
        return -tf.reshape(distance, [-1])


@dataclasses.dataclass(frozen=True, eq=False)
class ChannelInterpolate(Kind):
    """`channel_interpolate`: across the batch, from channel `first` to channel `second` of a layer.

    Image `m` of `N` maximizes `(1 - t) * mean(first) + t * mean(second)` with `t = m / (N - 1)`: the first image
    is `first` alone, the last `second` alone, those between blend them (one image alone is `first`).

    Attributes:
        layer: Layer name.
        first, second: Channel indices.
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
    """

    kind: ClassVar[str] = "channel_interpolate"
    layer: str
    first: int
    second: int
    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()
        for name in ("first", "second"):
            if not _is_index(getattr(self, name)):
                raise ValueError(f"{name} must be an int >= 0. Received: {name}={getattr(self, name)!r}")

    @property
    def label(self) -> str:
        return f"{self.layer}:{self.first}->{self.second}"

    def channels_read(self) -> tuple[int, ...]:
        return (self.first, self.second)

    def value(self, inputs: TermInputs) -> tf.Tensor:
        activation = tf.cast(inputs.activations[self.layer], tf.float32)
        means = tf.reduce_mean(tf.gather(activation, [self.first, self.second], axis=-1), axis=[1, 2])
        if inputs.members is None:
            return means[:, 0]
        share = tf.cast(inputs.members, tf.float32) / float(max(inputs.batch - 1, 1))
        return (1.0 - share) * means[:, 0] + share * means[:, 1]


BATCH_KINDS = (Diversity, Alignment, ChannelInterpolate)


def per_image(objectives: Sequence[Objective]) -> Objective:
    """One objective per image of a batch: image `m` ascends `objectives[m]` alone (its terms as `ImageTerm`s).

    E.g. `per_image([layer("block4_conv3", channels=[c]) for c in range(16)])` with `Dreamer(batch=16)`.
    """
    if not objectives or not all(isinstance(objective, Objective) for objective in objectives):
        raise ValueError(f"per_image needs a non-empty list of Objectives. Received: objectives={objectives!r}")
    return Objective(tuple(
        ImageTerm(index, dataclasses.replace(term, weight=1.0, mask=None), term.weight, term.mask)
        for index, objective in enumerate(objectives) for term in objective.terms
    ))


@builder()
def diversity(name: str, weight: float = 1.0, *, mask: ImageRef | None = None) -> Objective:
    """How unlike each other the batch's images are at layer `name` (see `Diversity`)."""
    return Objective((Diversity(name, weight, mask),))


@builder()
def alignment(name: str, weight: float = 1.0, *, decay: float = 2.0, mask: ImageRef | None = None) -> Objective:
    """How alike neighbouring images of the batch are at layer `name`, position by position (see `Alignment`)."""
    return Objective((Alignment(name, weight, mask, decay),))


@builder()
def channel_interpolate(name: str, first: int, second: int, weight: float = 1.0, *,
                        mask: ImageRef | None = None) -> Objective:
    """From channel `first` to channel `second` of layer `name` across the batch (see `ChannelInterpolate`)."""
    return Objective((ChannelInterpolate(name, first, second, weight, mask),))


def image_label(index: int, label: str) -> str:
    """The history column of a value on image `index` of a batch: `#3:block4_conv3[7]` (an `ImageTerm`'s label,
    and each image's value of a term shared by the batch)."""
    return f"#{index}:{label}"


def batch_size(objective: Objective) -> int:
    """The fewest images `objective` needs: one more than its highest `ImageTerm` index (1 without any)."""
    return 1 + max((term.index for term in objective.terms if isinstance(term, ImageTerm)), default=0)


def image_labels(objective: Objective, index: int) -> dict[str, str]:
    """The history labels that concern image `index`: its own terms' (to their own labels) and the shared ones'."""
    labels = {}
    for term in objective.terms:
        if isinstance(term, ImageTerm):
            if term.index == index:
                labels[term.label] = term.term.label
        else:
            labels[term.label] = term.label
    return labels
