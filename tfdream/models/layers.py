"""The dreamable layers of a network: listing them, checking a name (with close matches), resolving layer
sets, and the feature extractor that outputs them."""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence

import keras

from tfdream.models import loading


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    """A dreamable layer: its name and output shape (batch and spatial dims None when the input is free)."""

    name: str
    shape: tuple[int | None, ...]


def list_layers(model: str | os.PathLike | keras.Model | loading.LoadedModel) -> list[LayerInfo]:
    """Lists the layers whose output is a 4-D feature map, in network order.

    Args:
        model: A `LoadedModel`, a `keras.Model`, a name in `MODELS` (built with `weights=None`: nothing is
            downloaded), or a path to a saved `.keras` model.
    """
    if isinstance(model, loading.LoadedModel):
        model = model.model
    elif not isinstance(model, keras.Model):
        model = loading.load_model(model, weights=None, preprocessing="identity").model
    infos = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        output = layer.output
        if isinstance(output, (list, tuple)) or len(output.shape) != 4:
            continue
        infos.append(LayerInfo(layer.name, tuple(output.shape)))
    return infos


def resolve_layers(loaded: loading.LoadedModel, layers: str | Sequence[str] | None) -> tuple[str, ...]:
    """Turns a layer name, a layer-set name, a list of names, or None (the defaults) into layer names."""
    if layers is None:
        if not loaded.default_layers:
            raise ValueError(
                f"layers must be given for {loaded.name!r}: it has no default layers. Received: layers=None"
            )
        return loaded.default_layers
    if isinstance(layers, str):
        layers = loaded.layer_sets.get(layers, (layers,))
    names = tuple(layers)
    if not names:
        raise ValueError(f"layers must name at least one layer. Received: layers={layers!r}")
    for name in names:
        check_layer(loaded, name)
    return names


def check_layer(loaded: loading.LoadedModel, name: str) -> None:
    """Raises a ValueError naming `name`, close matches, and how to list layers if it is not dreamable."""
    available = [info.name for info in list_layers(loaded)]
    if name in available:
        return
    close = difflib.get_close_matches(name, available, n=5, cutoff=0.5)
    hint = f" Close matches: {', '.join(close)}." if close else ""
    layer_sets = f" Layer sets: {', '.join(sorted(loaded.layer_sets))}." if loaded.layer_sets else ""
    raise ValueError(
        f"unknown layer {name!r} for model {loaded.name!r}.{hint}{layer_sets} "
        f"List all with tfdream.list_layers({loaded.name!r}) or `tfdream layers {loaded.name}`."
    )


def feature_extractor(model: keras.Model, layers: Sequence[str]) -> keras.Model:
    """A model from the same input to a dict `{layer: activation}` of the named layers' outputs."""
    return keras.Model(
        inputs=model.inputs, outputs={name: model.get_layer(name).output for name in layers}, name="features"
    )
