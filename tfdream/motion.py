"""Dreams that move: videos dreamed frame by frame without flicker, and the infinite zoom.

Every frame is dreamed by `Dreamer.dream` (tiles, octaves, history, callbacks). A video frame starts from
the previous dreamed frame, warped along the optical flow between the two source frames and blended with the
new source frame, so the patterns follow the motion instead of boiling. A zoom frame starts from the previous
dreamed frame, zoomed and rotated about the centre.

Each finished frame is saved as a numbered PNG in a work folder, with a `manifest.json` holding the run's
settings and each frame's index, seed, config and loss summary (its full loss history beside its PNG). A rerun with the same settings (after a
crash or Ctrl-C) continues after the last finished frame: the next frame starts from the saved PNG, whose
values are exactly those the uninterrupted run used, and every frame's seed is derived from the base seed and
its number, so the result is the same as that of an uninterrupted run. Memory holds a few frames, never the
video.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import fractions
import hashlib
import itertools
import json
import logging
import os
import pathlib
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import cv2
import numpy as np

from tfdream import callbacks as callbacks_lib
from tfdream import config as config_lib
from tfdream import history as history_lib
from tfdream import checks, choices, files, images, sidecar, video

if TYPE_CHECKING:
    from tfdream import dreamer as dreamer_lib

logger = logging.getLogger(__name__)

COHERENCE = choices.COHERENCE
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


class FrameProgress:
    """One line of frames done, seconds per frame and ETA, after each frame (`ProgressBar`'s style).

    The ETA counts the remaining frames at the mean time of the frames after the first (which dreams more
    octaves or steps). On a terminal the line is rewritten in place.

    Args:
        stream: Where to write; `sys.stderr` (looked up at each run) when None.
        width: Characters of the bar.
    """

    def __init__(self, stream: IO[str] | None = None, *, width: int = 20):
        self.stream = stream
        self.width = width

    def begin(self, total: int | None, done: int) -> None:
        """Before the first frame: frames in all (None if unknown) and frames already finished."""
        self._out = self.stream or sys.stderr
        self._tty = self._out.isatty() if hasattr(self._out, "isatty") else False
        self._total, self._done, self._start, self._seconds = total, done, time.monotonic(), []

    def frame_done(self, seconds: float) -> None:
        """After each dreamed frame, with the seconds it took."""
        self._done += 1
        self._seconds.append(seconds)
        per_frame = float(np.mean(self._seconds[1:] or self._seconds))
        elapsed = time.monotonic() - self._start
        line = f"frame {self._done}"
        if self._total:
            share = min(self._done / self._total, 1.0)
            filled = round(share * self.width)
            eta = _duration(per_frame * max(self._total - self._done, 0))
            line += f"/{self._total} [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%}"
        line += f" {per_frame:.2f} s/frame elapsed {_duration(elapsed)}"
        if self._total:
            line += f" ETA {eta}"
        self._out.write(f"\r{line}\x1b[K" if self._tty else f"{line}\n")
        self._out.flush()

    def end(self) -> None:
        """After the last frame."""
        if self._tty:
            self._out.write("\n")
            self._out.flush()


def _duration(seconds: float) -> str:
    return str(datetime.timedelta(seconds=round(seconds)))


def optical_flow(target: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Dense flow from `target` back to `previous`, by OpenCV's DIS (medium preset).

    DIS (dense inverse search) rather than Farneback: it follows large displacements through its coarse-to-fine
    patch search and is several times faster at the same size (`benchmarks/flicker_benchmark.py` times both).

    Args:
        target: RGB (H, W, 3), uint8 or float in [0, 255]: the new frame.
        previous: RGB of the same shape: the frame before.

    Returns:
        float32 (H, W, 2): for each pixel of `target`, the (x, y) displacement to where it was in `previous`.
    """
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(_gray(target), _gray(previous), None)


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(images.to_uint8(rgb), cv2.COLOR_RGB2GRAY)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """`image` moved along `flow` (bilinear, edges repeated): `out[y, x] = image[y + fy, x + fx]`.

    Args:
        image: float32 (H, W, C).
        flow: float32 (H, W, 2) from `optical_flow(target, previous)`, with `image` aligned to `previous`.

    Returns:
        float32 (H, W, C), aligned to `target`.
    """
    height, width = flow.shape[:2]
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    return cv2.remap(image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def flow_reliability(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Where a backward flow can be trusted: 1 where the pixel was inside the previous frame and following the
    flow back then forward returns to it, 0 at occlusions, disocclusions and content entering the frame.

    The round trip may miss by 0.01 (|b|^2 + |f|^2) + 0.5 pixels (the test of Ruder et al., "Artistic style
    transfer for videos", 2016).

    Args:
        backward: float32 (H, W, 2), `optical_flow(target, previous)`.
        forward: float32 (H, W, 2), `optical_flow(previous, target)`.

    Returns:
        float32 (H, W) of 0 and 1.
    """
    height, width = backward.shape[:2]
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    x, y = grid_x + backward[..., 0], grid_y + backward[..., 1]
    inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
    forward_there = warp(forward, backward)
    miss = np.sum((backward + forward_there) ** 2, axis=-1)
    allowed = 0.01 * (np.sum(backward**2, axis=-1) + np.sum(forward_there**2, axis=-1)) + 0.5
    return (inside & (miss <= allowed)).astype(np.float32)


def zoom_rotate(image: np.ndarray, zoom: float, angle: float) -> np.ndarray:
    """`image` zoomed by `zoom` (> 1 zooms in) and rotated by `angle` degrees (counter-clockwise) about its
    centre, bicubic in float (borders reflected), clipped to [0, 255].

    Args:
        image: float32 RGB (H, W, 3) in [0, 255].

    Returns:
        float32 RGB (H, W, 3) in [0, 255].
    """
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, zoom)
    out = cv2.warpAffine(np.asarray(image, np.float32), matrix, (width, height), flags=cv2.INTER_CUBIC,
                         borderMode=cv2.BORDER_REFLECT)
    return np.clip(out, 0, 255, out=out)


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

    def add(self, result: dreamer_lib.DreamResult, record: Mapping[str, Any]) -> None:
        """Saves a finished frame's image and loss history, then its manifest record (so a record always has
        its files)."""
        number = len(self.frames)
        image = images.save_image(result.image, self.frame_path(number), overwrite=True)
        losses = result.history.to_json(image.with_suffix(".history.json"), overwrite=True)
        self.frames.append({
            "frame": number, "file": image.name, **record, "seed": result.seed, "config": result.config.to_dict(),
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


def _frame_configs(config: config_lib.DreamConfig | None, later_steps: int | None,
                   later_octaves: Sequence[int] | None) -> tuple[config_lib.DreamConfig, config_lib.DreamConfig]:
    """The first frame's config and the (cheaper) config of the frames after it."""
    first = config or config_lib.DreamConfig()
    later = dataclasses.replace(first, steps=first.steps if later_steps is None else later_steps,
                                octaves=first.octaves if later_octaves is None else tuple(later_octaves))
    return first, later


def _default_work_dir(dst: pathlib.Path) -> pathlib.Path:
    """`out/dream.mp4` -> `out/dream.frames`."""
    return dst.with_suffix(".frames")


def _settings(kind: str, source: Mapping[str, Any], dreamer: dreamer_lib.Dreamer, first, later,
              **options: Any) -> dict[str, Any]:
    """What must match for a work folder to be resumed (the seed is checked separately)."""
    return {"kind": kind, "input": dict(source), "dreamer": dreamer.get_config(),
            "first": dict(first.to_dict(), seed=None), "later": dict(later.to_dict(), seed=None), **options}


def _check_fraction(value: float, name: str) -> None:
    if not (checks.is_number(value) and 0 <= value <= 1):
        raise ValueError(f"{name} must be in [0, 1]. Received: {name}={value!r}")


def _check_count(value: Any, name: str, minimum: int) -> None:
    if not (checks.is_int(value) and value >= minimum):
        raise ValueError(f"{name} must be an int >= {minimum}. Received: {name}={value!r}")


def _dream(dreamer, start: np.ndarray, config, seed: int, callbacks) -> dreamer_lib.DreamResult:
    return dreamer.dream(start, config=dataclasses.replace(config, seed=seed), callbacks=callbacks)


def dream_video(
    dreamer: dreamer_lib.Dreamer,
    src: str | os.PathLike,
    dst: str | os.PathLike,
    *,
    config: config_lib.DreamConfig | None = None,
    later_steps: int | None = None,
    later_octaves: Sequence[int] | None = None,
    coherence: str = "flow",
    blend: float = 0.5,
    start: int = 0,
    end: int | None = None,
    every: int = 1,
    max_dim: int | None = None,
    work_dir: str | os.PathLike | None = None,
    callbacks: Sequence[callbacks_lib.Callback] = (),
    progress: FrameProgress | None = None,
    overwrite: bool = False,
) -> MotionResult:
    """Dreams every frame of a video into a new MP4 or GIF, coherently over time; resumable.

    Args:
        dreamer: The `Dreamer` of every frame.
        src: A video file (anything FFmpeg reads).
        dst: The output, .mp4 (H.264, with the source's audio copied) or .gif; written atomically at the end.
        config: The first frame's `DreamConfig` (its seed is the run's base seed; None draws one).
        later_steps: Steps per octave of the frames after the first (None: `config.steps`).
        later_octaves: Octaves of the frames after the first, e.g. (0,) (None: `config.octaves`).
        coherence: "flow": start from the previous dream warped by the optical flow between the source
            frames (the source alone where the flow fails the forward-backward check: occlusions, new
            content); "blend": from the previous dream as it is (cheaper, smears on motion); "none": every
            frame dreamed on its own (flickers).
        blend: Share of the new source frame in a frame's start (1 - blend is the previous dream's share);
            with "flow" or "blend".
        start: First source frame (counted from 0).
        end: Source frame to stop before; None for the end.
        every: Dream every `every`-th source frame (the output's rate is divided by it, so it keeps time).
        max_dim: Shrink frames so the longer side is at most this.
        work_dir: Folder of the dreamed frames and manifest; default: `dst` with the suffix `.frames`.
        callbacks: `callbacks.Callback`s given to every frame's dream (e.g. `callbacks.StopOnInterrupt`).
        progress: A `FrameProgress`, or None for none.
        overwrite: Replace an existing `dst`.

    Returns:
        A `MotionResult`.

    Raises:
        video.VideoError: `src` is not a video or has no frames in the range.
        ValueError: a bad option or output path, or a `work_dir` holding another run's frames.
    """
    if coherence not in COHERENCE:
        raise ValueError(f"coherence must be one of {COHERENCE}. Received: coherence={coherence!r}")
    _check_fraction(blend, "blend")
    _check_count(start, "start", 0)
    _check_count(every, "every", 1)
    if end is not None:
        _check_count(end, "end", start + 1)
    dst = video.check_output(dst, overwrite=overwrite)
    info = video.probe(src)
    frames = video.read_frames(src, start=start, end=end, every=every)
    frames = itertools.chain([next(frames)], frames)  # a video without frames fails before any work
    first, later = _frame_configs(config, later_steps, later_octaves)
    settings = _settings("video", sidecar.describe_input(src, max_dim=max_dim), dreamer, first, later,
                         coherence=coherence, blend=blend, start=start, end=end, every=every)
    work = WorkFolder(work_dir or _default_work_dir(dst), settings, first.seed)
    total = None if info.frames is None else len(range(start, min(end or info.frames, info.frames), every))
    if progress:
        progress.begin(total, len(work.frames))
    previous_source = previous_dream = None  # float32 RGB of the frame before
    for number, (_, pixels) in enumerate(frames):
        source = images.load_image(pixels, max_dim=max_dim)
        if number < len(work.frames):  # finished in an earlier run
            previous_source = source
            continue
        if number and previous_dream is None:  # resuming: start from the saved frame's exact values
            previous_dream = work.load(number - 1)
        began = time.monotonic()
        initial = _video_start(source, previous_source, previous_dream, coherence, blend)
        result = _dream(dreamer, initial, later if number else first, frame_seed(work.seed, number), callbacks)
        if result.interrupted:
            return _interrupted(work, progress, info.fps / every)
        work.add(result, {"source_frame": start + number * every})
        previous_source, previous_dream = source, result.image.astype(np.float32)
        if progress:
            progress.frame_done(time.monotonic() - began)
    _wrap_up(work, progress)
    fps = info.fps / every
    path = video.write_video(dst, (images.to_uint8(work.load(index)) for index in range(len(work.frames))), fps,
                             audio_from=src, audio_start=float(start / info.fps), overwrite=overwrite)
    logger.info("wrote %s (%d frames at %.3g fps) and the frames in %s", path, len(work.frames), fps, work.path)
    return MotionResult(path, work.path, len(work.frames), fps)


def _wrap_up(work: WorkFolder, progress: FrameProgress | None) -> None:
    """The end of a run, stopped or not: the progress line ended, the finished frames' histories written."""
    if progress:
        progress.end()
    work.write_histories()


def _interrupted(work: WorkFolder, progress: FrameProgress | None, fps) -> MotionResult:
    """Ends a stopped run: the finished frames' histories written, no video."""
    _wrap_up(work, progress)
    return MotionResult(None, work.path, len(work.frames), fractions.Fraction(fps), interrupted=True)


def _video_start(source: np.ndarray, previous_source: np.ndarray | None, previous_dream: np.ndarray | None,
                 coherence: str, blend: float) -> np.ndarray:
    """Where a video frame's dream starts: the source, or the previous dream (warped along the flow) blended
    with it; with the flow, the source alone where the flow is not reliable (`flow_reliability`).
    float32 RGB (H, W, 3) in [0, 255]."""
    if previous_dream is None or coherence == "none":
        return source
    if coherence == "blend":
        return (1 - blend) * previous_dream + blend * source
    backward = optical_flow(source, previous_source)
    keep = (1 - blend) * flow_reliability(backward, optical_flow(previous_source, source))[..., None]
    return keep * warp(previous_dream, backward) + (1 - keep) * source


def dream_zoom(
    dreamer: dreamer_lib.Dreamer,
    image: str | os.PathLike | np.ndarray | None,
    dst: str | os.PathLike,
    *,
    frames: int = 48,
    zoom: float = 1.05,
    rotate: float = 0.0,
    size: tuple[int, int] | None = None,
    fps: float = 12.0,
    interpolate: int = 0,
    config: config_lib.DreamConfig | None = None,
    later_steps: int | None = None,
    later_octaves: Sequence[int] | None = None,
    max_dim: int | None = None,
    work_dir: str | os.PathLike | None = None,
    callbacks: Sequence[callbacks_lib.Callback] = (),
    progress: FrameProgress | None = None,
    overwrite: bool = False,
) -> MotionResult:
    """The infinite zoom: dream, zoom and rotate about the centre, dream again, for `frames` frames; resumable.

    Each frame starts from the previous dreamed frame (the saved PNG's values) zoomed and rotated in float32,
    bicubic, with no rounding before it is dreamed.

    Args:
        dreamer: The `Dreamer` of every frame.
        image: The first frame's input: an image file, an RGB array in [0, 255], or None for seeded noise of
            `size`.
        dst: The output, .mp4 or .gif; written atomically at the end.
        frames: Dreamed frames, >= 1. A rerun with more frames continues a finished zoom; with fewer, the
            video shows the first ones.
        zoom: Zoom factor per frame, > 0 (> 1 zooms in).
        rotate: Degrees of rotation per frame (counter-clockwise).
        size: (height, width) of the noise when `image` is None.
        fps: Frames per second of the video (in-between frames included).
        interpolate: In-between frames per pair of dreamed frames, made by zooming both halfway and
            cross-fading (no dreaming), for smooth playback.
        config: The first frame's `DreamConfig` (its seed is the run's base seed; None draws one).
        later_steps: Steps per octave of the frames after the first (None: `config.steps`).
        later_octaves: Octaves of the frames after the first (None: `config.octaves`).
        max_dim: Shrink a loaded image so its longer side is at most this.
        work_dir: Folder of the dreamed frames and manifest; default: `dst` with the suffix `.frames`.
        callbacks: `callbacks.Callback`s given to every frame's dream.
        progress: A `FrameProgress`, or None for none.
        overwrite: Replace an existing `dst`.

    Returns:
        A `MotionResult`.
    """
    _check_count(frames, "frames", 1)
    _check_count(interpolate, "interpolate", 0)
    for name, value, ok in (("zoom", zoom, zoom > 0), ("fps", fps, fps > 0), ("rotate", rotate, True)):
        if not (checks.is_number(value) and ok):
            raise ValueError(f"{name} must be a finite number{' > 0' if name != 'rotate' else ''}. "
                             f"Received: {name}={value!r}")
    dst = video.check_output(dst, overwrite=overwrite)
    first, later = _frame_configs(config, later_steps, later_octaves)
    settings = _settings("zoom", _describe_image(image, size, max_dim), dreamer, first, later, zoom=zoom,
                         rotate=rotate)  # not `frames`: a finished zoom can be made longer
    work = WorkFolder(work_dir or _default_work_dir(dst), settings, first.seed)
    if progress:
        progress.begin(frames, len(work.frames))
    for number in range(len(work.frames), frames):
        began = time.monotonic()
        seed = frame_seed(work.seed, number)
        if number == 0:
            source = None if image is None else images.load_image(image, max_dim=max_dim)
            result = dreamer.dream(source, size=None if image is not None else tuple(size),
                                   config=dataclasses.replace(first, seed=seed), callbacks=callbacks)
        else:
            result = _dream(dreamer, zoom_rotate(work.load(number - 1), zoom, rotate), later, seed, callbacks)
        if result.interrupted:
            return _interrupted(work, progress, fps)
        work.add(result, {})
        if progress:
            progress.frame_done(time.monotonic() - began)
    _wrap_up(work, progress)
    path = video.write_video(dst, _zoom_playback(work, frames, zoom, rotate, interpolate), fps,
                             overwrite=overwrite)
    logger.info("wrote %s and the frames in %s", path, work.path)
    return MotionResult(path, work.path, frames, fractions.Fraction(fps))


def _zoom_playback(work: WorkFolder, frames: int, zoom: float, rotate: float,
                   interpolate: int) -> Iterator[np.ndarray]:
    """The first `frames` dreamed frames, with `interpolate` in-between frames after each but the last
    (uint8 RGB)."""
    before = work.load(0)
    yield images.to_uint8(before)
    for number in range(1, frames):
        after = work.load(number)
        for step in range(1, interpolate + 1):
            t = step / (interpolate + 1)
            outgoing = zoom_rotate(before, zoom ** t, rotate * t)
            incoming = zoom_rotate(after, zoom ** (t - 1), rotate * (t - 1))
            yield images.to_uint8((1 - t) * outgoing + t * incoming)
        yield images.to_uint8(after)
        before = after


def _describe_image(image, size, max_dim) -> dict[str, Any]:
    """The manifest's record of a zoom's input: file (path, sha256), array (shape, sha256) or noise size."""
    if isinstance(image, np.ndarray):
        return {"array_shape": list(image.shape), "sha256": hashlib.sha256(np.ascontiguousarray(image)).hexdigest(),
                "max_dim": max_dim}
    if image is None and size is None:
        raise ValueError("size is required when image is None (a zoom from noise). Received: size=None")
    return sidecar.describe_input(image, size=size, max_dim=max_dim)
