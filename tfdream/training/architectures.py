"""Classifiers trained from scratch for dreaming (VGG, ResNet, AlexNet) and their dream-layer presets.

Every model takes float32 images (batch, H, W, 3) in [-1, 1] ("inception" preprocessing, applied by the
data pipeline, not by the model) of any size of at least `Architecture.min_size`, and returns float32 softmax
probabilities (batch, num_classes). The convolutional body is followed by global average pooling
("avg_pool", the penultimate features), dropout and a dense "predictions" layer.

Models not in `keras.applications` (VGG11, AlexNet, VGG with batch norm) are functional models of built-in
Keras layers only, so a saved `.keras` file reloads without custom objects.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping

import keras

from tfdream.models import googlenet, inception_v4

_VGG_CONVS = {11: (1, 1, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
_VGG_FILTERS = (64, 128, 256, 512, 512)
# AlexNet convolutions: (filters, kernel, stride, followed by max pooling).
_ALEXNET = ((64, 11, 4, True), (192, 5, 1, True), (384, 3, 1, False), (256, 3, 1, False), (256, 3, 1, True))


@dataclasses.dataclass(frozen=True)
class Architecture:
    """How to build a classifier and which of its layers to dream with.

    Attributes:
        build: (num_classes, dropout) -> an uncompiled `keras.Model` as described in the module docstring.
        presets: model -> {preset name: layer names}, the layers the original study dreamed with: the output
            of each VGG block's last ReLU, of the ResNet stem and of each bottleneck stage, of each AlexNet
            convolution; "all" lists them all.
        default_preset: The preset whose layers are dreamed when none are named.
        min_size: Smallest input height/width.

    Builders use plain `keras.layers.BatchNormalization`; training on more than one replica passes the built
    model through `synchronize_batch_norm`, and the saved model is rebuilt by `build` (same layers, same
    weight order), so it is the same architecture however it was trained.
    """

    build: Callable[[int, float], keras.Model]
    presets: Callable[[keras.Model], dict[str, tuple[str, ...]]]
    default_preset: str
    min_size: int = 32

    def layer_presets(self, model: keras.Model) -> dict[str, tuple[str, ...]]:
        """Returns {preset: layer names} for a model built by `build`, with "all" holding every preset's layers."""
        presets = self.presets(model)
        presets["all"] = tuple(name for names in presets.values() for name in names)
        return presets

    def default_layers(self, model: keras.Model) -> tuple[str, ...]:
        """Returns the layers of the default preset."""
        return self.presets(model)[self.default_preset]


def _inputs() -> keras.KerasTensor:
    return keras.Input(shape=(None, None, 3), name="image")


def _classifier(inputs, features, num_classes: int, dropout: float, name: str) -> keras.Model:
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(features)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    # float32 output keeps the softmax and the loss stable under a mixed_float16 policy.
    outputs = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def _vgg(depth: int, batch_norm: bool) -> Callable[[int, float], keras.Model]:
    """In-house VGG with `keras.applications` layer names (blockB_convC, blockB_pool)."""

    def build(num_classes: int, dropout: float) -> keras.Model:
        inputs = x = _inputs()
        for block, (convs, filters) in enumerate(zip(_VGG_CONVS[depth], _VGG_FILTERS), start=1):
            for conv in range(1, convs + 1):
                name = f"block{block}_conv{conv}"
                if batch_norm:
                    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
                    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
                    x = keras.layers.ReLU(name=f"{name}_relu")(x)
                else:
                    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)(x)
            x = keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        return _classifier(inputs, x, num_classes, dropout, f"vgg{depth}{'_bn' if batch_norm else ''}")

    return build


def _application(constructor: Callable[..., keras.Model], name: str) -> Callable[[int, float], keras.Model]:
    """A `keras.applications` body (random weights) under our pooling/dropout/dense head."""

    def build(num_classes: int, dropout: float) -> keras.Model:
        inputs = _inputs()
        body = constructor(include_top=False, weights=None, input_tensor=inputs)
        return _classifier(inputs, body.output, num_classes, dropout, name)

    return build


def _alexnet(num_classes: int, dropout: float) -> keras.Model:
    """AlexNet convolutions (torchvision widths) with "same" pooling so that small inputs work."""
    inputs = x = _inputs()
    for index, (filters, kernel, stride, pool) in enumerate(_ALEXNET, start=1):
        x = keras.layers.Conv2D(
            filters, kernel, strides=stride, padding="same", activation="relu", name=f"conv{index}"
        )(x)
        if pool:
            x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{index}")(x)
    return _classifier(inputs, x, num_classes, dropout, "alexnet")


