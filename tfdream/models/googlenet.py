"""GoogLeNet as in the 2015 TensorFlow DeepDream notebook's `inception5h` graph, built from Keras layers.

The network is the one stored in `tensorflow_inception_graph.pb` (GoogLeNet, Szegedy et al. 2014, in the
variant TensorFlow published; e.g. `mixed4a` has 508 channels, not the paper's 512), with the graph's own layer
names so that recipes written for the notebook work unchanged:

* every convolution `NAME` is a linear `Conv2D` named `NAME_pre_relu` (kernel and bias) followed by a `ReLU`
  named `NAME`, so the pre-activations the notebook dreams with (`mixed4d_3x3_bottleneck_pre_relu`) are layers;
* stem: `conv2d0` (7x7/2), `maxpool0`, `localresponsenorm0`, `conv2d1` (1x1), `conv2d2` (3x3),
  `localresponsenorm1`, `maxpool1`;
* inception blocks `mixed3a`, `mixed3b`, `maxpool4`, `mixed4a` ... `mixed4e`, `maxpool10`, `mixed5a`, `mixed5b`,
  each the concatenation of the branches `_1x1`, `_3x3` (after `_3x3_bottleneck`), `_5x5` (after
  `_5x5_bottleneck`) and `_pool_reduce` (after the 3x3/1 max pool `_pool`), in that order.

Every convolution and pooling uses "same" padding, so any input of at least `MIN_SIZE` pixels works. The model
takes float32 (batch, H, W, 3) RGB in [0, 255] minus 117 (the "inception5h" preprocessing).

`GoogLeNet(weights=None)` is the random, trainable network; `inception5h(weights=...)` also reads the published
graph (see `tfdream.graphdef`), downloading it for `weights="imagenet"`.
"""

from __future__ import annotations

import logging
import os
import pathlib

import keras
import numpy as np

from tfdream.models import graphdef
from tfdream.models.lrn import LocalResponseNormalization

_LOG = logging.getLogger(__name__)

URL = "https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip"
ZIP_FILE = "inception5h.zip"
# SHA-256 of the zip as TensorFlow's own build files pinned it; `keras.utils.get_file` checks it.
ZIP_SHA256 = "d13569f6a98159de37e92e9c8ec4dae8f674fbf475f69fe6199b514f756d4364"
GRAPH_FILE = "tensorflow_inception_graph.pb"
MEAN = 117.0
MIN_SIZE = 32
DEFAULT_LAYERS = ("mixed4c",)
# Layer sets of the DeepDream notebook, as presets of a converted model (`layers="notebook_channel"`).
NOTEBOOK_PRESETS = {
    "notebook_default": ("mixed4c",),
    "notebook_channel": ("mixed4d_3x3_bottleneck_pre_relu",),
    "mixed3": ("mixed3a", "mixed3b"),
    "mixed4": ("mixed4a", "mixed4b", "mixed4c", "mixed4d", "mixed4e"),
    "mixed5": ("mixed5a", "mixed5b"),
}

# Branch widths of each inception block: 1x1, 3x3 bottleneck, 3x3, 5x5 bottleneck, 5x5, pool reduce.
BLOCKS: dict[str, tuple[int, int, int, int, int, int]] = {
    "mixed3a": (64, 96, 128, 16, 32, 32),
    "mixed3b": (128, 128, 192, 32, 96, 64),
    "mixed4a": (192, 96, 204, 16, 48, 64),
    "mixed4b": (160, 112, 224, 24, 64, 64),
    "mixed4c": (128, 128, 256, 24, 64, 64),
    "mixed4d": (112, 144, 288, 32, 64, 64),
    "mixed4e": (256, 160, 320, 32, 128, 128),
    "mixed5a": (256, 160, 320, 48, 128, 128),
    "mixed5b": (384, 192, 384, 48, 128, 128),
}
# 3x3/2 max pools between the stages, named as in the graph: after the block named by the key.
_STAGE_POOLS = {"mixed3b": "maxpool4", "mixed4e": "maxpool10"}
# Local response normalization of the stem. A converted graph keeps the file's own values; these are the
# values published ports of the graph use.
LRN_SETTINGS = {"depth_radius": 5, "bias": 2.0, "alpha": 1e-4, "beta": 0.5}
NUM_CLASSES = 1008  # the graph's softmax2: 1000 ImageNet classes padded to 1008


