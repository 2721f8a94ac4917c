"""The dreamable layers of a network: listing them, checking a name (with close matches), resolving layer
sets, and the feature extractor that outputs them."""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence

import keras

from tfdream.models import loading

# Between a model's name and its layer's in the layer names of several models dreamed together: "vgg16/block4_conv3".
SEPARATOR = "/"


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
    if isinstance(model, loading.LoadedModel) and model.members:
        return [LayerInfo(f"{member.name}{SEPARATOR}{info.name}", info.shape)
                for member in model.members for info in list_layers(member)]
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
    """Raises a ValueError naming `name`, close matches, and how to list layers if it is not dreamable.

    The layers of several models (`loaded.members`) are named `MODEL/LAYER`.
    """
    if loaded.members:
        check_layer(*member_layer(loaded, name))
        return
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


def member_layer(loaded: loading.LoadedModel, name: str) -> tuple[loading.LoadedModel, str]:
    """Of several models (`loaded.members`): the one a `MODEL/LAYER` name belongs to, and the layer's own name."""
    model, separator, layer = name.partition(SEPARATOR)
    for member in loaded.members:
        if separator and member.name == model:
            return member, layer
    raise ValueError(f"layers of several models are named MODEL{SEPARATOR}LAYER with MODEL one of "
                     f"{[member.name for member in loaded.members]}. Received: {name!r}")


def feature_extractor(model: keras.Model, layers: Sequence[str], name: str = "features") -> keras.Model:
    """A model from the same input to a dict `{layer: activation}` of the named layers' outputs."""
    return keras.Model(
        inputs=model.inputs, outputs={layer: model.get_layer(layer).output for layer in layers}, name=name
    )
