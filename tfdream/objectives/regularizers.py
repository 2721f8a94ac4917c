"""Regularizers on the image tiles themselves: `total_variation` and `l2`, given negative weights to smooth
a dream or keep its values moderate."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import tensorflow as tf

from tfdream.objectives.base import ImageRef, Kind, Objective, TermInputs, builder


@dataclasses.dataclass(frozen=True, eq=False)
class _ImageTerm(Kind):
    """A term on the tiles themselves (a regularizer), labelled by its kind.

    Attributes:
        weight: Multiplier in the total (negative to penalize).
        mask: Per-pixel mask of this term, or None.
    """

    weight: float = 1.0
    mask: ImageRef | None = None

    def __post_init__(self):
        self._check_common()

    @property
    def label(self) -> str:
        return self.kind


@dataclasses.dataclass(frozen=True, eq=False)
class TotalVariation(_ImageTerm):
    """`total_variation`: mean absolute difference of neighbouring pixels of each tile (model space).

    Give it a negative weight to smooth the dream. Tiles are regularized separately, so differences across
    tile borders are not counted (the random roll moves the borders every step).
    """

    kind: ClassVar[str] = "total_variation"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        tiles = inputs.tiles
        rows = tf.reduce_mean(tf.abs(tiles[:, 1:] - tiles[:, :-1]), axis=[1, 2, 3])
        columns = tf.reduce_mean(tf.abs(tiles[:, :, 1:] - tiles[:, :, :-1]), axis=[1, 2, 3])
        return rows + columns


@dataclasses.dataclass(frozen=True, eq=False)
class ImageL2(_ImageTerm):
    """`l2`: mean square of the image in model space, per tile; a negative weight keeps values moderate."""

    kind: ClassVar[str] = "l2"

    def value(self, inputs: TermInputs) -> tf.Tensor:
        return tf.reduce_mean(tf.square(inputs.tiles), axis=[1, 2, 3])


@builder("tv")
def total_variation(weight: float = 1.0, *, mask: ImageRef | None = None) -> Objective:
    """Total variation of the image per tile; a negative weight smooths the dream."""
    return Objective((TotalVariation(weight, mask),))


@builder()
def l2(weight: float = 1.0, *, mask: ImageRef | None = None) -> Objective:
    """Mean square of the image per tile (model space); a negative weight keeps it moderate."""
    return Objective((ImageL2(weight, mask),))
