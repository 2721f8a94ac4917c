"""Several networks dreamed as one: `load_models` makes one `LoadedModel` of them, whose layers are named
`MODEL/LAYER`, and `extractor` the one Keras model that feeds every network the shared image in its own input
space.

The image lives in the first model's input space. Each other model sees it through a `SpaceConversion`
layer (the first space back to RGB [0, 255], then into its own: an affine per-channel map, channels reversed
where one is BGR), resized to its input size when that is fixed, all inside the one graph, so a single
backward pass gives the gradient of the objective summed over the models.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from tfdream.models import classifiers, inference, loading
from tfdream.models import layers as layers_lib
from tfdream.models.preprocessing import Preprocessing

SEPARATOR = layers_lib.SEPARATOR

ModelRef = str | os.PathLike | keras.Model


@keras.saving.register_keras_serializable(package="tfdream")
class SpaceConversion(keras.layers.Layer):
    """From one input space to another: `target.preprocess(source.deprocess(x))`, (n, h, w, 3).

    Both are affine per channel, so the conversion is one: channels reversed where exactly one space is BGR,
    then `x * scale + shift`.

    Args:
        source: The `Preprocessing` fields (name, scale, offset, bgr) of the space the image is in.
        target: Those of the space the next network expects.
    """

    def __init__(self, source: dict[str, Any], target: dict[str, Any], **kwargs):
        super().__init__(**kwargs)
        self.source, self.target = dict(source), dict(target)
        self._reverse = bool(source["bgr"]) != bool(target["bgr"])
        order = slice(None, None, -1 if self._reverse else 1)
        target_scale, target_offset = np.asarray(target["scale"]), np.asarray(target["offset"])
        self._scale = (np.asarray(source["scale"])[order] / target_scale).astype(np.float32)
        self._shift = ((np.asarray(source["offset"])[order] - target_offset) / target_scale).astype(np.float32)

    def call(self, inputs):
        image = inputs[..., ::-1] if self._reverse else inputs
        return image * keras.ops.cast(self._scale, image.dtype) + keras.ops.cast(self._shift, image.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "source": self.source, "target": self.target}


def _fields(space: Preprocessing) -> dict[str, Any]:
    return {"name": space.name, "scale": list(space.scale), "offset": list(space.offset), "bgr": space.bgr}


def per_model(value: Any, count: int, name: str) -> list:
    """`value` for each of `count` models: a list or tuple of one per model, or one value for all of them."""
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"{name} must be one value or one per model ({count}). Received: {name}={value!r}")
        return list(value)
    return [value] * count


def load_models(
    models: Sequence[ModelRef],
    *,
    weights: Any = "imagenet",
    preprocessing: Any = None,
    min_size: Any = None,
    include_top: bool = False,
) -> loading.LoadedModel:
    """Loads every model (`loading.load_model`) as one `LoadedModel` with them as its `members`.

    Args:
        models: Names in `MODELS`, `.keras` paths or `keras.Model`s; each is named by its registry name, its
            file's stem or its own name, and those names must differ.
        weights, preprocessing, min_size: One value for every model, or a list of one per model (see
            `loading.load_model`).
        include_top: Refused: a class objective reads the top of one classifier.

    Returns:
        A `LoadedModel` in the first model's input space whose layers, default layers and layer sets are
        its members' as `MODEL/LAYER`; its `model` runs every network on the shared image, `{MODEL: output}`.
    """
    if include_top:
        raise ValueError("class objectives read the top of one classifier: dream several models with layer terms")
    if not models:
        raise ValueError("model must name at least one model. Received: model=[]")
    count = len(models)
    members = tuple(
        loading.load_model(model, weights=weight, preprocessing=space, min_size=side)
        for model, weight, space, side in zip(models, per_model(weights, count, "weights"),
                                              per_model(preprocessing, count, "preprocessing"),
                                              per_model(min_size, count, "min_size"))
    )
    names = [member.name for member in members]
    if len(set(names)) < count or any(SEPARATOR in name for name in names):
        raise ValueError(f"models must have distinct names without {SEPARATOR!r} (a keras.Model is named by its "
                         f"`name`, a saved model by its file's stem). Received: {names}")
    default_layers = tuple(f"{m.name}{SEPARATOR}{layer}" for m in members for layer in m.default_layers)
    layer_sets = {f"{m.name}{SEPARATOR}{key}": tuple(f"{m.name}{SEPARATOR}{layer}" for layer in value)
                  for m in members for key, value in m.layer_sets.items()}
    networks = {m.name: keras.Model(m.model.inputs, m.model.outputs, name=m.name) for m in members}  # names apart
    image, outputs = _feed(members, networks, members[0].preprocessing)
    side_by_side = keras.Model([image], outputs, name="models")
    return loading.LoadedModel(side_by_side, members[0].preprocessing, default_layers, layer_sets,
                               max(member.min_size for member in members), "+".join(names), members)


def extractor(loaded: loading.LoadedModel, layer_names: Sequence[str]) -> keras.Model:
    """One model from (n, h, w, 3) in the shared space to `{MODEL/LAYER: activation}` for `layer_names`.

    Each member runs cut to its layers, its foldable batch norms folded (`inference.build`), and only when
    one of its layers is asked for.
    """
    parts = {name: layers_lib.member_layer(loaded, name) for name in layer_names}
    wanted: dict[str, list[str]] = {}
    for member, layer in parts.values():
        wanted.setdefault(member.name, []).append(layer)
    used = [member for member in loaded.members if member.name in wanted]
    networks = {m.name: inference.build(layers_lib.feature_extractor(m.model, wanted[m.name], m.name), "float32")
                for m in used}
    image, features = _feed(used, networks, loaded.preprocessing)
    outputs = {name: features[member.name][layer] for name, (member, layer) in parts.items()}
    return keras.Model([image], outputs, name="features")  # a list of inputs, as `feature_extractor`'s


def _feed(members: Sequence[loading.LoadedModel], networks: dict[str, keras.Model], shared: Preprocessing
          ) -> tuple[Any, dict[str, Any]]:
    """An input in the `shared` space and `{member name: its network's output}`, each network fed the input in
    its member's own space (and at its size, when fixed)."""
    image = keras.Input((None, None, 3), name="image")
    outputs = {}
    for member in members:
        network = networks[member.name]
        tiles = image
        if member.preprocessing != shared:
            tiles = SpaceConversion(_fields(shared), _fields(member.preprocessing),
                                    name=f"{member.name}_input_space")(tiles)
        size = classifiers.fixed_input_size(network)
        if size is not None:
            tiles = keras.layers.Resizing(*size, interpolation="bilinear", name=f"{member.name}_input_size")(tiles)
        outputs[member.name] = network(tiles)
    return image, outputs
