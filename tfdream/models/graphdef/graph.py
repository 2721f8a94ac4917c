"""A GraphDef as a graph to walk: nodes by name with their data inputs and consumers, topological order,
ancestors and descendants, and the feature body's output (the deepest node before the classifier)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import tensorflow as tf

# Ops that can begin a classifier head (see `_starts_head` for the conditions on each).
_HEAD_OPS = frozenset({"Mean", "Max", "Squeeze", "Reshape", "MatMul", "Softmax"})
# Ops that belong to the head when they only feed it: GoogLeNet's 7x7 "avgpool0", a frozen dropout (Identity).
_HEAD_FEEDER_OPS = frozenset({"MaxPool", "AvgPool", "Identity"})
# Ops whose output describes their input's shape, not its values.
_SHAPE_OPS = frozenset({"Shape", "ShapeN", "Size", "Rank"})


def _reference(reference: str) -> tuple[str, int]:
    """(node, output index) of a data input ("name", "name:0", "name:1")."""
    name, _, index = reference.partition(":")
    if not (index or "0").isdigit():
        raise ValueError(f"cannot read the graph: input {reference!r} names no output of a node")
    return name, int(index or 0)


class Graph:
    """Nodes by name with their data inputs (and which output of each they read) and consumers."""

    def __init__(self, graph_def: tf.compat.v1.GraphDef):
        self.nodes = {node.name: node for node in graph_def.node}
        self.order = [node.name for node in graph_def.node]
        self.references = {name: [_reference(source) for source in node.input if not source.startswith("^")]
                           for name, node in self.nodes.items()}
        self.inputs = {name: [source for source, _ in references] for name, references in self.references.items()}
        self.consumers: dict[str, list[str]] = {name: [] for name in self.nodes}
        for name, sources in self.inputs.items():
            for source in sources:
                if source not in self.nodes:
                    raise ValueError(f"node {name!r} reads {source!r}, which is not in the graph")
                self.consumers[source].append(name)

    def topological(self, names: set[str]) -> list[str]:
        """`names` ordered so that every node follows its inputs (graph order among equals)."""
        pending = {name: sum(source in names for source in self.inputs[name]) for name in names}
        ready = [name for name in self.order if name in names and not pending[name]]
        ordered = []
        while ready:
            name = ready.pop(0)
            ordered.append(name)
            for consumer in self.consumers[name]:
                if consumer in pending:
                    pending[consumer] -= 1
                    if not pending[consumer]:
                        ready.append(consumer)
        if len(ordered) != len(names):
            raise ValueError(f"the graph has a cycle through {sorted(set(names) - set(ordered))[:5]}")
        return ordered

    def ancestors(self, names: Sequence[str]) -> set[str]:
        """`names` and every node they read from, directly or not."""
        return _reachable(names, self.inputs)

    def descendants(self, names: Sequence[str]) -> set[str]:
        """`names` and every node that reads from them, directly or not."""
        return _reachable(names, self.consumers)

    def carrying_inputs(self) -> set[str]:
        """The nodes whose values depend on a Placeholder's values (not only on its shape): the data flow."""
        carriers = {name: [consumer for consumer in self.consumers[name] if self.op(consumer) not in _SHAPE_OPS]
                    for name in self.nodes}
        return _reachable([name for name in self.order if self.op(name) == "Placeholder"], carriers)

    def op(self, name: str) -> str:
        return self.nodes[name].op

    def constant(self, name: str) -> np.ndarray | None:
        """The value of a Const node, also through Identity nodes; None for any other node."""
        while self.op(name) == "Identity" and self.inputs[name]:
            name = self.inputs[name][0]
        return tf.make_ndarray(self.nodes[name].attr["value"].tensor) if self.op(name) == "Const" else None

    def spatial_reduction(self, name: str) -> bool | None:
        """For a Mean or Max node over height and width only (axes 1 and 2 of NHWC): whether it keeps them
        (`keep_dims`); None for any other node."""
        if self.op(name) not in ("Mean", "Max") or len(self.inputs[name]) != 2:
            return None
        axes = self.constant(self.inputs[name][1])
        if axes is None or sorted(int(axis) % 4 for axis in np.ravel(axes)) != [1, 2]:
            return None
        return self.nodes[name].attr["keep_dims"].b


def _starts_head(graph: Graph, name: str) -> bool:
    """Whether `name` can begin a classifier: a MatMul, a Softmax, a global pooling (Mean or Max over height and
    width), a Squeeze of height or width, or a Reshape to at most 2 dimensions (a flatten)."""
    op = graph.op(name)
    if op in ("Mean", "Max"):
        return graph.spatial_reduction(name) is not None
    if op == "Squeeze":
        return list(graph.nodes[name].attr["squeeze_dims"].list.i) != [0]
    if op == "Reshape":
        sources = graph.inputs[name]
        shape = graph.constant(sources[1]) if len(sources) == 2 else None
        return shape is None or shape.size <= 2
    return op in _HEAD_OPS


def classifier_head(graph: Graph) -> set[str]:
    """The nodes of the graph's classifiers (a main one and any auxiliary ones).

    A head begins at a node `_starts_head` accepts whose descendants never merge with the rest of the data flow
    again (a squeeze-and-excitation block's global pooling multiplies back into the body, so it is no head),
    and takes in the pooling and pass-through nodes that only feed it.
    """
    carriers = graph.carrying_inputs()
    head: set[str] = set()
    for name in graph.order:
        if name in head or name not in carriers or not _starts_head(graph, name):
            continue
        tail = graph.descendants([name])
        if all(source in tail or source not in carriers for node in tail - {name} for source in graph.inputs[node]):
            head |= tail
    for name in reversed(graph.topological(set(graph.nodes))):
        consumers = graph.consumers[name]
        if graph.op(name) in _HEAD_FEEDER_OPS and consumers and all(consumer in head for consumer in consumers):
            head.add(name)
    return head


def default_outputs(graph_def: tf.compat.v1.GraphDef) -> list[str]:
    """The graph's feature body output: its deepest node before the classifier.

    The classifier is `classifier_head`: everything from a flatten, global pooling (e.g. a `Mean` over height and
    width), Squeeze, MatMul or Softmax on, plus the pooling that only feeds it (GoogLeNet's 7x7 "avgpool0"). Of
    the rest, the node furthest from the input (longest path) is the output: "mixed5b" for inception5h. Its
    feature maps work at any input size, unlike the fixed-size classifier.
    """
    graph = Graph(graph_def)
    head = classifier_head(graph)
    carriers = graph.carrying_inputs()
    depth: dict[str, float] = {}
    for name in graph.topological(set(graph.nodes)):
        if name not in carriers:
            depth[name] = -np.inf
        elif graph.op(name) == "Placeholder":
            depth[name] = 0
        else:
            depth[name] = 1 + max((depth[source] for source in graph.inputs[name]), default=-np.inf)
    candidates = [name for name in graph.order if name not in head and np.isfinite(depth[name])
                  and graph.op(name) != "Placeholder"]
    if not candidates:
        raise ValueError("the graph has no node between its input and its classifier to output")
    position = {name: index for index, name in enumerate(graph.order)}
    return [max(candidates, key=lambda name: (depth[name], position[name]))]


def _reachable(names: Sequence[str], edges: Mapping[str, Sequence[str]]) -> set[str]:
    """`names` and every node reached from them along `edges` (node -> its neighbours)."""
    found, stack = set(), list(names)
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack.extend(edges[name])
    return found