def _last_per_group(model: keras.Model, pattern: str) -> dict[int, str]:
    """{group number: name of the last layer, in model order, whose name fully matches `pattern`}."""
    last = {}
    for layer in model.layers:
        match = re.fullmatch(pattern, layer.name)
        if match:
            last[int(match.group(1))] = layer.name
    return dict(sorted(last.items()))


def _vgg_presets(model: keras.Model) -> dict[str, tuple[str, ...]]:
    # The last ReLU of a block is its last conv (which carries the ReLU), or that conv's "_relu" with batch norm.
    blocks = _last_per_group(model, r"block(\d+)_conv\d+(?:_relu)?")
    return {f"block{block}": (name,) for block, name in blocks.items()}


def _resnet_presets(model: keras.Model) -> dict[str, tuple[str, ...]]:
    # keras.applications stages are conv2..conv5; each ends with the add + ReLU "convS_blockN_out".
    stages = _last_per_group(model, r"conv(\d)_block\d+_out")
    return {"stem": ("conv1_relu",)} | {f"stage{stage - 1}": (name,) for stage, name in stages.items()}


def _alexnet_presets(model: keras.Model) -> dict[str, tuple[str, ...]]:
    return {f"conv{index}": (name,) for index, name in _last_per_group(model, r"conv(\d)").items()}


ARCHITECTURES: Mapping[str, Architecture] = {
    "vgg11": Architecture(_vgg(11, batch_norm=False), _vgg_presets, "block4"),
    "vgg16": Architecture(_application(keras.applications.VGG16, "vgg16"), _vgg_presets, "block4"),
    "vgg19": Architecture(_application(keras.applications.VGG19, "vgg19"), _vgg_presets, "block4"),
    "vgg11_bn": Architecture(_vgg(11, batch_norm=True), _vgg_presets, "block4"),
    "vgg16_bn": Architecture(_vgg(16, batch_norm=True), _vgg_presets, "block4"),
    "vgg19_bn": Architecture(_vgg(19, batch_norm=True), _vgg_presets, "block4"),
    "resnet50": Architecture(_application(keras.applications.ResNet50, "resnet50"), _resnet_presets, "stage3"),
    "resnet101": Architecture(_application(keras.applications.ResNet101, "resnet101"), _resnet_presets, "stage3"),
    "resnet152": Architecture(_application(keras.applications.ResNet152, "resnet152"), _resnet_presets, "stage3"),
    "alexnet": Architecture(_alexnet, _alexnet_presets, "conv4", min_size=1),
}


def synchronize_batch_norm(model: keras.Model) -> keras.Model:
    """Returns a copy of `model`, same weights, whose batch norm layers use the batch statistics of all replicas.

    With `synchronized=True`, `keras.layers.BatchNormalization` all-reduces the batch mean and variance over
    the replicas of the current `tf.distribute` strategy, so statistics come from the global batch, not from
    each replica's share. Call it in the strategy's scope; other layers are cloned unchanged.
    """

    def clone(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if isinstance(layer, keras.layers.BatchNormalization):
            config["synchronized"] = True
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def get(name: str) -> Architecture:
    """Returns the registered architecture `name`, or raises a ValueError listing the known ones."""
    if name not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {sorted(ARCHITECTURES)}. Received: architecture={name!r}")
    return ARCHITECTURES[name]


# GoogLeNet (the DeepDream notebook's inception5h network, with its layer names) and Inception-v4, both built
# natively. GoogLeNet's local response normalization is a tfdream layer: its saved models reload through
# `tfdream.models.load_model`, which registers it (`tfdream.models.lrn`).
def _googlenet_presets(model: keras.Model) -> dict[str, tuple[str, ...]]:
    # The last block of each stage; "mixed4" is mixed4c, the layer the DeepDream notebook dreams by default.
    return {"conv": ("conv2d2",), "mixed3": ("mixed3b",), "mixed4": ("mixed4c",), "mixed5": ("mixed5b",)}


def _inception_v4_presets(model: keras.Model) -> dict[str, tuple[str, ...]]:
    return {"stem": ("stem_mixed3",), "inception_a": ("inception_a4",), "inception_b": ("inception_b7",),
            "inception_c": ("inception_c3",)}


ARCHITECTURES = {
    **ARCHITECTURES,
    "googlenet": Architecture(_application(googlenet.GoogLeNet, "googlenet"), _googlenet_presets, "mixed4",
                              min_size=googlenet.MIN_SIZE),
    "inception_v4": Architecture(_application(inception_v4.InceptionV4, "inception_v4"), _inception_v4_presets,
                                 "inception_b", min_size=inception_v4.MIN_SIZE),
}
