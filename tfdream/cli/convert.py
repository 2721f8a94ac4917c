"""The `tfdream convert` command: the 2015 notebook's GoogLeNet graph converted once into a `.keras` model."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import flags, logging

from tfdream.cli import command, shared

NAME = "convert"

GRAPH = flags.DEFINE_string("graph", None, "convert: the DeepDream notebook's tensorflow_inception_graph.pb or "
                             "inception5h.zip.")
KERAS_FILE = flags.DEFINE_string("keras_file", None, "convert: the .keras model to write (its metadata .json "
                                  "goes beside it).")


@command.command(NAME, [GRAPH, KERAS_FILE, shared.OVERWRITE])
def convert_main(argv: list[str]) -> int:
    """Converts the DeepDream notebook's GoogLeNet graph into a .keras model, once (see docs/googlenet.md).

    USAGE: tfdream convert GRAPH KERAS_FILE [--overwrite]
      GRAPH: tensorflow_inception_graph.pb or inception5h.zip; KERAS_FILE: e.g. inception5h.keras (+ .json)
      Then: tfdream dream photo.jpg dream.png --model=inception5h.keras
    """
    from tfdream.models import googlenet, metadata

    graph, keras_file = shared.arguments(argv, GRAPH, KERAS_FILE)
    path = googlenet.convert_file(graph, keras_file, overwrite=shared.OVERWRITE.value)
    logging.info("wrote %s and %s", path, metadata.metadata_path(path))
    return 0
