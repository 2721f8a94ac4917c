"""The `tfdream rerun` command: a sidecar's dream made again, bit-identical on the same machine."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from tfdream.cli import command, dreaming, shared

NAME = "rerun"


@command.command(NAME, [shared.SIDECAR, shared.OUTPUT, *shared.HISTORY, shared.OVERWRITE, shared.PROGRESS,
                        shared.TENSORBOARD, shared.STRATEGY])
def rerun_main(argv: list[str]) -> int:
    """Dreams again from a sidecar JSON: same model, layers, options, input and seed.

    USAGE: tfdream rerun SIDECAR OUTPUT [flags]
    """
    from tfdream.core import callbacks, sidecar

    path, output = shared.arguments(argv, shared.SIDECAR, shared.OUTPUT)
    dreaming.check_outputs(output)
    source = sidecar.read(path)["input"]
    with callbacks.StopOnInterrupt() as stop:
        result = sidecar.rerun(path, callbacks=dreaming.callbacks(stop, shared.TENSORBOARD.value),
                               strategy=shared.strategy())
    dreaming.save(result, output, source)
    return stop.exit_status
