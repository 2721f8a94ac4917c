"""The `tfdream channels` command: every channel of one layer dreamed as its own objective, with a contact sheet."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import app, flags, logging

from tfdream import renders
from tfdream.cli import command, dreaming, shared

NAME = "channels"

LAYER = flags.DEFINE_string("layer", None, "channels: the layer whose channels are dreamed.")


@command.command(NAME, [shared.MODEL, shared.WEIGHTS, LAYER, shared.CHANNELS, shared.LOSS, shared.PREPROCESSING,
                  shared.MIN_SIZE, shared.JIT_COMPILE, shared.PRECISION, shared.STRATEGY, shared.BATCH,
                  *shared.CONFIG.values(),
                  shared.RENDER, shared.INPUT, shared.SIZE, shared.MAX_DIM, shared.OUTPUT, shared.OVERWRITE,
                  shared.PROGRESS, shared.TENSORBOARD])
def channels_main(argv: list[str]) -> int:
    """Dreams each channel of one layer as its own objective: a contact sheet plus every channel's dream.

    USAGE: tfdream channels [INPUT] OUTPUT --layer=LAYER --channels=0-15 [--render=lapnorm] [--size=128,128]
      [--batch=8]
      OUTPUT: the contact sheet; each channel's image, sidecar and loss history go to OUTPUT_STEM_channels/
    """
    from tfdream.core import callbacks

    source, output = shared.arguments(argv, shared.INPUT, shared.OUTPUT, optional=1)
    if not LAYER.value or len(shared.CHANNELS.value) != 1:
        raise app.UsageError(f"channels needs --layer and one --channels list like 0-15. Received: "
                             f"layer={LAYER.value!r}, channels={shared.CHANNELS.value}")
    channels = renders.parse_channels(shared.CHANNELS.value[0])
    source = shared.source(source)
    with callbacks.StopOnInterrupt() as stop:
        gallery = renders.channel_gallery(
            shared.MODEL.value, LAYER.value, channels, output, image=source.path, size=source.size,
            config=shared.config(), max_dim=shared.MAX_DIM.value,
            dreamer_options=shared.dreamer_options(read_channels=False), overwrite=shared.OVERWRITE.value,
            make_callbacks=dreaming.per_run_callbacks(stop), batch=shared.BATCH.value or shared.CHANNELS_PER_BATCH,
        )
    interrupted = " (interrupted: later channels skipped)" if gallery.interrupted else ""
    logging.info("wrote %s and %d channels to %s%s", gallery.files["sheet"], len(gallery.channels),
                 renders.gallery_folder(output), interrupted)
    return stop.exit_status
