"""What the ascent maximizes: terms of several kinds, kept as data, composed with `+`, `-` and `*`.

    objective = layer("mixed3") + 2.0 * layer("mixed5", channels=[10, 42], reduction="l2")
    objective = guide("clouds.jpg", "mixed4") - 0.5 * total_variation()
    objective = class_logit("kitchen") + 0.2 * neuron("block4_conv3", 17)

Kinds (`KINDS`): `layer` (mean or mean square of a layer, optionally some channels), `neuron` (one unit at a
relative position of each tile), `direction` (projection of the activation on a vector in channel space),
`class_logit` (a pre-softmax class score of a classifier), `guide` (the activation's match with a guide
image's features) and the image regularizers `total_variation` and `l2`. Each term carries its weight and,
optionally, a mask of its own (see `tfdream.steering`); each has a `label` under which its unweighted value is
recorded per step, and `get_config`/`term_from_config` turn it into JSON and back.

Every value is computed per tile inside the compiled step, so it is normalized by size (means, not sums): a
tile's value does not depend on how large the tile is.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import tensorflow as tf

from tfdream import choices, steering

REDUCTIONS = choices.REDUCTIONS
SIMILARITIES = ("dot", "cosine")
# Key of a classifier's pre-softmax scores, float32 (batch, classes), among a step's activations.
LOGITS = "(logits)"

ImageRef = str | os.PathLike | np.ndarray


@dataclasses.dataclass(frozen=True)
class TermInputs:
    """What a term's value is computed from, inside the compiled step.

    Attributes:
        activations: `{layer: float (batch, h, w, c)}`, plus `LOGITS` when a class term is present.
        tiles: The image tiles, float32 (batch, H, W, 3), model space.
        guides: `{guide label: float32 (m, c)}`, the guide image's features at the octave's size.
    """

    activations: Mapping[str, tf.Tensor]
    tiles: tf.Tensor | None = None
    guides: Mapping[str, tf.Tensor] = dataclasses.field(default_factory=dict)


class _Kind:
    """Shared behaviour of the term kinds: config, layers read, composition with `+ - *`."""

    kind: ClassVar[str]
    weight: float
    mask: ImageRef | None

    @property
    def layers(self) -> tuple[str, ...]:
        """Layers whose activations the term reads."""
        layer = getattr(self, "layer", None)
        return () if layer is None else (layer,)

    def max_channel(self) -> int | None:
        """The largest channel index the term reads, or None when it reads whole layers or none."""
        return None

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
                value = steering.describe_image(value)
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
                fields[name] = steering.image_from_record(fields[name], name)
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


@dataclasses.dataclass(frozen=True, eq=False)
class Term(_Kind):
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

    def max_channel(self) -> int | None:
        return None if self.channels is None else max(self.channels)


@dataclasses.dataclass(frozen=True, eq=False)
class Neuron(_Kind):
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

    def max_channel(self) -> int:
        return self.channel


@dataclasses.dataclass(frozen=True, eq=False)
class Direction(_Kind):
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

    def max_channel(self) -> int:
        return len(self.vector) - 1

    def check_length(self, channels: int) -> None:
        if len(self.vector) != channels:
            raise ValueError(
                f"vector for layer {self.layer!r} must have {channels} numbers (its channel count). "
                f"Received: {len(self.vector)} numbers"
            )


@dataclasses.dataclass(frozen=True, eq=False)
class ClassLogit(_Kind):
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
        index = steering.class_index(self.target, class_names, classes)
        resolved = dataclasses.replace(self)
        object.__setattr__(resolved, "index", index)
        return resolved

    def value(self, inputs: TermInputs) -> tf.Tensor:
        """The class's logit per image, float32 (batch,)."""
        if self.index is None:
            raise ValueError(f"class {self.target!r} is not resolved to an index: dream it through a Dreamer")
        return tf.cast(inputs.activations[LOGITS][:, self.index], tf.float32)


@dataclasses.dataclass(frozen=True, eq=False)
class Guide(_Kind):
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


@dataclasses.dataclass(frozen=True, eq=False)
class _ImageTerm(_Kind):
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


KINDS: dict[str, type] = {kind.kind: kind for kind in (Term, Neuron, Direction, ClassLogit, Guide, TotalVariation,
                                                       ImageL2)}
AnyTerm = Term | Neuron | Direction | ClassLogit | Guide | TotalVariation | ImageL2


def term_from_config(config: Mapping[str, Any]) -> AnyTerm:
    """The term a `get_config()` describes; a config without a `kind` (older sidecars) is a `layer` term."""
    kind = config.get("kind", "layer")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}. Received: kind={kind!r}")
    return KINDS[kind].from_config(config)


