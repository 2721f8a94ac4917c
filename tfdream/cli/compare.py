"""The `tfdream compare` command: one input dreamed through several layer sets or models, side by side."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import flags, logging

from tfdream.cli import command, dreaming, shared

NAME = "compare"

OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "compare: output folder (created if missing).")


@command.command(NAME, [*shared.DREAM, shared.MODELS, shared.LAYER_SETS, OUTPUT_DIR])
def compare_main(argv: list[str]) -> int:
    """Dreams one image through several layer sets and/or models, side by side.

    USAGE: tfdream compare [INPUT] OUTPUT_DIR [flags]
      e.g. --studies=inception_v3_low_vs_high, or --models=vgg19,resnet50, or --layer_sets=a,b --layer_sets=c
    """
    from tfdream.core import callbacks
    from tfdream.studies import compare

    source, output_dir = shared.arguments(argv, shared.INPUT, OUTPUT_DIR, optional=1)
    config = shared.config()
    runs = shared.runs()
    source = shared.source(source)
    with callbacks.StopOnInterrupt() as stop:
        comparison = compare.compare(
            source, runs, output_dir, config=config,
            dreamer_options=shared.dreamer_options(), overwrite=shared.OVERWRITE.value,
            make_callbacks=dreaming.per_run_callbacks(stop),
        )
    logging.info("wrote %d files to %s%s", len(comparison.files), output_dir,
                 " (interrupted: later runs skipped)" if comparison.interrupted else "")
    return stop.exit_status
