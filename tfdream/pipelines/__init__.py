"""Pipelines: the jobs that run many dreams on Apache Beam (the optional extra `tfdream[beam]`): a model's atlas
(every channel of its layers rendered, with the dataset images that excite each most, browsable as a static web
page) and a batch of photos dreamed with one recipe.

The parts free of any engine: `units` (the units of an atlas, their seeds and files; TensorFlow-free), `render`
(one unit's spec to its files), `examples` (an image's peak per channel, the patches), `photos` (one photo to
its files) and `site` (the web page; TensorFlow-free). `engine` builds the Beam pipelines over them: `atlas`
and `batch`. It may import the features (`tfdream.renders`, `tfdream.training`) and below, never `tfdream.cli`.
"""

from tfdream.pipelines.units import DEFAULT_RENDER, AtlasSpec, Unit, enumerate_units, parse_channels

__all__ = ["DEFAULT_RENDER", "AtlasSpec", "Unit", "enumerate_units", "parse_channels"]


def __getattr__(name: str):
    if name in ("atlas", "batch"):
        from tfdream.pipelines import engine  # pylint: disable=import-outside-toplevel  (Beam and TensorFlow)

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
