"""Frozen graphs converted into Keras 3 functional models, op by op.

Made for the 2015 DeepDream notebook's GoogLeNet, `tensorflow_inception_graph.pb` (in `inception5h.zip`), but
generic over the ops of exported image graphs. Only what the requested outputs need is converted: the nodes
they read from, directly or not, back to the input placeholder; an op elsewhere in the graph (an unsupported
classifier head, say) does not matter. Those nodes are walked in topological order and each op maps to a Keras
layer whose weights are the graph's constants (`tf.make_ndarray`). A `Conv2D`, `DepthwiseConv2dNative` or
`MatMul` whose only consumer adds a constant bias (`BiasAdd`, or `Add`/`AddV2` of a vector) becomes one layer
named after that consumer, so the graph's `NAME_pre_relu/conv` + `NAME_pre_relu` + `NAME` (Relu) become the
layers `NAME_pre_relu` and `NAME`.

| op | Keras layer |
|---|---|
| Placeholder | `keras.Input` (batch, H, W, C) |
| Sub (a constant), ExpandDims (axis 0) on the input | dropped (see `Conversion.input_offset`) |
| Const, Identity | weights / pass-through |
| Conv2D, DepthwiseConv2dNative (+ a bias) | `Conv2D`, `DepthwiseConv2D` |
| MatMul (+ a bias) | `Dense` |
| FusedBatchNorm, FusedBatchNormV2, FusedBatchNormV3 (inference) | `BatchNormalization` |
| Relu, Relu6, Sigmoid, Softmax | `ReLU`, `ReLU(max_value=6)`, `Activation("sigmoid")`, `Softmax` |
| Add, AddV2, Sub, Mul, RealDiv of two tensors | `Add`, `Subtract`, `Multiply` (RealDiv: a constant only) |
| the same with a constant | `layers.ConstantOperand` |
| MaxPool, AvgPool | `MaxPooling2D`, `AveragePooling2D` |
| Mean, Max over height and width | `GlobalAveragePooling2D`, `GlobalMaxPooling2D` (`keepdims` as `keep_dims`) |
| Pad (height and width), MirrorPad | `ZeroPadding2D`, `layers.MirrorPadding2D` |
| LRN | `tfdream.models.lrn.LocalResponseNormalization` |
| Concat, ConcatV2 (channel axis) | `Concatenate` |
| Reshape (batch dimension -1), Squeeze (not the batch axis) | `Reshape`, `layers.Squeeze` |

Nodes that depend on no placeholder (a `Fill`, a `Pack` of constants, arithmetic on weights) are computed by
TensorFlow once, whatever their op, and become constants. Layer names are node names with "/" replaced by "_"
(Keras names cannot hold "/").
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfdream.models.graphdef import graph as graph_lib
from tfdream.models.graphdef import layers, reading
from tfdream.models.lrn import LocalResponseNormalization

_LOG = logging.getLogger(__name__)

_BIAS_OPS = frozenset({"BiasAdd", "BiasAddV1"})  # BiasAddV1: the op of graphs older than BiasAdd's data_format
# Elementwise ops on two inputs: (ConstantOperand operation, the Keras layer for two tensors or None).
_BINARY_OPS = {
    "Add": ("add", keras.layers.Add),
    "AddV2": ("add", keras.layers.Add),
    "Sub": ("subtract", keras.layers.Subtract),
    "Mul": ("multiply", keras.layers.Multiply),
    "RealDiv": ("divide", None),
}
_BATCH_NORM_OPS = ("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
_MIRROR_MODES = {b"REFLECT": "reflect", b"SYMMETRIC": "symmetric"}

SUPPORTED_OPS = frozenset({
    "Placeholder", "Const", "Identity", "ExpandDims", "Conv2D", "DepthwiseConv2dNative", "BiasAdd", "BiasAddV1",
    "MatMul", *_BATCH_NORM_OPS, "Relu", "Relu6", "Sigmoid", "Softmax", *_BINARY_OPS, "MaxPool", "AvgPool",
    "Mean", "Max", "Pad", "MirrorPad", "LRN", "Concat", "ConcatV2", "Reshape", "Squeeze",
})


class _ConversionError(ValueError):
    """A node the conversion cannot express, its message naming the node, its op and the outputs needing it."""


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
    """Converts what `outputs` need of a frozen graph into a Keras functional model with its weights and names.

    Args:
        graph_def: A frozen graph (weights in Const nodes) with one Placeholder input, data format NHWC.
        outputs: Nodes the model outputs; only the nodes they depend on are converted. Default
            `default_outputs(graph_def)`, the feature body, so an unsupported classifier head is no obstacle.
            Naming a classifier node (e.g. "softmax2") also converts the classifier, which may fix the input
            size the graph was made for (224 for inception5h).
        name: The Keras model's name.

    Returns:
        A `Conversion`.

    Raises:
        ValueError: a node the outputs depend on has an op outside `SUPPORTED_OPS` or attributes the
            conversion cannot express; the one-line message names the op, the node and the outputs needing it.
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
    converter = _Converter(graph, outputs)
    order = graph.topological(needed)
    dynamic = graph.descendants(placeholders)
    for node_name in order:
        if node_name in dynamic:
            converter.check(node_name)
    computed = [node for node in order if node not in dynamic and graph.op(node) not in ("Const", "Identity")]
    if computed:
        converter.values.update(reading.constant_values(graph_def, computed))
    for node_name in order:
        if node_name not in converter.values:
            converter.visit(node_name)
    tensors = [converter.tensor(output) for output in outputs]
    model = keras.Model(converter.input, tensors[0] if len(tensors) == 1 else tensors, name=name)
    for layer_name, weights in converter.weights.items():
        model.get_layer(layer_name).set_weights(weights)
    _LOG.info("converted %d of %d graph nodes into %d Keras layers", len(needed), len(graph.nodes), len(model.layers))
    return Conversion(model, converter.input_offset)


