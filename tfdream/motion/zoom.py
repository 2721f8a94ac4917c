"""The infinite zoom: dream, zoom and rotate about the centre, dream again; resumable from its work folder."""

from __future__ import annotations

import dataclasses
import fractions
import hashlib
import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import cv2
import numpy as np

from tfdream.base import checks
from tfdream.core import callbacks as callbacks_lib
from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import sidecar
from tfdream.io import images, video
from tfdream.motion import work as work_lib
from tfdream.motion.progress import FrameProgress

logger = logging.getLogger(__name__)


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
) -> work_lib.MotionResult:
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
    checks.check_count(frames, "frames", 1)
    checks.check_count(interpolate, "interpolate", 0)
    for name, value, ok in (("zoom", zoom, zoom > 0), ("fps", fps, fps > 0), ("rotate", rotate, True)):
        if not (checks.is_number(value) and ok):
            raise ValueError(f"{name} must be a finite number{' > 0' if name != 'rotate' else ''}. "
                             f"Received: {name}={value!r}")
    dst = video.check_output(dst, overwrite=overwrite)
    first, later = work_lib.frame_configs(config, later_steps, later_octaves)
    settings = work_lib.settings("zoom", _describe_image(image, size, max_dim), dreamer, first, later, zoom=zoom,
                         rotate=rotate)  # not `frames`: a finished zoom can be made longer
    work = work_lib.WorkFolder(work_dir or work_lib.default_work_dir(dst), settings, first.seed)
    if progress:
        progress.begin(frames, len(work.frames))
    for number in range(len(work.frames), frames):
        began = time.monotonic()
        seed = work_lib.frame_seed(work.seed, number)
        if number == 0:
            source = None if image is None else images.load_image(image, max_dim=max_dim)
            result = dreamer.dream(source, size=None if image is not None else tuple(size),
                                   config=dataclasses.replace(first, seed=seed), callbacks=callbacks)
        else:
            start = zoom_rotate(work.load(number - 1), zoom, rotate)
            result = work_lib.dream_frame(dreamer, start, later, seed, callbacks)
        if result.interrupted:
            return work_lib.interrupted(work, progress, fps)
        work.add(result, {})
        if progress:
            progress.frame_done(time.monotonic() - began)
    work_lib.wrap_up(work, progress)
    path = video.write_video(dst, _zoom_playback(work, frames, zoom, rotate, interpolate), fps,
                             overwrite=overwrite)
    logger.info("wrote %s and the frames in %s", path, work.path)
    return work_lib.MotionResult(path, work.path, frames, fractions.Fraction(fps))


def _zoom_playback(work: work_lib.WorkFolder, frames: int, zoom: float, rotate: float,
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
