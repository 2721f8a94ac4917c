"""The `tfdream resume` command: a stopped dream goes on from its checkpoint to the image it would have made."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import os

from tfdream.cli import command, dreaming, shared

NAME = "resume"


@command.command(NAME, [shared.SIDECAR, shared.OUTPUT, *shared.HISTORY, shared.OVERWRITE, shared.PROGRESS,
                        shared.TENSORBOARD, shared.STRATEGY, shared.CHECKPOINT_EVERY])
def resume_main(argv: list[str]) -> int:
    """Goes on with a dream stopped by a signal or a crash, from its checkpoint, to the image it would have made.

    The image is the one an uninterrupted dream makes, bit-identical on the same machine.

    USAGE: tfdream resume SIDECAR_OR_CHECKPOINT [flags]
      the interrupted image's sidecar .json, or its .checkpoint.npz (after a crash, when no sidecar was written);
      the image goes where the dream was to write it, unless --output names another file
    """
    from tfdream.core import callbacks, checkpoints, sidecar

    (path,) = shared.arguments(argv, shared.SIDECAR)
    saved = checkpoints.load(sidecar.find_checkpoint(path))
    output = shared.OUTPUT.value or saved.image_path
    same_dream = os.path.abspath(output) == saved.image_path  # its interrupted image and sidecar are replaced
    dreaming.check_outputs(output, overwrite=shared.OVERWRITE.value or same_dream)
    with callbacks.StopOnInterrupt() as stop:
        result, checkpointer = sidecar.resume(saved, callbacks=dreaming.callbacks(stop, shared.TENSORBOARD.value),
                                              strategy=shared.strategy(), checkpoint_every=shared.checkpoint_seconds())
    dreaming.save(result, output, saved.source, checkpointer, overwrite=shared.OVERWRITE.value or same_dream)
    return stop.exit_status
