"""What every objective term shares: the inputs it is computed from (`TermInputs`), the base of the term kinds
(`Kind`: config round trip, composition with `+ - *`), the registry of kinds and grammar builders, and the
`Objective`, a weighted sum of terms.

A new kind is a frozen dataclass deriving from `Kind` with a `kind` name, a `label` and a `value`; defining it
registers it (`KINDS`), so sidecars and `rerun` read it back. A function decorated with `@builder` returns an
`Objective` of it and becomes a call of the `--objective` grammar.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import tensorflow as tf

from tfdream.objectives import images

# Key of a classifier's pre-softmax scores, float32 (batch, classes), among a step's activations.
LOGITS = "(logits)"

ImageRef = str | os.PathLike | np.ndarray

# Kind name -> term class, filled as kinds are defined (see `Kind.__init_subclass__`).
KINDS: dict[str, type[Kind]] = {}
# Grammar name -> function returning an `Objective`, filled by `@builder`.
BUILDERS: dict[str, Callable[..., Objective]] = {}


def builder(*aliases: str):
    """Registers the decorated function, under its own name and `aliases`, as a call of the objective grammar."""

    def register(function: Callable[..., Objective]) -> Callable[..., Objective]:
        for name in (function.__name__, *aliases):
            BUILDERS[name] = function
        return function

    return register


@dataclasses.dataclass(frozen=True)
class TermInputs:
    """What a term's value is computed from, inside the compiled step.

    Attributes:
        activations: `{layer: float (batch, h, w, c)}`, plus `LOGITS` when a class term is present.
        tiles: The image tiles, float32 (batch, H, W, 3), model space.
        guides: `{guide label: float32 (m, c)}`, the guide image's features at the octave's size.
        members: For a batch of images dreamed together, the image of each tile, int32 (batch,): the tiles of
            every image at one grid position come together, image by image (`tfdream.objectives.batches`);
            None for one image.
        batch: How many images are dreamed together.
    """

    activations: Mapping[str, tf.Tensor]
    tiles: tf.Tensor | None = None
    guides: Mapping[str, tf.Tensor] = dataclasses.field(default_factory=dict)
    members: tf.Tensor | None = None
    batch: int = 1


class Kind:
    """Shared behaviour of the term kinds: config, layers read, composition with `+ - *`."""

    kind: ClassVar[str]
    # Whether the term reads a classifier's logits (then `resolve` sets its class index) or a guide's features.
    needs_top: ClassVar[bool] = False
    reads_guide: ClassVar[bool] = False
    # Whether the term compares the images of a batch with each other (it needs every image's tile at a place).
    compares_images: ClassVar[bool] = False
    weight: float
    mask: ImageRef | None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            KINDS[cls.kind] = cls

    @property
    def layers(self) -> tuple[str, ...]:
        """Layers whose activations the term reads."""
        layer = getattr(self, "layer", None)
        return () if layer is None else (layer,)

    def channels_read(self) -> tuple[int, ...] | None:
        """The channel indices the term reads, or None when it reads whole layers or none."""
        return None

    def check_channels(self, channel_counts: Mapping[str, int]) -> None:
        """Raises a ValueError for a channel read beyond its layer's channel count (`channel_counts[layer]`)."""
        channels = self.channels_read()
        if channels is not None and max(channels) >= channel_counts[self.layer]:
            raise ValueError(f"channels for layer {self.layer!r} must be < {channel_counts[self.layer]} (its "
                             f"channel count). Received: channels={list(channels)}")

    @property
    def mask_key(self) -> str | None:
        """Identifies the term's mask (terms with the same mask share one backward pass); None for no mask."""
        return None if self.mask is None else _image_key(self.mask)

    def get_config(self) -> dict[str, Any]:
        """JSON-ready fields with the `kind`; image fields as `{"path", "sha256"}` records."""
        config = {"kind": self.kind}
        for field in dataclasses.fields(self):
            if not field.init:
                continue
            value = getattr(self, field.name)
            if field.name in ("image", "mask") and value is not None:
                value = images.describe_image(value)
            elif isinstance(value, tuple):
                value = list(value)
            config[field.name] = value
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]):
        """Inverse of `get_config` (an image record is checked against its sha256)."""
        fields = {key: value for key, value in config.items() if key != "kind"}
        for name in ("image", "mask"):
            if isinstance(fields.get(name), Mapping):
                fields[name] = images.image_from_record(fields[name], name)
        return cls(**fields)

    def _check_common(self) -> None:
        if not isinstance(self.weight, (int, float)) or isinstance(self.weight, bool):
            raise TypeError(f"weight must be a number. Received: weight={self.weight!r}")
        object.__setattr__(self, "weight", float(self.weight))
        if self.mask is not None and not isinstance(self.mask, (str, os.PathLike, np.ndarray)):
            raise TypeError(f"mask must be an image path or an array. Received: mask={self.mask!r}")

    def _identity(self) -> tuple:
        return (self.kind, *(
            _image_key(value) if isinstance(value, np.ndarray) else value
            for value in (getattr(self, field.name) for field in dataclasses.fields(self) if field.init)
        ))

    def __eq__(self, other):
        return type(self) is type(other) and self._identity() == other._identity()

    def __hash__(self):
        return hash(self._identity())

    def __add__(self, other):
        return Objective((self,)) + other

    def __sub__(self, other):
        return Objective((self,)) - other

    def __neg__(self):
        return -Objective((self,))

    def __mul__(self, factor):
        return Objective((self,)) * factor

    __rmul__ = __mul__


