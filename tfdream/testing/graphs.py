"""Frozen graphs in the inception5h naming scheme, built in the test, for the GraphDef converter's tests."""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from tfdream.io import files
from tfdream.models import googlenet

HEADS = ("avgpool", "mean", "squeeze")


def inception5h_graph_def(
    seed: int = 0, width: float = 1.0, head: bool | str = False, preprocessing: bool = True
) -> tf.compat.v1.GraphDef:
    """A frozen graph in the format of the DeepDream notebook's `tensorflow_inception_graph.pb`, random weights.

    Same op types and node names as the published graph: Const `NAME_w` (HWIO) and `NAME_b`, Conv2D
    `NAME_pre_relu/conv`, BiasAdd `NAME_pre_relu`, Relu `NAME`; MaxPool, LRN `localresponsenorm0/1`, the
    legacy `Concat` op for the blocks `mixed3a` ... `mixed5b`, and the placeholder `input`.

    Args:
        seed: Seed of the random constants.
        width: Multiplies every channel count (at least 1 each): 1.0 is the published network's shape, small
            values make fast test graphs.
        head: Add a classifier over 1008 classes, ending in Softmax `softmax2` and Identity `output2`, one of
            `HEADS` (True: "avgpool"):
            "avgpool", the published one: AvgPool `avgpool0` (7x7 valid, so 224x224 inputs), Reshape, MatMul +
            BiasAdd `softmax2_pre_activation`;
            "mean", as many exported graphs end (any input size): a global average pool, Mean `avgpool0` over
            height and width without keep_dims, then MatMul + BiasAdd `softmax2_pre_activation`, and after the
            softmax an ArgMax `predictions`, an op the converter does not support;
            "squeeze", the slim style: Mean `avgpool0` with keep_dims, a 1x1 Conv2D + BiasAdd `logits`, Squeeze
            `logits/squeeze` of height and width.
        preprocessing: The notebook's preprocessing inside the graph: `input` is one (H, W, 3) RGB image in
            [0, 255], followed by Sub (minus 117) and ExpandDims; otherwise `input` is (batch, H, W, 3)
            already preprocessed.

    Returns:
        The GraphDef.
    """
    rng = np.random.default_rng(seed)
    graph = tf.Graph()

    def scaled(channels: int) -> int:
        return max(1, round(channels * width))

    def conv(x, filters: int, kernel: int, name: str, strides: int = 1):
        fan_in = kernel * kernel * x.shape[-1]
        w = tf.constant(rng.normal(0, np.sqrt(2 / fan_in), (kernel, kernel, x.shape[-1], filters)).astype(np.float32),
                        name=f"{name}_w")
        b = tf.constant(rng.normal(0, 0.1, filters).astype(np.float32), name=f"{name}_b")
        x = tf.nn.conv2d(x, w, strides, "SAME", name=f"{name}_pre_relu/conv")
        return tf.nn.relu(tf.nn.bias_add(x, b, name=f"{name}_pre_relu"), name=name)

    def max_pool(x, name: str, strides: int = 2):
        return tf.nn.max_pool2d(x, 3, strides, "SAME", name=name)

    with graph.as_default():
        if preprocessing:
            image = tf.compat.v1.placeholder(tf.float32, (None, None, 3), name="input")
            x = tf.expand_dims(tf.subtract(image, googlenet.MEAN, name="sub"), 0, name="ExpandDims")
        else:
            x = tf.compat.v1.placeholder(tf.float32, (None, None, None, 3), name="input")
        x = max_pool(conv(x, scaled(64), 7, "conv2d0", strides=2), "maxpool0")
        x = tf.nn.local_response_normalization(x, **googlenet.LRN_SETTINGS, name="localresponsenorm0")
        x = conv(conv(x, scaled(64), 1, "conv2d1"), scaled(192), 3, "conv2d2")
        x = tf.nn.local_response_normalization(x, **googlenet.LRN_SETTINGS, name="localresponsenorm1")
        x = max_pool(x, "maxpool1")
        for name, widths in googlenet.BLOCKS.items():
            one, three_reduce, three, five_reduce, five, pool_reduce = (scaled(c) for c in widths)
            branches = [
                conv(x, one, 1, f"{name}_1x1"),
                conv(conv(x, three_reduce, 1, f"{name}_3x3_bottleneck"), three, 3, f"{name}_3x3"),
                conv(conv(x, five_reduce, 1, f"{name}_5x5_bottleneck"), five, 5, f"{name}_5x5"),
                conv(max_pool(x, f"{name}_pool", strides=1), pool_reduce, 1, f"{name}_pool_reduce"),
            ]
            x = tf.raw_ops.Concat(concat_dim=tf.constant(3, name=f"{name}/concat_dim"), values=branches, name=name)
            if name in ("mixed3b", "mixed4e"):
                x = max_pool(x, {"mixed3b": "maxpool4", "mixed4e": "maxpool10"}[name])
        if head:
            _classifier(x, "avgpool" if head is True else head, rng)
    return graph.as_graph_def()


def _classifier(features: tf.Tensor, head: str, rng: np.random.Generator) -> None:
    """Adds the classifier `head` (see `inception5h_graph_def`) on the feature map `features` to the graph."""
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}. Received: head={head!r}")
    channels, classes = features.shape[-1], googlenet.NUM_CLASSES
    w = tf.constant(rng.normal(0, 0.05, (channels, classes)).astype(np.float32), name="softmax2_w")
    b = tf.constant(rng.normal(0, 0.1, classes).astype(np.float32), name="softmax2_b")
    if head == "squeeze":
        x = tf.reduce_mean(features, [1, 2], keepdims=True, name="avgpool0")
        x = tf.nn.bias_add(tf.nn.conv2d(x, tf.reshape(w, (1, 1, channels, classes)), 1, "VALID", name="logits/conv"),
                           b, name="logits")
        x = tf.squeeze(x, [1, 2], name="logits/squeeze")
    else:
        if head == "avgpool":
            x = tf.nn.avg_pool2d(features, 7, 1, "VALID", name="avgpool0")
            x = tf.reshape(x, [-1, channels], name="avgpool0/reshape")
        else:
            x = tf.reduce_mean(features, [1, 2], name="avgpool0")
        x = tf.nn.bias_add(tf.matmul(x, w, name="softmax2_pre_activation/matmul"), b,
                           name="softmax2_pre_activation")
    softmax = tf.nn.softmax(x, name="softmax2")
    tf.identity(softmax, name="output2")
    if head == "mean":
        tf.math.argmax(softmax, axis=1, name="predictions")


def write_inception5h_graph(path: str | os.PathLike, **kwargs) -> str:
    """Writes `inception5h_graph_def(**kwargs)` to `path` (a `.pb` file); returns the path as a string."""
    data = inception5h_graph_def(**kwargs).SerializeToString()
    with files.atomic_write(path, overwrite=True) as file:
        file.write(data)
    return str(path)
