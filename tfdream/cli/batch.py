"""The `tfdream batch` command: many photos dreamed with one recipe on Apache Beam, a summary of the failed ones."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import flags, logging

from tfdream import studies
from tfdream.cli import command, shared
from tfdream.pipelines import photos

NAME = "batch"

PHOTOS = flags.DEFINE_string("photos", None, "batch: a glob of the photos, e.g. 'photos/*.jpg' (quoted: the "
                             "command expands it; ** goes into subfolders).")
EXIT_FAILED = 1


@command.command(NAME, [shared.MODEL, shared.WEIGHTS, shared.LAYERS, shared.LOSS, shared.CHANNELS,
                  shared.PREPROCESSING, shared.MIN_SIZE, shared.JIT_COMPILE, shared.PRECISION, *shared.CONFIG.values(),
                  shared.RENDER, shared.MAX_DIM, PHOTOS, *shared.PIPELINE])
def batch_main(argv: list[str]) -> int:
    """Dreams many photos with one recipe on Apache Beam: each photo's dream, sidecar and loss history in OUT_DIR.

    USAGE: tfdream batch 'PHOTOS_GLOB' OUT_DIR [dream flags] [--workers=2] [-- BEAM_OPTIONS]
      A rerun skips the photos already dreamed; a photo that cannot be dreamed (a broken file) is listed in
      OUT_DIR/batch_summary.json and the others go on (exit status 1 when any failed).
    """
    from tfdream import pipelines

    args, pipeline_args = shared.split_pipeline_args(argv)
    pattern, out_dir = shared.arguments(args, PHOTOS, shared.OUT_DIR)
    spec = photos.BatchSpec(shared.MODEL.value, studies.parse_layers(shared.LAYERS.value), shared.config(),
                            {**shared.pipeline_dreamer_options(), "channels": shared.channels()}, shared.MAX_DIM.value)
    summary = pipelines.batch(spec, photos.find_photos(pattern), out_dir, workers=shared.WORKERS.value,
                              threads=shared.WORKER_THREADS.value, pipeline_args=pipeline_args,
                              overwrite=shared.OVERWRITE.value)
    for failure in summary["failed"]:
        logging.warning("%s: %s", failure["photo"], failure["error"])
    logging.info("batch of %d photos: %d dreamed now, %d already there, %d failed (%s)", summary["photos"],
                 len(summary["done"]), len(summary["skipped"]), len(summary["failed"]),
                 f"{out_dir}/{photos.SUMMARY}")
    return EXIT_FAILED if summary["failed"] else 0