def _conv(x, filters: int, kernel: int, name: str, strides: int = 1):
    x = keras.layers.Conv2D(filters, kernel, strides=strides, padding="same", name=f"{name}_pre_relu")(x)
    return keras.layers.ReLU(name=name)(x)


def _max_pool(x, name: str, strides: int = 2):
    return keras.layers.MaxPooling2D(3, strides=strides, padding="same", name=name)(x)


def _inception(x, name: str, widths: tuple[int, ...]):
    one, three_reduce, three, five_reduce, five, pool_reduce = widths
    branches = [
        _conv(x, one, 1, f"{name}_1x1"),
        _conv(_conv(x, three_reduce, 1, f"{name}_3x3_bottleneck"), three, 3, f"{name}_3x3"),
        _conv(_conv(x, five_reduce, 1, f"{name}_5x5_bottleneck"), five, 5, f"{name}_5x5"),
        _conv(_max_pool(x, f"{name}_pool", strides=1), pool_reduce, 1, f"{name}_pool_reduce"),
    ]
    return keras.layers.Concatenate(axis=-1, name=name)(branches)


def GoogLeNet(  # pylint: disable=invalid-name  (named like keras.applications constructors)
    weights: str | os.PathLike | None = None,
    include_top: bool = False,
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    input_tensor: keras.KerasTensor | None = None,
    classes: int = NUM_CLASSES,
) -> keras.Model:
    """The inception5h GoogLeNet built natively (see the module docstring for its layers).

    Args:
        weights: None (random), or a Keras weights file of this architecture (`.weights.h5`).
        include_top: Add the graph's classifier: 7x7 average pool "avgpool0" (224x224 inputs), flatten and a
            softmax dense layer "softmax2" over `classes`.
        input_shape: (H, W, 3) of the input, None for any size of at least `MIN_SIZE`.
        input_tensor: Optional Keras tensor to build on instead of a new input (e.g. a training head's input).
        classes: Number of output classes of the top.

    Returns:
        An uncompiled `keras.Model` "inception5h" from float32 (batch, H, W, 3) ("inception5h" space) to the
        `mixed5b` features (batch, H/32, W/32, 1024), or to softmax probabilities (batch, classes) with the top.
    """
    inputs = keras.Input(input_shape, name="input") if input_tensor is None else input_tensor
    x = _conv(inputs, 64, 7, "conv2d0", strides=2)
    x = _max_pool(x, "maxpool0")
    x = LocalResponseNormalization(**LRN_SETTINGS, name="localresponsenorm0")(x)
    x = _conv(x, 64, 1, "conv2d1")
    x = _conv(x, 192, 3, "conv2d2")
    x = LocalResponseNormalization(**LRN_SETTINGS, name="localresponsenorm1")(x)
    x = _max_pool(x, "maxpool1")
    for name, widths in BLOCKS.items():
        x = _inception(x, name, widths)
        if name in _STAGE_POOLS:
            x = _max_pool(x, _STAGE_POOLS[name])
    if include_top:
        x = keras.layers.AveragePooling2D(7, strides=1, padding="valid", name="avgpool0")(x)
        x = keras.layers.Flatten(name="avgpool0_flatten")(x)
        x = keras.layers.Dense(classes, activation="softmax", name="softmax2")(x)
    model = keras.Model(inputs, x, name="inception5h")
    if weights is not None:
        model.load_weights(weights)
    return model


