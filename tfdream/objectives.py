"""What the ascent maximizes: weighted, size-normalized layer activations, composed with `+` and `*`.

    objective = layer("mixed3") + 2.0 * layer("mixed5", channels=[10, 42], reduction="l2")

Every term reports its own value per image of a batch, so the compiled step returns per-layer losses
alongside the total and nothing is recomputed for the history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import tensorflow as tf

REDUCTIONS = ("mean", "l2")


@dataclasses.dataclass(frozen=True)
class Term:
    """One layer's contribution: `weight * reduce(activation[..., channels])`.

    Attributes:
        layer: Layer name.
        weight: Multiplier in the total (the recorded per-layer value is unweighted).
        channels: Channel indices to keep, or None for all.
        reduction: "mean" (mean activation, the TensorFlow tutorial's loss) or "l2" (mean square).
    """

    layer: str
    weight: float = 1.0
    channels: tuple[int, ...] | None = None
    reduction: str = "mean"

    def __post_init__(self):
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}. Received: reduction={self.reduction!r}")
        if self.channels is not None:
            channels = tuple(self.channels)
            if not channels or not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in channels):
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

    def value(self, activation: tf.Tensor) -> tf.Tensor:
        """Size-normalized value per image: activation (batch, h, w, c) -> float32 (batch,)."""
        activation = tf.cast(activation, tf.float32)
        if self.channels is not None:
            activation = tf.gather(activation, self.channels, axis=-1)
        if self.reduction == "l2":
            activation = tf.square(activation)
        return tf.reduce_mean(activation, axis=[1, 2, 3])


@dataclasses.dataclass(frozen=True)
class Objective:
    """A weighted sum of `Term`s. Add objectives with `+`, scale them with `*`."""

    terms: tuple[Term, ...]

    def __post_init__(self):
        labels = [term.label for term in self.terms]
        if not labels:
            raise ValueError("an objective needs at least one term. Received: terms=()")
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ValueError(f"an objective names each layer/channel set once. Received twice: {duplicates}")

    def __add__(self, other: Objective) -> Objective:
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(self.terms + other.terms)

    def __mul__(self, factor: float) -> Objective:
        if not isinstance(factor, (int, float)):
            return NotImplemented
        return Objective(tuple(dataclasses.replace(t, weight=t.weight * factor) for t in self.terms))

    __rmul__ = __mul__

    @property
    def layers(self) -> tuple[str, ...]:
        """The distinct layers the objective reads, in order of first use."""
        return tuple(dict.fromkeys(term.layer for term in self.terms))

    @property
    def labels(self) -> tuple[str, ...]:
        """History keys, one per term."""
        return tuple(term.label for term in self.terms)

    def __call__(self, activations: Mapping[str, tf.Tensor]) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
        """Evaluates the objective on `{layer: activation (batch, h, w, c)}`.

        Returns:
            (total, per_term): total float32 (batch,) = sum of weight * value; per_term maps each label to its
            unweighted value, float32 (batch,).
        """
        per_term = {term.label: term.value(activations[term.layer]) for term in self.terms}
        total = tf.add_n([term.weight * per_term[term.label] for term in self.terms])
        return total, per_term

    def check_channels(self, channel_counts: Mapping[str, int]) -> None:
        """Raises a ValueError for a selected channel beyond its layer's channel count."""
        for term in self.terms:
            if term.channels is not None and max(term.channels) >= channel_counts[term.layer]:
                raise ValueError(
                    f"channels for layer {term.layer!r} must be < {channel_counts[term.layer]} (its channel "
                    f"count). Received: channels={list(term.channels)}"
                )


def layer(
    name: str, weight: float = 1.0, *, channels: Sequence[int] | None = None, reduction: str = "mean"
) -> Objective:
    """An objective of one layer (optionally some of its channels)."""
    return Objective((Term(name, float(weight), channels, reduction),))


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
