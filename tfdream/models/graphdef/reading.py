"""Reading frozen TensorFlow 1 graphs (GraphDef `.pb`, or the `.pb` inside a zip) and running them as they are,
the reference a conversion is compared with."""

from __future__ import annotations

import os
import pathlib
import zipfile
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

GRAPH_SUFFIXES = (".pb", ".zip")


def is_graph_file(path: str | os.PathLike) -> bool:
    """Whether `path` names a frozen graph (`.pb`) or a zip holding one, by its suffix."""
    return pathlib.Path(path).suffix.lower() in GRAPH_SUFFIXES


def read_graph_def(path: str | os.PathLike, *, prefer: str | None = None) -> tf.compat.v1.GraphDef:
    """Reads a frozen GraphDef from a `.pb` file, or from the `.pb` inside a `.zip` (e.g. `inception5h.zip`).

    Args:
        path: The `.pb` or `.zip` file.
        prefer: In a zip holding several `.pb` files, the file name of the one to read.

    Raises:
        ValueError: the file is missing, is not a GraphDef, or the zip holds no single `.pb`; the message
            names the file.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"graph file does not exist: {str(path)!r}")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = [name for name in archive.namelist() if name.endswith(".pb")]
                preferred = [name for name in members if pathlib.PurePosixPath(name).name == prefer]
                if len(preferred or members) != 1:
                    raise ValueError(f"zip file {str(path)!r} must hold one .pb graph. Received: {members}")
                data = archive.read((preferred or members)[0])
        except zipfile.BadZipFile as error:
            raise ValueError(f"cannot read zip file {str(path)!r}: {error}") from error
    else:
        data = path.read_bytes()
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except Exception as error:  # google.protobuf.message.DecodeError and friends
        raise ValueError(f"{str(path)!r} is not a frozen TensorFlow GraphDef: {error}") from error
    if not graph_def.node:
        raise ValueError(f"{str(path)!r} holds an empty graph")
    return graph_def


def run_graph_def(
    graph_def: tf.compat.v1.GraphDef, inputs: np.ndarray | tf.Tensor, names: Sequence[str], input_name: str = "input"
) -> dict[str, np.ndarray]:
    """Runs the GraphDef itself in TensorFlow 2 and returns the values of the named nodes (the reference).

    Args:
        graph_def: A frozen graph.
        inputs: The value fed to the placeholder `input_name`, float32 in the graph's own input format.
        names: Nodes whose (first) output to return.
        input_name: The placeholder's name.

    Returns:
        {name: float32 array}.
    """
    wrapped, fetches = _imported(graph_def, names, keep=[input_name])
    pruned = wrapped.prune(feeds=wrapped.graph.get_tensor_by_name(f"{input_name}:0"), fetches=fetches)
    values = pruned(tf.convert_to_tensor(inputs, tf.float32))
    return {name: value.numpy() for name, value in zip(names, values)}


def constant_values(graph_def: tf.compat.v1.GraphDef, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The values of nodes that depend on no placeholder (e.g. a `Fill` or a `Pack` of constants), computed by
    TensorFlow: {name: array of the node's (first) output}."""
    try:
        wrapped, fetches = _imported(graph_def, names)
        values = wrapped.prune(feeds=[], fetches=fetches)()
    except (tf.errors.OpError, ValueError) as error:  # e.g. an op this TensorFlow does not know
        reason = error.message if isinstance(error, tf.errors.OpError) else str(error)
        raise ValueError(f"cannot compute the constant nodes {list(names)[:5]} of the graph: "
                         f"{' '.join(reason.split())}") from error
    return {name: value.numpy() for name, value in zip(names, values)}


def _imported(graph_def: tf.compat.v1.GraphDef, names: Sequence[str], *, keep: Sequence[str] = ()):
    """What the nodes `names` (and `keep`) need of `graph_def`, imported into a TensorFlow 2 wrapped function,
    and the first outputs of the nodes `names`. The rest of the graph is left out, so an op there that this
    TensorFlow does not know does not matter."""
    nodes = {node.name: node for node in graph_def.node}
    needed, pending = set(), [*names, *keep]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(source.lstrip("^").partition(":")[0] for source in nodes[name].input)
    subgraph = tf.compat.v1.GraphDef(versions=graph_def.versions, library=graph_def.library)
    subgraph.node.extend(node for node in graph_def.node if node.name in needed)
    wrapped = tf.compat.v1.wrap_function(lambda: tf.graph_util.import_graph_def(subgraph, name=""), [])
    return wrapped, [wrapped.graph.get_tensor_by_name(f"{name}:0") for name in names]