def inception5h(
    weights: str | os.PathLike | None = "imagenet",
    include_top: bool = False,
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
) -> keras.Model:
    """GoogLeNet with the notebook's trained weights, or the native network.

    Args:
        weights: "imagenet" (download `inception5h.zip` from `URL` into the Keras cache and convert its
            graph), a path to `tensorflow_inception_graph.pb` or to `inception5h.zip` (converted), a Keras
            weights file of `GoogLeNet` (loaded into the native network), or None (random, native).
        include_top: Native network only: add the classifier (see `GoogLeNet`).
        input_shape: Native network only: (H, W, 3).

    Raises:
        ValueError: a path that does not exist or that holds no such graph or weights.
        Exception: whatever `keras.utils.get_file` raises when the download fails (`tfdream.models` turns
            it into a `WeightsUnavailableError`).
    """
    if weights is None:
        return GoogLeNet(include_top=include_top, input_shape=input_shape)
    if weights == "imagenet":
        return convert_graph(keras.utils.get_file(
            fname=ZIP_FILE, origin=URL, file_hash=ZIP_SHA256, cache_subdir="models"))
    path = pathlib.Path(weights)
    if not path.is_file():
        raise ValueError(f"weights must be 'imagenet', None or an existing file. Received: weights={str(weights)!r}")
    if graphdef.is_graph_file(path):
        return convert_graph(path)
    return GoogLeNet(weights=path, include_top=include_top, input_shape=input_shape)


def convert_graph(path: str | os.PathLike) -> keras.Model:
    """The Keras model of `tensorflow_inception_graph.pb`, or of the one inside `inception5h.zip`, at `path`.

    The feature body up to `mixed5b`, for inputs in the "inception5h" space (RGB [0, 255] minus 117).
    """
    conversion = graphdef.convert(graphdef.read_graph_def(path, prefer=GRAPH_FILE), name="inception5h")
    offset = conversion.input_offset
    if offset is not None and not np.allclose(offset, MEAN):
        _LOG.warning("the graph %s subtracts %s from its input, not %s: pass preprocessing= to match it",
                     path, offset.tolist(), MEAN)
    return conversion.model


def convert_file(
    graph: str | os.PathLike, output: str | os.PathLike, *, overwrite: bool = False
) -> pathlib.Path:
    """Converts the notebook's graph once into a `.keras` model with its metadata JSON beside it.

    The result loads like any saved model: `Dreamer("out.keras")` dreams `DEFAULT_LAYERS` in the
    "inception5h" input space.

    Args:
        graph: `tensorflow_inception_graph.pb` or `inception5h.zip`.
        output: The `.keras` file to write; `<stem>.json` (a `tfdream.metadata.ModelMetadata`) goes beside it.
        overwrite: Replace existing files.

    Returns:
        The written model path.

    Raises:
        ValueError: `output` does not end in ".keras", cannot be written, or `graph` cannot be converted or lacks
            the layers the metadata names (`DEFAULT_LAYERS`, `NOTEBOOK_PRESETS`).
        tfdream.files.OutputExistsError: an output file exists and `overwrite` is False.
    """
    from tfdream.io import images  # pylint: disable=import-outside-toplevel  (keep this module light)
    from tfdream.models import metadata  # pylint: disable=import-outside-toplevel  (keep this module light)

    output = pathlib.Path(output)
    if output.suffix != ".keras":
        raise ValueError(f"output must end in .keras. Received: output={str(output)!r}")
    images.check_output_path(output, overwrite=overwrite, image=False)
    images.check_output_path(metadata.metadata_path(output), overwrite=overwrite, image=False)
    model = convert_graph(graph)
    named = {layer.name for layer in model.layers}
    missing = {layer for layers in (DEFAULT_LAYERS, *NOTEBOOK_PRESETS.values()) for layer in layers} - named
    if missing:
        raise ValueError(f"graph {str(graph)!r} does not follow the inception5h naming scheme: its conversion up to "
                         f"{model.layers[-1].name!r} has no layers {sorted(missing)}")
    # Keras saves only to a path ending in .keras: write a hidden sibling, then rename it into place.
    partial = output.with_name(f".{output.stem}.partial.keras")
    try:
        model.save(partial)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    metadata.ModelMetadata(
        architecture="inception5h",
        preprocessing="inception5h",
        image_size=(224, 224),
        default_layers=DEFAULT_LAYERS,
        layer_presets=NOTEBOOK_PRESETS,
        split=f"converted from {pathlib.Path(graph).name}",
        min_size=MIN_SIZE,
    ).save(output)
    return output
