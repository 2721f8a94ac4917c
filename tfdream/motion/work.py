"""What every motion run shares: its work folder (numbered PNG frames, `manifest.json`, loss histories) that a
rerun resumes from, the per-frame seeds, the first and later frames' configs, and the run's result."""

from __future__ import annotations

import csv
import dataclasses
import fractions
import json
import logging
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import history as history_lib
from tfdream.core import result as result_lib
from tfdream.io import files, images
from tfdream.motion import progress as progress_lib

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


@dataclasses.dataclass
class MotionResult:
    """What `dream_video` or `dream_zoom` produced.

    Attributes:
        path: The video written, or None when the run was interrupted (the frames so far are kept).
        work_dir: The folder of the dreamed frames, `manifest.json`, `history.csv`/`.json` and `losses.png`.
        frames: Dreamed frames in the video, or finished so far when interrupted.
        fps: Frames per second of the video (as an exact fraction).
        interrupted: True when a callback stopped the run; a rerun continues it.
    """

    path: pathlib.Path | None
    work_dir: pathlib.Path
    frames: int
    fps: fractions.Fraction
    interrupted: bool = False


def frame_seed(base_seed: int, frame: int) -> int:
    """The seed of frame number `frame` of a run with `base_seed`: the same in every run and every resume."""
    return int(np.random.SeedSequence([base_seed, frame]).generate_state(1)[0])


class WorkFolder:
    """The resumable state of a motion run: numbered PNG frames and `manifest.json`.

    Args:
        path: The folder (created if missing).
        settings: JSON-ready description of the run (kind, input, dreamer, options); a folder holding frames
            of other settings is refused.
        seed: The base seed asked for; None takes the folder's (or draws one for a new folder).

    Attributes:
        frames: The manifest's record of each finished frame, in order.
        seed: The base seed of the run.
    """

    def __init__(self, path: str | os.PathLike, settings: Mapping[str, Any], seed: int | None):
        self.path = pathlib.Path(path)
        self.settings = json.loads(json.dumps(settings))
        manifest = self.path / MANIFEST
        if manifest.exists():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            changed = sorted(key for key in {*data["settings"], *self.settings}
                             if data["settings"].get(key) != self.settings.get(key))
            if seed is not None and seed != data["seed"]:
                changed.append("seed")
            if changed:
                raise ValueError(f"work_dir holds frames of a run with other {', '.join(changed)}: delete it or "
                                 f"choose another work_dir to start afresh. Received: work_dir='{self.path}'")
            self.seed, self.frames = data["seed"], data["frames"]
        else:
            if self.path.exists() and not self.path.is_dir():
                raise ValueError(f"work_dir must be a folder. Received: work_dir='{self.path}'")
            self.path.mkdir(parents=True, exist_ok=True)
            self.seed = int(np.random.SeedSequence().generate_state(1)[0]) if seed is None else seed
            self.frames = []
            self._write_manifest()
        if self.frames:
            logger.info("resuming %s after %d finished frames", self.path, len(self.frames))

    def frame_path(self, number: int) -> pathlib.Path:
        return self.path / f"frame_{number:06d}.png"

    def add(self, result: result_lib.DreamResult, record: Mapping[str, Any]) -> None:
        """Saves a finished frame's image and loss history, then its manifest record (so a record always has
        its files)."""
        number = len(self.frames)
        image = images.save_image(result.image, self.frame_path(number), overwrite=True)
        losses = result.history.to_json(image.with_suffix(".history.json"), overwrite=True)
        self.frames.append({
            "frame": number, "file": image.name, **record, "seed": result.seed, "config": result.config.get_config(),
            "steps_completed": len(result.history), "losses": result.history.summary(), "history": losses.name,
        })
        self._write_manifest()

    def load(self, number: int) -> np.ndarray:
        """A finished frame as float32 RGB (H, W, 3) holding the PNG's exact uint8 values."""
        return images.load_image(self.frame_path(number))

    def history(self, number: int) -> history_lib.LossHistory:
        """The loss history of a finished frame."""
        return history_lib.LossHistory.from_json(self.path / self.frames[number]["history"])

    def write_histories(self) -> None:
        """Writes every frame's loss history to `history.csv` and `history.json` (a `frame` column added),
        one frame at a time, and plots each layer's final loss per frame to `losses.png`."""
        if not self.frames:
            return
        labels = self.history(0).labels
        with files.atomic_write(self.path / "history.csv", overwrite=True, mode="w") as table, \
                files.atomic_write(self.path / "history.json", overwrite=True, mode="w") as document:
            writer = csv.DictWriter(table, fieldnames=["frame", *history_lib.FIXED_COLUMNS, *labels, "skipped"],
                                    lineterminator="\n")
            writer.writeheader()
            document.write(f'{{"labels": {json.dumps(list(labels))}, "records": [')
            for number in range(len(self.frames)):
                rows = [{"frame": number, **record} for record in self.history(number).records]
                writer.writerows(rows)
                document.write(("," if number else "") + ",".join(json.dumps(row) for row in rows))
            document.write("]}")
        files.save_figure(self._plot(labels), self.path / "losses.png", overwrite=True)

    def _plot(self, labels: Sequence[str]):
        """Each term's and the total's loss at every frame's last step, each on its own scale."""
        def finals(label: str) -> np.ndarray:
            return np.array([frame["losses"][label]["final"] for frame in self.frames], dtype=np.float64)

        figure = history_lib.stacked_panels([frame["frame"] for frame in self.frames],
                                            {label: finals(label) for label in labels}, finals("total"),
                                            ylabel="normalized loss at the frame's last step", marker=".")
        figure.axes[-1].set_xlabel("frame")
        return figure

    def _write_manifest(self) -> None:
        data = {"settings": self.settings, "seed": self.seed, "frames": self.frames}
        with files.atomic_write(self.path / MANIFEST, overwrite=True, mode="w") as file:
            json.dump(data, file, separators=(",", ":"))