class _Converter:
    """Maps graph nodes, visited in topological order, to Keras tensors (or constants)."""

    def __init__(self, graph: graph_lib.Graph, outputs: Sequence[str]):
        self.graph = graph
        self.outputs = list(outputs)
        self.values: dict[str, object] = {}  # node -> KerasTensor or np.ndarray (constants)
        self.weights: dict[str, list[np.ndarray]] = {}  # layer name -> weights to copy once built
        self.fused: set[str] = set()  # bias nodes folded into the layer before them
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
            self.fail(of, f"its input {name!r} must be a constant")
        return value

    def needed_by(self, name: str) -> str:
        """The requested outputs that depend on node `name`, as "output 'x'" or "outputs 'x', 'y'"."""
        users = [output for output in self.outputs if name in self.graph.ancestors([output])]
        return f"output{'s' if len(users) > 1 else ''} {', '.join(map(repr, users))}"

    def fail(self, name: str, reason: str):
        raise _ConversionError(f"cannot convert node {name!r} (op {self.graph.op(name)}), needed by "
                               f"{self.needed_by(name)}: {reason}")

    def check(self, name: str) -> None:
        """Refuses a node whose op is not supported, or that reads another than the first output of a node."""
        op = self.graph.op(name)
        if op not in SUPPORTED_OPS:
            raise _ConversionError(f"cannot convert node {name!r}: unsupported op {op!r}, needed by "
                                   f"{self.needed_by(name)} (supported: {', '.join(sorted(SUPPORTED_OPS))})")
        for source, index in self.graph.references[name]:
            if index:
                self.fail(name, f"it reads output {index} of node {source!r}; only first outputs are supported")

    def visit(self, name: str) -> None:
        if name in self.fused:
            return
        node = self.graph.nodes[name]
        try:
            getattr(self, f"_{node.op.lower()}")(name, node, self.graph.inputs[name])
        except _ConversionError:
            raise
        except IndexError:  # a malformed graph
            self.fail(name, f"it has {len(self.graph.inputs[name])} inputs, too few for its op")
        except (ValueError, TypeError) as error:  # what Keras says of shapes or values the layer cannot take
            self.fail(name, " ".join(str(error).split()))

    def _attr_ints(self, node, key: str) -> list[int]:
        return list(node.attr[key].list.i)

    def _check_nhwc(self, name: str, node) -> None:
        if "data_format" in node.attr and node.attr["data_format"].s not in (b"NHWC", b""):
            self.fail(name, f"data_format must be NHWC. Received: {node.attr['data_format'].s.decode()}")

    def _layer(self, name: str, layer: keras.layers.Layer, sources, weights: list[np.ndarray] | None = None):
        """Applies `layer` to the tensors of `sources` (one name or a list) as the value of node `name`."""
        inputs = [self.tensor(source) for source in sources] if isinstance(sources, list) else self.tensor(sources)
        self.values[name] = layer(inputs)
        if weights is not None:
            self.weights[layer.name] = weights

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

    def _expanddims(self, name, node, inputs):
        if inputs[0] not in self.raw or int(self.constant(inputs[1], name)) != 0:
            self.fail(name, "ExpandDims is only supported as adding the batch axis (axis 0) to the input")
        self.values[name] = self.values[inputs[0]]
        self.raw.add(name)

    def _binary(self, name, node, inputs):
        """Add, AddV2, Sub, Mul, RealDiv; a Sub of a constant right on the input is the graph's preprocessing."""
        operation, merge = _BINARY_OPS[node.op]
        left, right = (self.values[source] for source in inputs)
        left_constant, right_constant = isinstance(left, np.ndarray), isinstance(right, np.ndarray)
        if node.op == "Sub" and inputs[0] in self.raw and right_constant and self.input_offset is None:
            self.input_offset = np.asarray(right, np.float32)
            self.values[name] = left
            self.raw.add(name)
        elif right_constant or (left_constant and operation in ("add", "multiply")):
            tensor, constant = (inputs[0], right) if right_constant else (inputs[1], left)
            constant = np.asarray(constant, np.float32)
            self._layer(name, layers.ConstantOperand(operation, constant.shape, name=_layer_name(name)), tensor,
                        [constant])
        elif merge is not None and not left_constant:
            self._layer(name, merge(name=_layer_name(name)), list(inputs))
        else:
            self.fail(name, f"only a tensor {operation} a constant is supported here")

    _add = _addv2 = _sub = _mul = _realdiv = _binary

    def _bias_of(self, name: str, units: int) -> tuple[str, np.ndarray] | None:
        """(bias node, bias) when the only consumer of `name` adds a constant vector of `units` to it."""
        consumers = self.graph.consumers[name]
        if len(consumers) != 1 or self.graph.op(consumers[0]) not in _BIAS_OPS | {"Add", "AddV2"}:
            return None
        bias_add = consumers[0]
        sources = self.graph.inputs[bias_add]
        if self.graph.op(bias_add) in _BIAS_OPS:
            bias = self.graph.constant(sources[1])
        else:
            others = [source for source in sources if source != name]
            bias = self.graph.constant(others[0]) if len(others) == 1 else None
        if bias is None or bias.shape != (units,):
            return None
        self._check_nhwc(bias_add, self.graph.nodes[bias_add])
        self.fused.add(bias_add)
        return bias_add, bias

    def _convolution(self, name, node, inputs, depthwise: bool):
        self._check_nhwc(name, node)
        kernel = self.constant(inputs[1], name)
        strides, dilations = self._attr_ints(node, "strides"), self._attr_ints(node, "dilations") or [1, 1, 1, 1]
        padding = node.attr["padding"].s.decode()
        if padding not in ("SAME", "VALID"):
            self.fail(name, f"padding must be SAME or VALID. Received: {padding}")
        if dilations[1:3] != [1, 1] and strides[1:3] != [1, 1]:
            self.fail(name, f"strides and dilations cannot both exceed 1. Received: {strides}, {dilations}")
        units = kernel.shape[2] * kernel.shape[3] if depthwise else kernel.shape[3]
        fused = self._bias_of(name, units)
        layer_node = fused[0] if fused else name
        options = {"strides": strides[1:3], "padding": padding.lower(), "dilation_rate": dilations[1:3],
                   "use_bias": fused is not None, "name": _layer_name(layer_node)}
        if depthwise:
            layer = keras.layers.DepthwiseConv2D(kernel.shape[:2], depth_multiplier=kernel.shape[3], **options)
        else:
            layer = keras.layers.Conv2D(kernel.shape[3], kernel.shape[:2], **options)
        self._layer(layer_node, layer, inputs[0], [kernel, fused[1]] if fused else [kernel])
        self.values[name] = self.values[layer_node]

    def _conv2d(self, name, node, inputs):
        self._convolution(name, node, inputs, depthwise=False)

    def _depthwiseconv2dnative(self, name, node, inputs):
        self._convolution(name, node, inputs, depthwise=True)

    def _matmul(self, name, node, inputs):
        if node.attr["transpose_a"].b:
            self.fail(name, "transpose_a is not supported")
        kernel = self.constant(inputs[1], name)
        if node.attr["transpose_b"].b:
            kernel = kernel.T
        fused = self._bias_of(name, kernel.shape[1])
        layer_node = fused[0] if fused else name
        layer = keras.layers.Dense(kernel.shape[1], use_bias=fused is not None, name=_layer_name(layer_node))
        self._layer(layer_node, layer, inputs[0], [kernel, fused[1]] if fused else [kernel])
        self.values[name] = self.values[layer_node]

    def _biasadd(self, name, node, inputs):
        self.fail(name, "a bias is only supported right after a Conv2D, DepthwiseConv2dNative or MatMul used nowhere "
                        "else")

    _biasaddv1 = _biasadd

    def _fusedbatchnorm(self, name, node, inputs):
        self._check_nhwc(name, node)
        if node.attr["is_training"].b:
            self.fail(name, "only inference batch normalization (is_training false) is supported")
        weights = [self.constant(source, name) for source in inputs[1:5]]
        layer = keras.layers.BatchNormalization(axis=-1, epsilon=node.attr["epsilon"].f, name=_layer_name(name))
        self._layer(name, layer, inputs[0], weights)

    _fusedbatchnormv2 = _fusedbatchnormv3 = _fusedbatchnorm

    def _relu(self, name, node, inputs):
        self._layer(name, keras.layers.ReLU(name=_layer_name(name)), inputs[0])

    def _relu6(self, name, node, inputs):
        self._layer(name, keras.layers.ReLU(max_value=6.0, name=_layer_name(name)), inputs[0])

    def _sigmoid(self, name, node, inputs):
        self._layer(name, keras.layers.Activation("sigmoid", name=_layer_name(name)), inputs[0])

    def _softmax(self, name, node, inputs):
        self._layer(name, keras.layers.Softmax(name=_layer_name(name)), inputs[0])

    def _pool(self, name, node, inputs, kind):
        self._check_nhwc(name, node)
        ksize, strides = self._attr_ints(node, "ksize"), self._attr_ints(node, "strides")
        if ksize[0] != 1 or ksize[3] != 1 or strides[0] != 1 or strides[3] != 1:
            self.fail(name, f"pooling over batch or channels is not supported. Received: ksize={ksize}")
        layer = kind(ksize[1:3], strides=strides[1:3], padding=node.attr["padding"].s.decode().lower(),
                     name=_layer_name(name))
        self._layer(name, layer, inputs[0])

    def _maxpool(self, name, node, inputs):
        self._pool(name, node, inputs, keras.layers.MaxPooling2D)

    def _avgpool(self, name, node, inputs):
        self._pool(name, node, inputs, keras.layers.AveragePooling2D)

    def _global_pool(self, name, node, inputs, kind):
        keep_dims = self.graph.spatial_reduction(name)
        if keep_dims is None:
            self.fail(name, f"only a {node.op} over height and width (axes 1 and 2) is supported")
        self._layer(name, kind(keepdims=keep_dims, name=_layer_name(name)), inputs[0])

    def _mean(self, name, node, inputs):
        self._global_pool(name, node, inputs, keras.layers.GlobalAveragePooling2D)

    def _max(self, name, node, inputs):
        self._global_pool(name, node, inputs, keras.layers.GlobalMaxPooling2D)

    def _spatial_padding(self, name, inputs) -> tuple[tuple[int, int], tuple[int, int]]:
        paddings = self.constant(inputs[1], name).astype(int).tolist()
        if len(paddings) != 4 or paddings[0] != [0, 0] or paddings[3] != [0, 0]:
            self.fail(name, f"only padding of height and width of NHWC is supported. Received: paddings={paddings}")
        return tuple(paddings[1]), tuple(paddings[2])

    def _pad(self, name, node, inputs):
        self._layer(name, keras.layers.ZeroPadding2D(self._spatial_padding(name, inputs), name=_layer_name(name)),
                    inputs[0])

    def _mirrorpad(self, name, node, inputs):
        mode = _MIRROR_MODES.get(node.attr["mode"].s)
        if mode is None:
            self.fail(name, f"mode must be REFLECT or SYMMETRIC. Received: {node.attr['mode'].s.decode()}")
        layer = layers.MirrorPadding2D(self._spatial_padding(name, inputs), mode, name=_layer_name(name))
        self._layer(name, layer, inputs[0])

    def _lrn(self, name, node, inputs):
        layer = LocalResponseNormalization(
            depth_radius=node.attr["depth_radius"].i, bias=node.attr["bias"].f, alpha=node.attr["alpha"].f,
            beta=node.attr["beta"].f, name=_layer_name(name),
        )
        self._layer(name, layer, inputs[0])

    def _concatenate(self, name, axis_node: str, value_nodes: Sequence[str]):
        axis = int(self.constant(axis_node, name))
        if axis not in (3, -1):
            self.fail(name, f"only concatenation over channels (axis 3) is supported. Received: axis={axis}")
        self._layer(name, keras.layers.Concatenate(axis=-1, name=_layer_name(name)), list(value_nodes))

    def _concat(self, name, node, inputs):
        self._concatenate(name, inputs[0], inputs[1:])

    def _concatv2(self, name, node, inputs):
        self._concatenate(name, inputs[-1], inputs[:-1])

    def _reshape(self, name, node, inputs):
        shape = [int(dim) for dim in self.constant(inputs[1], name)]
        if not shape or shape[0] != -1:
            self.fail(name, f"the target shape must keep the batch dimension (-1 first). Received: {shape}")
        self._layer(name, keras.layers.Reshape(tuple(shape[1:]), name=_layer_name(name)), inputs[0])

    def _squeeze(self, name, node, inputs):
        axes = self._attr_ints(node, "squeeze_dims")
        shape = self.tensor(inputs[0]).shape
        if not axes:
            if None in shape[1:]:
                self.fail(name, f"a Squeeze of every axis of size 1 needs a known shape. Received: {shape}")
            axes = [axis for axis, dim in enumerate(shape) if axis and dim == 1]
        if any(axis % len(shape) == 0 for axis in axes):
            self.fail(name, f"the batch axis cannot be squeezed. Received: squeeze_dims={axes}")
        self._layer(name, layers.Squeeze(axes, name=_layer_name(name)), inputs[0])


def layer_weights(model: keras.Model) -> Mapping[str, list[tuple[int, ...]]]:
    """{layer name: weight shapes} of the layers that hold weights, to compare two networks by name."""
    return {layer.name: [tuple(weight.shape) for weight in layer.weights] for layer in model.layers if layer.weights}


def _layer_name(node_name: str) -> str:
    return node_name.replace("/", "_")
