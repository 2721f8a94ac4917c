"""What the dreaming commands share after the flags are read: their callbacks (stop on signals, progress,
TensorBoard), the output checks made before any work, the saving of a result, and the motion commands' runs."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from absl import app, logging

from tfdream.cli import shared
from tfdream.io import files

if TYPE_CHECKING:
    from tfdream import motion
    from tfdream.core import callbacks, checkpoints
    from tfdream.core import dreamer as dreamer_lib
    from tfdream.core import result as result_lib
    from tfdream.io import sources


def callbacks(stop: callbacks.StopOnInterrupt, tensorboard: str | None, prefix: str = "") -> list:
    from tfdream.core import callbacks

    chosen = [stop]
    if shared.PROGRESS.value:
        chosen.append(callbacks.ProgressBar(prefix=prefix))
    if tensorboard:
        chosen.append(callbacks.TensorBoard(tensorboard))
    return chosen


def per_run_callbacks(stop: callbacks.StopOnInterrupt) -> Callable[[str], list]:
    """Run file stem -> the callbacks of that run of a comparison or gallery (TensorBoard: a subfolder per run)."""
    tensorboard = shared.TENSORBOARD.value
    return lambda stem: callbacks(stop, tensorboard and os.path.join(tensorboard, stem), f"{stem} ")


def check_outputs(output: str, *, checkpoint: os.PathLike | None = None, overwrite: bool | None = None) -> None:
    """Checks the image, sidecar, history and checkpoint paths before any work, so a finished dream can be saved."""
    from tfdream.core import sidecar
    from tfdream.io import images

    overwrite = shared.OVERWRITE.value if overwrite is None else overwrite
    paths = [output, sidecar.sidecar_path(output), *(holder.value for holder in shared.HISTORY if holder.value)]
    images.check_output_path(output, overwrite=overwrite)
    for path in paths[1:]:
        files.check_output_path(path, overwrite=overwrite)
    if checkpoint is not None and os.path.exists(checkpoint) and not overwrite:
        raise FileExistsError(f"{checkpoint} holds an unfinished dream: `tfdream resume {checkpoint}` goes on "
                              "with it, --overwrite starts over")
    if len({os.path.abspath(path) for path in paths}) < len(paths):
        raise app.UsageError(f"output files must differ (the sidecar is {sidecar.sidecar_path(output)}). "
                             f"Received: {[str(path) for path in paths]}")


def save(result: result_lib.DreamResult, output: str, source: sources.Source | dict,
          checkpointer: checkpoints.Checkpointer | None = None, *, overwrite: bool | None = None) -> None:
    """Writes the image, its sidecar and the asked-for histories; the checkpoint goes once the dream is done."""
    from tfdream.core import sidecar

    overwrite = shared.OVERWRITE.value if overwrite is None else overwrite
    kept = checkpointer.path if checkpointer is not None and result.interrupted else None
    path = result.save(output, overwrite=overwrite)
    sidecar.write(result, output, source, overwrite=overwrite, checkpoint=kept)
    if shared.HISTORY_CSV.value:
        result.history.to_csv(shared.HISTORY_CSV.value, overwrite=overwrite)
    if shared.HISTORY_JSON.value:
        result.history.to_json(shared.HISTORY_JSON.value, overwrite=overwrite)
    if shared.HISTORY_PLOT.value:
        result.history.plot(shared.HISTORY_PLOT.value, overwrite=overwrite)
    if checkpointer is not None and not result.interrupted:
        checkpointer.remove()
    interrupted = " (interrupted: the image after the last finished step"
    interrupted += f"; `tfdream resume {sidecar.sidecar_path(path)}` goes on)" if kept else ")"
    written = [output, sidecar.sidecar_path(output), *(holder.value for holder in shared.HISTORY if holder.value)]
    logging.info("wrote %s%s", ", ".join(map(str, written)), interrupted if result.interrupted else "")


def motion_dreamer() -> dreamer_lib.Dreamer:
    from tfdream.core import dreamer as dreamer_lib

    runs = shared.runs()
    if len(runs) != 1:
        raise app.UsageError(f"a video is dreamed by one model and layer set but the flags name {len(runs)} runs: "
                             f"{[run.label for run in runs]}")
    return dreamer_lib.Dreamer(runs[0].model, runs[0].layers, **shared.dreamer_options())


def motion_options(stop: callbacks.StopOnInterrupt) -> dict:
    """The options `dream_video` and `dream_zoom` share, from the flags."""
    from tfdream import motion

    return dict(config=shared.config(), later_steps=shared.LATER_STEPS.value, later_octaves=shared.LATER_OCTAVES.value,
                max_dim=shared.MAX_DIM.value, work_dir=shared.WORK_DIR.value, callbacks=[stop],
                progress=motion.FrameProgress() if shared.PROGRESS.value else None, overwrite=shared.OVERWRITE.value)


def motion_exit(result: motion.MotionResult, stop: callbacks.StopOnInterrupt) -> int:
    if result.interrupted:
        logging.info("interrupted: %d frames finished in %s; run the same command again to continue",
                     result.frames, result.work_dir)
        return stop.exit_status
    logging.info("wrote %s; frames, manifest and loss history in %s", result.path, result.work_dir)
    return 0
