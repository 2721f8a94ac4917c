"""Fixtures for fast tests, importable by users' own tests: tiny models (`models`), images and video files made
on the spot (`media`), and inception5h-format frozen graphs (`graphs`). It may import
`tfdream.core` and below."""

from tfdream.testing.graphs import inception5h_graph_def, write_inception5h_graph
from tfdream.testing.media import sample_image, sample_video
from tfdream.testing.models import TINY_LAYERS, tiny_model

__all__ = ["TINY_LAYERS", "inception5h_graph_def", "sample_image", "sample_video", "tiny_model",
           "write_inception5h_graph"]
