"""The `tfdream atlas` command: every channel of a model's layers rendered on Apache Beam, with the dataset
images that excite each most, as a static web page."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import app, flags, logging

from tfdream.cli import command, shared
from tfdream.pipelines import units

NAME = "atlas"

EXAMPLES = flags.DEFINE_string("examples", None, "atlas: an image folder or mit_indoor67:SPLIT (the TFDS split, e.g. "
                               "mit_indoor67:test): each channel keeps its top images and the patch at its peak.")
TOP_K = flags.DEFINE_integer("top_k", 8, "atlas: examples kept per channel.", lower_bound=1)
EXAMPLE_SIZE = flags.DEFINE_integer("example_size", 224, "atlas: examples are shrunk to at most this longer side "
                                    "before they go through the model.", lower_bound=1)


@command.command(NAME, [shared.MODEL, shared.WEIGHTS, shared.LAYERS, shared.CHANNELS, shared.LOSS,
                  shared.PREPROCESSING, shared.MIN_SIZE, shared.JIT_COMPILE, shared.PRECISION, *shared.CONFIG.values(),
                  shared.RENDER, shared.SIZE, EXAMPLES, TOP_K, EXAMPLE_SIZE, *shared.PIPELINE])
def atlas_main(argv: list[str]) -> int:
    """Renders every channel of a model's layers on Apache Beam and writes a web page of them into OUT_DIR.

    USAGE: tfdream atlas MODEL OUT_DIR --layers=L1,L2 [--channels=all|0-63] [--render=robust] [--examples=DIR]
           [--workers=2] [-- BEAM_OPTIONS]
      MODEL: a named model or a saved .keras model; OUT_DIR: the atlas (open OUT_DIR/index.html)
      A rerun skips the channels already rendered. BEAM_OPTIONS (after `--`, each --name=value) go to Beam
      unchanged, e.g. -- --runner=DataflowRunner --project=P --region=R (docs/atlas.md).
    """
    from tfdream import pipelines

    args, pipeline_args = shared.split_pipeline_args(argv)
    model, out_dir = shared.arguments(args, shared.MODEL, shared.OUT_DIR)
    layers = [layer.strip() for layer in shared.LAYERS.value.split(",") if layer.strip()]
    if not layers or any(":" in layer for layer in layers) or len(shared.CHANNELS.value) > 1:
        raise app.UsageError(f"atlas needs --layers=L1,L2 (names, no weights) and at most one --channels. "
                             f"Received: layers={shared.LAYERS.value!r}, channels={shared.CHANNELS.value}")
    spec = units.AtlasSpec.with_render(
        model, layers, shared.RENDER.value or units.DEFAULT_RENDER, shared.config_overrides(),
        channels=(shared.CHANNELS.value or ["all"])[0], size=shared.SIZE.value or units.DEFAULT_SIZE,
        dreamer_options=shared.pipeline_dreamer_options(), examples=EXAMPLES.value, top_k=TOP_K.value,
        example_size=EXAMPLE_SIZE.value)
    run = pipelines.atlas(spec, out_dir, workers=shared.WORKERS.value, threads=shared.WORKER_THREADS.value,
                          pipeline_args=pipeline_args, overwrite=shared.OVERWRITE.value)
    logging.info("atlas of %d channels: %d rendered now, %d already there%s, in %.0f s; open %s", len(run.units),
                 len(run.rendered), len(run.units) - len(run.rendered),
                 f", examples for {run.examples}" if run.examples else "", run.seconds, run.index)
    return 0
