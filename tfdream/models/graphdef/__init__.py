"""Frozen TensorFlow 1 graphs (GraphDef `.pb`) read, run as they are, and converted into Keras 3 functional
models op by op (`convert`, the registered layers it needs in `layers`): made for the 2015 notebook's GoogLeNet,
generic over the ops of exported image graphs. It may import `tfdream.models.lrn` and nothing else of tfdream."""

from tfdream.models.graphdef.converter import SUPPORTED_OPS, Conversion, convert, layer_weights
from tfdream.models.graphdef.graph import default_outputs
from tfdream.models.graphdef.reading import GRAPH_SUFFIXES, is_graph_file, read_graph_def, run_graph_def

__all__ = ["GRAPH_SUFFIXES", "SUPPORTED_OPS", "Conversion", "convert", "default_outputs", "is_graph_file",
           "layer_weights", "read_graph_def", "run_graph_def"]
