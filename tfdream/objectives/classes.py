"""`class_logit`: a classifier's pre-softmax score of one class, named or numbered."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar

import tensorflow as tf

from tfdream.models import classifiers
from tfdream.objectives.base import LOGITS, ImageRef, Kind, Objective, TermInputs, builder


@dataclasses.dataclass(frozen=True, eq=False)
class ClassLogit(Kind):
    """`class_logit`: a classifier's pre-softmax score of one class, per tile.

    The model must end in a `Dense` layer (a top); the score is that layer's input times its kernel plus its
    bias, so a softmax activation is left out. A model with a fixed input size gets each tile resized to it
    inside the step (see `tfdream.steps`).

    Attributes:
        target: Class name (from the saved model's metadata `class_names`) or index.
        weight: Multiplier in the total.
        mask: Per-pixel mask of this term, or None.
        index: The resolved class index (set by the `Dreamer`, not part of the config).
    """

    kind: ClassVar[str] = "class_logit"
    needs_top: ClassVar[bool] = True
    target: str | int
    weight: float = 1.0
    mask: ImageRef | None = None
    index: int | None = dataclasses.field(default=None, init=False)

    def __post_init__(self):
        self._check_common()
        if isinstance(self.target, bool) or not isinstance(self.target, (str, int)) or self.target == "":
            raise ValueError(f"target must be a class name or index. Received: target={self.target!r}")
        if isinstance(self.target, int):
            if self.target < 0:
                raise ValueError(f"target must be a class name or an index >= 0. Received: target={self.target}")
            object.__setattr__(self, "index", self.target)

    @property
    def label(self) -> str:
        return f"class:{self.target}"

    def resolve(self, class_names: Sequence[str], classes: int) -> ClassLogit:
        """This term with `index` set from `class_names` (a ValueError lists close matches) or checked."""
        index = classifiers.class_index(self.target, class_names, classes)
        resolved = dataclasses.replace(self)
        object.__setattr__(resolved, "index", index)
        return resolved

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """The class's logit per image, float32 (batch,)."""
        if self.index is None:
            raise ValueError(f"class {self.target!r} is not resolved to an index: dream it through a Dreamer")
        return tf.cast(inputs.activations[LOGITS][:, self.index], tf.float32)


@builder()
def class_logit(target: str | int, *, weight: float = 1.0, mask: ImageRef | None = None) -> Objective:
    """A classifier's pre-softmax score of the class named (or numbered) `target`."""
    return Objective((ClassLogit(target, weight, mask),))
