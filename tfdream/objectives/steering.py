"""`steered`: a layer choice with the steering people use most added to it: a guide image and a class.

    layers = steered(("mixed4",), guide="clouds.jpg")          # each layer dreamed toward the guide
    layers = steered({"conv3": 1.0}, target_class="kitchen")   # the class logit plus the layers

It returns what `Dreamer(layers=...)` takes: the layers as given when nothing steers them, else an `Objective`
(the command line's `--guide` and `--class`, and the web app's steering controls).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from tfdream.objectives.base import Objective
from tfdream.objectives.classes import class_logit
from tfdream.objectives.guides import guide as guide_term
from tfdream.objectives.layers import from_layers

Layers = str | Sequence[str] | Mapping[str, float] | None


def steered(layers: Layers, *, guide: str | os.PathLike | None = None, target_class: str | int | None = None,
            reduction: str = "mean", channels: Mapping[str, Sequence[int]] | None = None) -> Layers | Objective:
    """`layers` steered toward a guide image and/or a class of a classifier with a top.

    Args:
        layers: Layer names, `{name: weight}`, a layer or layer-set name, or None (the model's defaults).
        guide: Guide image: each named layer is dreamed toward what the guide excites in it (needs `layers`).
        target_class: A class name or index (a digit string counts as an index): its pre-softmax logit is
            added, with the named layers if any and no guide.
        reduction: Per-layer reduction of the layer terms ("mean", "l2").
        channels: `{layer: [channel, ...]}` of the layer terms (not with a guide).

    Returns:
        `layers` unchanged without steering, else the `Objective`.

    Raises:
        ValueError: a guide without layers or with channels.
    """
    weights = dict(layers) if isinstance(layers, Mapping) else {name: 1.0 for name in (
        () if layers is None else [layers] if isinstance(layers, str) else layers)}
    parts = []
    if guide:
        if not weights or channels:
            raise ValueError(f"a guide needs the layers to guide and takes no channels. Received: layers={layers!r}, "
                             f"channels={channels!r}")
        parts += [guide_term(os.path.abspath(guide), name, weight=weight) for name, weight in weights.items()]
    if target_class is not None and str(target_class) != "":
        target = int(target_class) if str(target_class).isdigit() else target_class
        parts.append(class_logit(target))
        if weights and not guide:
            parts.append(from_layers(weights, reduction=reduction, channels=channels))
    return sum(parts[1:], parts[0]) if parts else layers
