"""Frozen graphs converted into Keras 3 functional models, op by op.

Made for the 2015 DeepDream notebook's GoogLeNet, `tensorflow_inception_graph.pb` (in `inception5h.zip`), but
generic over its op set: the graph's nodes are walked in topological order and each op maps to a Keras layer
whose weights are the graph's constants (`tf.make_ndarray`). A `Conv2D` or `MatMul` whose only consumer adds a
constant bias (`BiasAdd`) becomes one `Conv2D` or `Dense` layer named after the `BiasAdd`, so the graph's
`NAME_pre_relu/conv` + `NAME_pre_relu` + `NAME` (Relu) become the layers `NAME_pre_relu` and `NAME`.

| op | Keras layer |
|---|---|
| Placeholder | `keras.Input` (batch, H, W, C) |
| Sub (a constant), ExpandDims (axis 0) on the input | dropped (see `Conversion.input_offset`) |
| Const, Identity | weights / pass-through |
| Conv2D (+ BiasAdd or BiasAddV1) | `Conv2D` |
| MatMul (+ BiasAdd or BiasAddV1) | `Dense` |
| Relu | `ReLU` |
| MaxPool, AvgPool | `MaxPooling2D`, `AveragePooling2D` |
| LRN | `tfdream.models.lrn.LocalResponseNormalization` |
| Concat, ConcatV2 (channel axis) | `Concatenate` |
| Reshape (batch dimension -1) | `Reshape` |
| Softmax | `Softmax` |

Layer names are node names with "/" replaced by "_" (Keras names cannot hold "/").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfdream.models.graphdef import graph as graph_lib
from tfdream.models.lrn import LocalResponseNormalization

_LOG = logging.getLogger(__name__)

_BIAS_OPS = frozenset({"BiasAdd", "BiasAddV1"})  # BiasAddV1: the op of graphs older than BiasAdd's data_format


SUPPORTED_OPS = frozenset({"Placeholder", "Const", "Identity", "Sub", "ExpandDims", "Conv2D", "BiasAdd", "BiasAddV1",
                           "MatMul", "Relu", "MaxPool", "AvgPool", "LRN", "Concat", "ConcatV2", "Reshape", "Softmax"})


@dataclasses.dataclass(frozen=True)
class Conversion:
    """A converted graph.

    Attributes:
        model: Functional Keras model from float32 (batch, H, W, C), the graph's input after its own
            preprocessing nodes, to the chosen outputs.
        input_offset: The constant the graph subtracted from its input (shape () or (C,)), None if it had no
            such node; the model expects inputs with it already subtracted.
    """

    model: keras.Model
    input_offset: np.ndarray | None


def convert(
    graph_def: tf.compat.v1.GraphDef, *, outputs: Sequence[str] | None = None, name: str = "graph"
) -> Conversion:
    """Converts a frozen graph into a Keras functional model with the graph's weights and node names.

    Args:
        graph_def: A frozen graph (weights in Const nodes) with one Placeholder input, data format NHWC.
        outputs: Nodes the model outputs (every node they depend on is converted); default
            `default_outputs(graph_def)`, the feature body. Naming a classifier node (e.g. "softmax2") also
            converts the classifier, which then fixes the input size the graph was made for (224 for
            inception5h).
        name: The Keras model's name.

    Returns:
        A `Conversion`.

    Raises:
        ValueError: a node the outputs depend on has an op outside `SUPPORTED_OPS` or attributes the
            conversion cannot express; the one-line message names the op and the node.
    """
    graph = graph_lib.Graph(graph_def)
    outputs = list(outputs) if outputs is not None else graph_lib.default_outputs(graph_def)
    for output in outputs:
        if output not in graph.nodes:
            raise ValueError(f"outputs must name nodes of the graph. Received: outputs={outputs!r}")
    needed = graph.ancestors(outputs)
    placeholders = [node for node in needed if graph.op(node) == "Placeholder"]
    if len(placeholders) != 1:
        raise ValueError(f"the graph must have one Placeholder input, found {sorted(placeholders)}")
    converter = _Converter(graph)
    for node_name in graph.topological(needed):
        converter.visit(node_name)
    tensors = [converter.tensor(output) for output in outputs]
    model = keras.Model(converter.input, tensors[0] if len(tensors) == 1 else tensors, name=name)
    for layer_name, weights in converter.weights.items():
        model.get_layer(layer_name).set_weights(weights)
    _LOG.info("converted %d graph nodes into %d Keras layers", len(needed), len(model.layers))
    return Conversion(model, converter.input_offset)


class _Converter:
    """Maps graph nodes, visited in topological order, to Keras tensors (or constants)."""

    def __init__(self, graph: graph_lib.Graph):
        self.graph = graph
        self.values: dict[str, object] = {}  # node -> KerasTensor or np.ndarray (constants)
        self.weights: dict[str, list[np.ndarray]] = {}  # layer name -> weights to copy once built
        self.fused: set[str] = set()  # BiasAdd nodes folded into the layer before them
        self.raw: set[str] = set()  # the placeholder and the preprocessing nodes on it
        self.input: keras.KerasTensor | None = None
        self.input_offset: np.ndarray | None = None

    def tensor(self, name: str):
        value = self.values[name]
        if isinstance(value, np.ndarray):
            raise ValueError(f"node {name!r} is a constant, not a layer output")
        return value

    def constant(self, name: str, of: str) -> np.ndarray:
        value = self.values[name]
        if not isinstance(value, np.ndarray):
            raise ValueError(f"cannot convert node {of!r}: its input {name!r} must be a constant")
        return value

    def fail(self, name: str, reason: str):
        raise ValueError(f"cannot convert node {name!r} (op {self.graph.op(name)}): {reason}")

    def visit(self, name: str) -> None:
        node = self.graph.nodes[name]
        if node.op not in SUPPORTED_OPS:
            raise ValueError(f"cannot convert node {name!r}: unsupported op {node.op!r} "
                             f"(supported: {', '.join(sorted(SUPPORTED_OPS))})")
        if name in self.fused:
            return
        inputs = self.graph.inputs[name]
        getattr(self, f"_{node.op.lower()}")(name, node, inputs)

    def _attr_ints(self, node, key: str) -> list[int]:
        return list(node.attr[key].list.i)

    def _check_nhwc(self, name: str, node) -> None:
        if "data_format" in node.attr and node.attr["data_format"].s not in (b"NHWC", b""):
            self.fail(name, f"data_format must be NHWC. Received: {node.attr['data_format'].s.decode()}")

    def _placeholder(self, name, node, inputs):
        dims = [dim.size for dim in node.attr["shape"].shape.dim] if "shape" in node.attr else []
        channels = dims[-1] if dims and dims[-1] > 0 else 3
        self.input = keras.Input((None, None, channels), name=_layer_name(name))
        self.values[name] = self.input
        self.raw.add(name)

    def _const(self, name, node, inputs):
        self.values[name] = tf.make_ndarray(node.attr["value"].tensor)

    def _identity(self, name, node, inputs):
        self.values[name] = self.values[inputs[0]]
        if inputs[0] in self.raw:
            self.raw.add(name)

    def _sub(self, name, node, inputs):
        if inputs[0] not in self.raw:
            self.fail(name, "Sub is only supported as preprocessing of the input (input minus a constant)")
        self.input_offset = np.asarray(self.constant(inputs[1], name), np.float32)
        self.values[name] = self.values[inputs[0]]
        self.raw.add(name)

    def _expanddims(self, name, node, inputs):
        if inputs[0] not in self.raw or int(self.constant(inputs[1], name)) != 0:
            self.fail(name, "ExpandDims is only supported as adding the batch axis (axis 0) to the input")
        self.values[name] = self.values[inputs[0]]
        self.raw.add(name)

    def _bias_of(self, name: str) -> tuple[str, np.ndarray] | None:
        """(BiasAdd node, bias) when the only consumer of `name` adds a constant bias to it."""
        consumers = self.graph.consumers[name]
        if len(consumers) != 1 or self.graph.op(consumers[0]) not in _BIAS_OPS:
            return None
        bias_add = consumers[0]
        bias = self.graph.constant(self.graph.inputs[bias_add][1])
        if bias is None:
            return None
        self._check_nhwc(bias_add, self.graph.nodes[bias_add])
        self.fused.add(bias_add)
        return bias_add, bias

    def _conv2d(self, name, node, inputs):
        self._check_nhwc(name, node)
        kernel = self.constant(inputs[1], name)
        strides, dilations = self._attr_ints(node, "strides"), self._attr_ints(node, "dilations") or [1, 1, 1, 1]
        padding = node.attr["padding"].s.decode()
        if padding not in ("SAME", "VALID"):
            self.fail(name, f"padding must be SAME or VALID. Received: {padding}")
        if dilations[1:3] != [1, 1] and strides[1:3] != [1, 1]:
            self.fail(name, f"strides and dilations cannot both exceed 1. Received: {strides}, {dilations}")
        fused = self._bias_of(name)
        layer_node = fused[0] if fused else name
        layer = keras.layers.Conv2D(
            kernel.shape[3], kernel.shape[:2], strides=strides[1:3], padding=padding.lower(),
            dilation_rate=dilations[1:3], use_bias=fused is not None, name=_layer_name(layer_node),
        )
        output = layer(self.tensor(inputs[0]))
        self.weights[layer.name] = [kernel, fused[1]] if fused else [kernel]
        self.values[layer_node] = self.values[name] = output

    def _matmul(self, name, node, inputs):
        if node.attr["transpose_a"].b:
            self.fail(name, "transpose_a is not supported")
        kernel = self.constant(inputs[1], name)
        if node.attr["transpose_b"].b:
            kernel = kernel.T
        fused = self._bias_of(name)
        layer_node = fused[0] if fused else name
        layer = keras.layers.Dense(kernel.shape[1], use_bias=fused is not None, name=_layer_name(layer_node))
        output = layer(self.tensor(inputs[0]))
        self.weights[layer.name] = [kernel, fused[1]] if fused else [kernel]
        self.values[layer_node] = self.values[name] = output

    def _biasadd(self, name, node, inputs):
        self.fail(name, "a bias is only supported right after a Conv2D or MatMul used nowhere else")

    _biasaddv1 = _biasadd

    def _relu(self, name, node, inputs):
        self.values[name] = keras.layers.ReLU(name=_layer_name(name))(self.tensor(inputs[0]))

    def _pool(self, name, node, inputs, kind):
        self._check_nhwc(name, node)
        ksize, strides = self._attr_ints(node, "ksize"), self._attr_ints(node, "strides")
        if ksize[0] != 1 or ksize[3] != 1 or strides[0] != 1 or strides[3] != 1:
            self.fail(name, f"pooling over batch or channels is not supported. Received: ksize={ksize}")
        layer = kind(ksize[1:3], strides=strides[1:3], padding=node.attr["padding"].s.decode().lower(),
                     name=_layer_name(name))
        self.values[name] = layer(self.tensor(inputs[0]))

    def _maxpool(self, name, node, inputs):
        self._pool(name, node, inputs, keras.layers.MaxPooling2D)

    def _avgpool(self, name, node, inputs):
        self._pool(name, node, inputs, keras.layers.AveragePooling2D)

    def _lrn(self, name, node, inputs):
        layer = LocalResponseNormalization(
            depth_radius=node.attr["depth_radius"].i, bias=node.attr["bias"].f, alpha=node.attr["alpha"].f,
            beta=node.attr["beta"].f, name=_layer_name(name),
        )
        self.values[name] = layer(self.tensor(inputs[0]))

    def _concatenate(self, name, axis_node: str, value_nodes: Sequence[str]):
        axis = int(self.constant(axis_node, name))
        if axis not in (3, -1):
            self.fail(name, f"only concatenation over channels (axis 3) is supported. Received: axis={axis}")
        tensors = [self.tensor(source) for source in value_nodes]
        self.values[name] = keras.layers.Concatenate(axis=-1, name=_layer_name(name))(tensors)

    def _concat(self, name, node, inputs):
        self._concatenate(name, inputs[0], inputs[1:])

    def _concatv2(self, name, node, inputs):
        self._concatenate(name, inputs[-1], inputs[:-1])

    def _reshape(self, name, node, inputs):
        shape = [int(dim) for dim in self.constant(inputs[1], name)]
        if not shape or shape[0] != -1:
            self.fail(name, f"the target shape must keep the batch dimension (-1 first). Received: {shape}")
        self.values[name] = keras.layers.Reshape(tuple(shape[1:]), name=_layer_name(name))(self.tensor(inputs[0]))

    def _softmax(self, name, node, inputs):
        self.values[name] = keras.layers.Softmax(name=_layer_name(name))(self.tensor(inputs[0]))


def layer_weights(model: keras.Model) -> Mapping[str, list[tuple[int, ...]]]:
    """{layer name: weight shapes} of the layers that hold weights, to compare two networks by name."""
    return {layer.name: [tuple(weight.shape) for weight in layer.weights] for layer in model.layers if layer.weights}


def _layer_name(node_name: str) -> str:
    return node_name.replace("/", "_")
