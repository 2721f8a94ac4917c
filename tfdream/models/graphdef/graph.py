"""A GraphDef as a graph to walk: nodes by name with their data inputs and consumers, topological order,
ancestors and descendants, and the feature body's output (the deepest node before the classifier)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import tensorflow as tf

_HEAD_OPS = frozenset({"Reshape", "MatMul", "Softmax"})


_POOL_OPS = frozenset({"MaxPool", "AvgPool"})


def _source(reference: str) -> str:
    """The node a data input refers to ("name", "name:0"); other output indices are not supported."""
    name, _, index = reference.partition(":")
    if index not in ("", "0"):
        raise ValueError(f"cannot convert a reference to output {index} of node {name!r}: only first outputs are "
                         "supported")
    return name


def _data_inputs(node) -> list[str]:
    return [_source(name) for name in node.input if not name.startswith("^")]


class Graph:
    """Nodes by name with their data inputs and consumers."""

    def __init__(self, graph_def: tf.compat.v1.GraphDef):
        self.nodes = {node.name: node for node in graph_def.node}
        self.order = [node.name for node in graph_def.node]
        self.inputs = {name: _data_inputs(node) for name, node in self.nodes.items()}
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

    def op(self, name: str) -> str:
        return self.nodes[name].op

    def constant(self, name: str) -> np.ndarray | None:
        """The value of a Const node, also through Identity nodes; None for any other node."""
        while self.op(name) == "Identity":
            name = self.inputs[name][0]
        return tf.make_ndarray(self.nodes[name].attr["value"].tensor) if self.op(name) == "Const" else None


def default_outputs(graph_def: tf.compat.v1.GraphDef) -> list[str]:
    """The graph's feature body output: its deepest node before the classifier.

    The classifier is every node from a Reshape, MatMul or Softmax on, plus the pooling that only feeds it
    (GoogLeNet's 7x7 "avgpool0"); of the rest, the node furthest from the input (longest path) is the output:
    "mixed5b" for inception5h. Its feature maps work at any input size, unlike the fixed-size classifier.
    """
    graph = Graph(graph_def)
    head = graph.descendants([name for name in graph.order if graph.op(name) in _HEAD_OPS])
    for name in graph.order:
        consumers = graph.consumers[name]
        if graph.op(name) in _POOL_OPS and consumers and all(consumer in head for consumer in consumers):
            head.add(name)
    depth: dict[str, float] = {}
    for name in graph.topological(set(graph.nodes)):
        op = graph.op(name)
        if op == "Const":
            depth[name] = -np.inf
        elif op == "Placeholder":
            depth[name] = 0
        else:
            depth[name] = 1 + max((depth[source] for source in graph.inputs[name]), default=-np.inf)
    candidates = [name for name in graph.order if name not in head and np.isfinite(depth[name])
                  and graph.op(name) not in ("Placeholder", "Const")]
    if not candidates:
        raise ValueError("the graph has no node between its input and its classifier to output")
    return [max(candidates, key=lambda name: (depth[name], graph.order.index(name)))]


def _reachable(names: Sequence[str], edges: Mapping[str, Sequence[str]]) -> set[str]:
    """`names` and every node reached from them along `edges` (node -> its neighbours)."""
    found, stack = set(), list(names)
    while stack:
        name = stack.pop()
        if name not in found:
            found.add(name)
            stack.extend(edges[name])
    return found
