"""Inception-v4 (Szegedy et al. 2016, "Inception-v4, Inception-ResNet and the Impact of Residual Connections"),
built natively from Keras layers with readable layer names.

The paper's block structure: stem, 4x Inception-A, Reduction-A, 7x Inception-B, Reduction-B, 3x Inception-C.
Every convolution is a unit of `NAME_conv` (Conv2D without bias), `NAME_bn` (BatchNormalization) and `NAME`
(ReLU), so `tfdream.inference` folds the batch norms. The block outputs are the concatenations

    stem_mixed1, stem_mixed2, stem_mixed3                         (35x35x384 at 299x299 input)
    inception_a1 ... inception_a4                                  (35x35x384)
    reduction_a                                                    (17x17x1024)
    inception_b1 ... inception_b7                                  (17x17x1024)
    reduction_b                                                    (8x8x1536)
    inception_c1 ... inception_c3                                  (8x8x1536)

and inside a block `BLOCK_branchB_...` names each branch's units and pools. The valid (unpadded) convolutions
and pools of the stem and the reductions follow the paper, so inputs must be at least `MIN_SIZE` pixels.
No ImageNet weights are published in Keras format: the network is random (`weights=None`, e.g. to train on
MIT Indoor 67) or reads a Keras weights file of this architecture.
"""

from __future__ import annotations

import os

import keras

MIN_SIZE = 75
DEFAULT_LAYERS = ("inception_a4", "inception_b4")


def _unit(x, filters: int, kernel: int | tuple[int, int], name: str, strides: int = 1, padding: str = "same"):
    x = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(epsilon=1e-3, name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=name)(x)


def _concat(branches, name: str):
    return keras.layers.Concatenate(axis=-1, name=name)(branches)


def _avg_pool(x, name: str):
    return keras.layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def _max_pool_valid(x, name: str):
    return keras.layers.MaxPooling2D(3, strides=2, padding="valid", name=name)(x)


def _stem(x):
    x = _unit(x, 32, 3, "stem_conv1", strides=2, padding="valid")
    x = _unit(x, 32, 3, "stem_conv2", padding="valid")
    x = _unit(x, 64, 3, "stem_conv3")
    x = _concat([_max_pool_valid(x, "stem_branch0_pool"),
                 _unit(x, 96, 3, "stem_branch1_3x3", strides=2, padding="valid")], "stem_mixed1")
    left = _unit(_unit(x, 64, 1, "stem_branch2_1x1"), 96, 3, "stem_branch2_3x3", padding="valid")
    right = _unit(x, 64, 1, "stem_branch3_1x1")
    right = _unit(right, 64, (7, 1), "stem_branch3_7x1")
    right = _unit(right, 64, (1, 7), "stem_branch3_1x7")
    right = _unit(right, 96, 3, "stem_branch3_3x3", padding="valid")
    x = _concat([left, right], "stem_mixed2")
    return _concat([_unit(x, 192, 3, "stem_branch4_3x3", strides=2, padding="valid"),
                    _max_pool_valid(x, "stem_branch5_pool")], "stem_mixed3")


def _inception_a(x, name: str):
    pool = _unit(_avg_pool(x, f"{name}_branch0_pool"), 96, 1, f"{name}_branch0_1x1")
    one = _unit(x, 96, 1, f"{name}_branch1_1x1")
    three = _unit(_unit(x, 64, 1, f"{name}_branch2_1x1"), 96, 3, f"{name}_branch2_3x3")
    double = _unit(x, 64, 1, f"{name}_branch3_1x1")
    double = _unit(_unit(double, 96, 3, f"{name}_branch3_3x3a"), 96, 3, f"{name}_branch3_3x3b")
    return _concat([pool, one, three, double], name)


def _reduction_a(x, name: str = "reduction_a"):
    pool = _max_pool_valid(x, f"{name}_branch0_pool")
    three = _unit(x, 384, 3, f"{name}_branch1_3x3", strides=2, padding="valid")
    double = _unit(_unit(x, 192, 1, f"{name}_branch2_1x1"), 224, 3, f"{name}_branch2_3x3a")
    double = _unit(double, 256, 3, f"{name}_branch2_3x3b", strides=2, padding="valid")
    return _concat([pool, three, double], name)


