"""The `tfdream dream` command: one image, from a photo or noise, steered by objectives, guides and classes."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import app, flags

from tfdream.cli import command, dreaming, shared

NAME = "dream"

OBJECTIVE = flags.DEFINE_string("objective", None, "dream: the objective as an expression instead of --layers, e.g. "
                                 "\"mixed3 + 0.5 * neuron('mixed4', 7) - tv(0.1)\" (tfdream.objectives.parse).")
GUIDE = flags.DEFINE_string("guide", None, "dream: guide image; each --layers layer is dreamed toward what the guide "
                             "excites in it (objectives.guide).")
CLASS = flags.DEFINE_string("class", None, "dream: a class name or index of a classifier with a top to dream "
                             "(its pre-softmax logit), added to --layers if given; `tfdream classes MODEL` lists them.")
STEERING_FLAGS = [OBJECTIVE, GUIDE, CLASS]


def _steered(layers):
    """The `Dreamer(layers=...)` argument with --objective, --guide and --class applied."""
    from tfdream import objectives

    if OBJECTIVE.value is not None:
        if shared.LAYERS.present or GUIDE.value or CLASS.value or shared.CHANNELS.value:
            raise app.UsageError("--objective names the whole objective: drop --layers, --channels, --guide, --class")
        return objectives.parse(OBJECTIVE.value)
    return objectives.steered(layers, guide=GUIDE.value, target_class=CLASS.value, reduction=shared.LOSS.value,
                              channels=shared.channels())


@command.command(NAME, [*shared.DREAM, shared.BATCH, shared.OUTPUT, *shared.HISTORY, shared.CHECKPOINT_EVERY,
                        *STEERING_FLAGS])
def dream_main(argv: list[str]) -> int:
    """Dreams one image.

    USAGE: tfdream dream [INPUT] OUTPUT [flags]
      INPUT: image file or bundled sample name (default: coffee); OUTPUT: image file (+ sidecar .json)
    """
    from tfdream import objectives
    from tfdream.core import callbacks, checkpoints
    from tfdream.core import dreamer as dreamer_lib

    source, output = shared.arguments(argv, shared.INPUT, shared.OUTPUT, optional=1)
    dreaming.check_outputs(output, checkpoint=checkpoints.checkpoint_path(output))
    config = shared.config()
    runs = shared.runs()
    if len(runs) != 1:
        raise app.UsageError(f"dream makes one image but the flags name {len(runs)} runs: "
                             f"{[run.label for run in runs]}; use `tfdream compare`")
    source = shared.source(source)
    layers = _steered(runs[0].layers)
    options = shared.dreamer_options()
    if isinstance(layers, objectives.Objective):
        options["channels"] = None  # already in the objective's terms
    dreamer = dreamer_lib.Dreamer(shared.per_model(str(runs[0].model), str), layers, batch=shared.BATCH.value,
                                  **options)
    checkpointer = checkpoints.Checkpointer(checkpoints.checkpoint_path(output), source=source.get_config(),
                                            image_path=output, every=shared.checkpoint_seconds())
    with callbacks.StopOnInterrupt() as stop:
        result = dreamer.dream(source, config=config, callbacks=dreaming.callbacks(stop, shared.TENSORBOARD.value),
                               checkpoint=checkpointer)
    dreaming.save(result, output, source, checkpointer)
    return stop.exit_status