@dataclasses.dataclass(frozen=True)
class Objective:
    """A weighted sum of terms. Add and subtract objectives or terms, negate them, scale them with `*`."""

    terms: tuple[AnyTerm, ...]

    def __post_init__(self):
        labels = [term.label for term in self.terms]
        if not labels:
            raise ValueError("an objective needs at least one term. Received: terms=()")
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ValueError(f"an objective names each term once. Received twice: {duplicates}")

    def __add__(self, other) -> Objective:
        if isinstance(other, _Kind):
            other = Objective((other,))
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(self.terms + other.terms)

    def __sub__(self, other) -> Objective:
        if isinstance(other, _Kind):
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
        return any(isinstance(term, ClassLogit) for term in self.terms)

    @property
    def guides(self) -> tuple[Guide, ...]:
        """The guide terms, in order."""
        return tuple(term for term in self.terms if isinstance(term, Guide))

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
            if isinstance(term, Direction):
                term.check_length(channel_counts[term.layer])
            elif term.max_channel() is not None and term.max_channel() >= channel_counts[term.layer]:
                selected = list(term.channels) if isinstance(term, Term) else term.channel
                raise ValueError(
                    f"channels for layer {term.layer!r} must be < {channel_counts[term.layer]} (its channel "
                    f"count). Received: channels={selected}"
                )

    def get_config(self) -> list[dict[str, Any]]:
        """Each term's `get_config()`, in order."""
        return [term.get_config() for term in self.terms]

    @classmethod
    def from_config(cls, config: Sequence[Mapping[str, Any]]) -> Objective:
        """Inverse of `get_config`; reads the term lists of older sidecars too."""
        return cls(tuple(term_from_config(term) for term in config))


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


def neuron(
    name: str, channel: int, position: Sequence[float] | None = None, *, weight: float = 1.0,
    mask: ImageRef | None = None,
) -> Objective:
    """One unit of a layer: `channel` at the centre (or the relative `position` (y, x)) of each tile."""
    return Objective((Neuron(name, channel, None if position is None else tuple(position), weight, mask),))


def direction(
    name: str, vector: Sequence[float], *, similarity: str = "dot", weight: float = 1.0,
    mask: ImageRef | None = None,
) -> Objective:
    """The projection of a layer's activation on `vector` (one number per channel)."""
    return Objective((Direction(name, tuple(np.asarray(vector, np.float64).ravel()), similarity, weight, mask),))


def class_logit(target: str | int, *, weight: float = 1.0, mask: ImageRef | None = None) -> Objective:
    """A classifier's pre-softmax score of the class named (or numbered) `target`."""
    return Objective((ClassLogit(target, weight, mask),))


def guide(image: ImageRef, name: str, *, weight: float = 1.0, mask: ImageRef | None = None) -> Objective:
    """Dream layer `name` toward the features a guide `image` (path or RGB array) excites in it."""
    return Objective((Guide(image, name, weight, mask),))


def total_variation(weight: float = 1.0, *, mask: ImageRef | None = None) -> Objective:
    """Total variation of the image per tile; a negative weight smooths the dream."""
    return Objective((TotalVariation(weight, mask),))


def l2(weight: float = 1.0, *, mask: ImageRef | None = None) -> Objective:
    """Mean square of the image per tile (model space); a negative weight keeps it moderate."""
    return Objective((ImageL2(weight, mask),))


_BUILDERS = {"layer": layer, "neuron": neuron, "direction": direction, "class_logit": class_logit,
             "guide": guide, "total_variation": total_variation, "tv": total_variation, "l2": l2}


def parse(text: str) -> Objective:
    """An objective from a small expression language, for the command line.

    Terms are calls of the builders in `_BUILDERS` (`layer`, `neuron`, `direction`, `class_logit`, `guide`,
    `total_variation` or `tv`, `l2`) with literal arguments, or bare layer names, combined with `+`, `-`, unary
    `-` and multiplication by a number: `mixed3 + 0.5 * neuron('mixed4', 7) - 0.1 * tv()`. Nothing is
    evaluated: the expression is read as a syntax tree and only these forms are accepted.

    Raises:
        ValueError: the text is not such an expression (the message names the offending part).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"objective is not a valid expression ({error.msg}). Received: objective={text!r}") from None
    return _evaluate(tree, text)


def _evaluate(node: ast.AST, text: str) -> Objective:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        left, right = _evaluate(node.left, text), _evaluate(node.right, text)
        return left + right if isinstance(node.op, ast.Add) else left - right
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _evaluate(node.operand, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for factor, term in ((node.left, node.right), (node.right, node.left)):
            number = _literal(factor, text) if isinstance(factor, (ast.Constant, ast.UnaryOp)) else None
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return number * _evaluate(term, text)
        raise ValueError(f"objective terms can only be multiplied by a number. Received: {ast.unparse(node)!r}")
    if isinstance(node, ast.Name):
        return layer(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BUILDERS:
        args = [_literal(arg, text) for arg in node.args]
        kwargs = {keyword.arg: _literal(keyword.value, text) for keyword in node.keywords}
        try:
            return _BUILDERS[node.func.id](*args, **kwargs)
        except TypeError as error:
            raise ValueError(f"bad arguments in objective term {ast.unparse(node)!r}: {error}") from None
    raise ValueError(
        f"objective terms must be {sorted(_BUILDERS)} calls or layer names. Received: {ast.unparse(node)!r} "
        f"in objective={text!r}"
    )


def _literal(node: ast.AST, text: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f"objective arguments must be literals. Received: {ast.unparse(node)!r} "
                         f"in objective={text!r}") from None


def _is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _image_key(image: ImageRef) -> str:
    """A key that tells images apart: the resolved path, or the array's shape and content digest."""
    if isinstance(image, np.ndarray):
        return f"array{image.shape}:{hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]}"
    return os.path.abspath(os.fspath(image))


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