def frame_configs(config: config_lib.DreamConfig | None, later_steps: int | None,
                   later_octaves: Sequence[int] | None) -> tuple[config_lib.DreamConfig, config_lib.DreamConfig]:
    """The first frame's config and the (cheaper) config of the frames after it."""
    first = config or config_lib.DreamConfig()
    later = dataclasses.replace(first, steps=first.steps if later_steps is None else later_steps,
                                octaves=first.octaves if later_octaves is None else tuple(later_octaves))
    return first, later


def default_work_dir(dst: pathlib.Path) -> pathlib.Path:
    """`out/dream.mp4` -> `out/dream.frames`."""
    return dst.with_suffix(".frames")


def settings(kind: str, source: Mapping[str, Any], dreamer: dreamer_lib.Dreamer, first, later,
              **options: Any) -> dict[str, Any]:
    """What must match for a work folder to be resumed (the seed is checked separately); refuses a dreamer of a
    batch of images, since a frame is one image."""
    if dreamer.batch > 1:
        raise ValueError(f"a {kind} dreams one image per frame: give a Dreamer of one image. Received: a Dreamer "
                         f"with batch={dreamer.batch}")
    return {"kind": kind, "input": dict(source), "dreamer": dreamer.get_config(),
            "first": dict(first.get_config(), seed=None), "later": dict(later.get_config(), seed=None), **options}


def dream_frame(dreamer, start: np.ndarray, config, seed: int, callbacks) -> result_lib.DreamResult:
    return dreamer.dream(start, config=dataclasses.replace(config, seed=seed), callbacks=callbacks)


def wrap_up(work: WorkFolder, progress: progress_lib.FrameProgress | None) -> None:
    """The end of a run, stopped or not: the progress line ended, the finished frames' histories written."""
    if progress:
        progress.end()
    work.write_histories()


def interrupted(work: WorkFolder, progress: progress_lib.FrameProgress | None, fps) -> MotionResult:
    """Ends a stopped run: the finished frames' histories written, no video."""
    wrap_up(work, progress)
    return MotionResult(None, work.path, len(work.frames), fractions.Fraction(fps), interrupted=True)