def term_from_config(config: Mapping[str, Any]) -> Kind:
    """The term a `get_config()` describes; a config without a `kind` (older sidecars) is a `layer` term."""
    kind = config.get("kind", "layer")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}. Received: kind={kind!r}")
    return KINDS[kind].from_config(config)


@dataclasses.dataclass(frozen=True)
class Objective:
    """A weighted sum of terms. Add and subtract objectives or terms, negate them, scale them with `*`."""

    terms: tuple[Kind, ...]

    def __post_init__(self):
        labels = [term.label for term in self.terms]
        if not labels:
            raise ValueError("an objective needs at least one term. Received: terms=()")
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ValueError(f"an objective names each term once. Received twice: {duplicates}")

    def __add__(self, other) -> Objective:
        if isinstance(other, Kind):
            other = Objective((other,))
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(self.terms + other.terms)

    def __sub__(self, other) -> Objective:
        if isinstance(other, Kind):
            other = Objective((other,))
        if not isinstance(other, Objective):
            return NotImplemented
        return self + (-1.0) * other

    def __neg__(self) -> Objective:
        return self * -1.0

    def __mul__(self, factor: float) -> Objective:
        if not isinstance(factor, (int, float)) or isinstance(factor, bool):
            return NotImplemented
        return Objective(tuple(dataclasses.replace(t, weight=t.weight * factor) for t in self.terms))

    __rmul__ = __mul__

    @property
    def layers(self) -> tuple[str, ...]:
        """The distinct layers the objective reads, in order of first use."""
        return tuple(dict.fromkeys(layer for term in self.terms for layer in term.layers))

    @property
    def labels(self) -> tuple[str, ...]:
        """History keys, one per term."""
        return tuple(term.label for term in self.terms)

    @property
    def needs_top(self) -> bool:
        """Whether a term reads a classifier's logits."""
        return any(term.needs_top for term in self.terms)

    @property
    def guides(self) -> tuple[Kind, ...]:
        """The guide terms, in order."""
        return tuple(term for term in self.terms if term.reads_guide)

    @property
    def mask_groups(self) -> tuple[tuple[int, ...], ...]:
        """Indices of the terms per mask: first the unmasked terms (possibly none), then one group per mask."""
        keys = list(dict.fromkeys(term.mask_key for term in self.terms if term.mask_key is not None))
        unmasked = tuple(i for i, term in enumerate(self.terms) if term.mask_key is None)
        return (unmasked, *(tuple(i for i, t in enumerate(self.terms) if t.mask_key == key) for key in keys))

    @property
    def masks(self) -> tuple[ImageRef, ...]:
        """The distinct term masks, in the order of `mask_groups[1:]`."""
        return tuple({term.mask_key: term.mask for term in self.terms if term.mask is not None}.values())

    def values(self, inputs: TermInputs | Mapping[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        """Every term's unweighted value, `{label: float32 (batch,)}`."""
        if not isinstance(inputs, TermInputs):
            inputs = TermInputs(inputs)
        return {term.label: term.value(inputs) for term in self.terms}

    def total(self, per_term: Mapping[str, tf.Tensor], indices: Sequence[int] | None = None) -> tf.Tensor:
        """The weighted sum of `per_term` over the terms at `indices` (all by default), float32 (batch,)."""
        chosen = self.terms if indices is None else [self.terms[i] for i in indices]
        return tf.add_n([term.weight * per_term[term.label] for term in chosen])

    def __call__(self, inputs: TermInputs | Mapping[str, tf.Tensor]) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
        """Evaluates the objective on a `TermInputs` or on `{layer: activation (batch, h, w, c)}`.

        Returns:
            (total, per_term): total float32 (batch,) = sum of weight * value; per_term maps each label to its
            unweighted value, float32 (batch,).
        """
        per_term = self.values(inputs)
        return self.total(per_term), per_term

    def check_channels(self, channel_counts: Mapping[str, int]) -> None:
        """Raises a ValueError for a selected channel beyond its layer's channel count (or a vector too long)."""
        for term in self.terms:
            term.check_channels(channel_counts)

    def get_config(self) -> list[dict[str, Any]]:
        """Each term's `get_config()`, in order."""
        return [term.get_config() for term in self.terms]

    @classmethod
    def from_config(cls, config: Sequence[Mapping[str, Any]]) -> Objective:
        """Inverse of `get_config`; reads the term lists of older sidecars too."""
        return cls(tuple(term_from_config(term) for term in config))


def _is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _image_key(image: ImageRef) -> str:
    """A key that tells images apart: the resolved path, or the array's shape and content digest."""
    if isinstance(image, np.ndarray):
        return f"array{image.shape}:{hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]}"
    return os.path.abspath(os.fspath(image))