def _inception_b(x, name: str):
    pool = _unit(_avg_pool(x, f"{name}_branch0_pool"), 128, 1, f"{name}_branch0_1x1")
    one = _unit(x, 384, 1, f"{name}_branch1_1x1")
    seven = _unit(x, 192, 1, f"{name}_branch2_1x1")
    seven = _unit(_unit(seven, 224, (1, 7), f"{name}_branch2_1x7"), 256, (7, 1), f"{name}_branch2_7x1")
    double = _unit(x, 192, 1, f"{name}_branch3_1x1")
    for index, (filters, kernel) in enumerate(((192, (1, 7)), (224, (7, 1)), (224, (1, 7)), (256, (7, 1)))):
        double = _unit(double, filters, kernel, f"{name}_branch3_{'abcd'[index]}_{kernel[0]}x{kernel[1]}")
    return _concat([pool, one, seven, double], name)


def _reduction_b(x, name: str = "reduction_b"):
    pool = _max_pool_valid(x, f"{name}_branch0_pool")
    three = _unit(_unit(x, 192, 1, f"{name}_branch1_1x1"), 192, 3, f"{name}_branch1_3x3", strides=2,
                  padding="valid")
    seven = _unit(x, 256, 1, f"{name}_branch2_1x1")
    seven = _unit(_unit(seven, 256, (1, 7), f"{name}_branch2_1x7"), 320, (7, 1), f"{name}_branch2_7x1")
    seven = _unit(seven, 320, 3, f"{name}_branch2_3x3", strides=2, padding="valid")
    return _concat([pool, three, seven], name)


def _split(x, name: str):
    """Parallel 1x3 and 3x1 units of 256 channels, concatenated (the widening of Inception-C)."""
    return _concat([_unit(x, 256, (1, 3), f"{name}_1x3"), _unit(x, 256, (3, 1), f"{name}_3x1")], name)


def _inception_c(x, name: str):
    pool = _unit(_avg_pool(x, f"{name}_branch0_pool"), 256, 1, f"{name}_branch0_1x1")
    one = _unit(x, 256, 1, f"{name}_branch1_1x1")
    split = _split(_unit(x, 384, 1, f"{name}_branch2_1x1"), f"{name}_branch2_split")
    double = _unit(x, 384, 1, f"{name}_branch3_1x1")
    double = _unit(_unit(double, 448, (1, 3), f"{name}_branch3_1x3"), 512, (3, 1), f"{name}_branch3_3x1")
    return _concat([pool, one, split, _split(double, f"{name}_branch3_split")], name)


def InceptionV4(  # pylint: disable=invalid-name  (named like keras.applications constructors)
    weights: str | os.PathLike | None = None,
    include_top: bool = False,
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    input_tensor: keras.KerasTensor | None = None,
    classes: int = 1000,
    dropout: float = 0.2,
) -> keras.Model:
    """Inception-v4 (see the module docstring for its layers).

    Args:
        weights: None (random) or a Keras weights file of this architecture.
        include_top: Add global average pooling "avg_pool", dropout and a softmax dense "predictions".
        input_shape: (H, W, 3) of the input, None for any size of at least `MIN_SIZE`.
        input_tensor: Optional Keras tensor to build on instead of a new input.
        classes: Number of output classes of the top.
        dropout: Dropout rate of the top (the paper keeps 0.8, i.e. rate 0.2).

    Returns:
        An uncompiled `keras.Model` "inception_v4" from float32 (batch, H, W, 3) in [-1, 1] ("inception"
        preprocessing) to the `inception_c3` features (batch, h, w, 1536), or softmax (batch, classes).
    """
    if weights == "imagenet":
        raise ValueError("weights must be None or a weights file: Inception-v4 has no Keras ImageNet weights. "
                         "Received: weights='imagenet'")
    inputs = keras.Input(input_shape, name="image") if input_tensor is None else input_tensor
    x = _stem(inputs)
    for index in range(1, 5):
        x = _inception_a(x, f"inception_a{index}")
    x = _reduction_a(x)
    for index in range(1, 8):
        x = _inception_b(x, f"inception_b{index}")
    x = _reduction_b(x)
    for index in range(1, 4):
        x = _inception_c(x, f"inception_c{index}")
    if include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        x = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, x, name="inception_v4")
    if weights is not None:
        model.load_weights(weights)
    return model
