"""Videos dreamed frame by frame without flicker: each frame starts from the previous dream, warped along the
optical flow between the source frames and blended with the new frame; resumable from its work folder."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Sequence

import numpy as np

from tfdream.base import checks, choices
from tfdream.core import callbacks as callbacks_lib
from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import sidecar
from tfdream.io import images, video
from tfdream.motion import flow
from tfdream.motion import work as work_lib
from tfdream.motion.progress import FrameProgress

logger = logging.getLogger(__name__)

COHERENCE = choices.COHERENCE


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
) -> work_lib.MotionResult:
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
    checks.check_fraction(blend, "blend")
    checks.check_count(start, "start", 0)
    checks.check_count(every, "every", 1)
    if end is not None:
        checks.check_count(end, "end", start + 1)
    dst = video.check_output(dst, overwrite=overwrite)
    info = video.probe(src)
    frames = video.read_frames(src, start=start, end=end, every=every)
    frames = itertools.chain([next(frames)], frames)  # a video without frames fails before any work
    first, later = work_lib.frame_configs(config, later_steps, later_octaves)
    settings = work_lib.settings("video", sidecar.describe_input(src, max_dim=max_dim), dreamer, first, later,
                         coherence=coherence, blend=blend, start=start, end=end, every=every)
    work = work_lib.WorkFolder(work_dir or work_lib.default_work_dir(dst), settings, first.seed)
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
        seed = work_lib.frame_seed(work.seed, number)
        result = work_lib.dream_frame(dreamer, initial, later if number else first, seed, callbacks)
        if result.interrupted:
            return work_lib.interrupted(work, progress, info.fps / every)
        work.add(result, {"source_frame": start + number * every})
        previous_source, previous_dream = source, result.image.astype(np.float32)
        if progress:
            progress.frame_done(time.monotonic() - began)
    work_lib.wrap_up(work, progress)
    fps = info.fps / every
    path = video.write_video(dst, (images.to_uint8(work.load(index)) for index in range(len(work.frames))), fps,
                             audio_from=src, audio_start=float(start / info.fps), overwrite=overwrite)
    logger.info("wrote %s (%d frames at %.3g fps) and the frames in %s", path, len(work.frames), fps, work.path)
    return work_lib.MotionResult(path, work.path, len(work.frames), fps)


def _video_start(source: np.ndarray, previous_source: np.ndarray | None, previous_dream: np.ndarray | None,
                 coherence: str, blend: float) -> np.ndarray:
    """Where a video frame's dream starts: the source, or the previous dream (warped along the flow) blended
    with it; with the flow, the source alone where the flow is not reliable (`flow_reliability`).
    float32 RGB (H, W, 3) in [0, 255]."""
    if previous_dream is None or coherence == "none":
        return source
    if coherence == "blend":
        return (1 - blend) * previous_dream + blend * source
    backward = flow.optical_flow(source, previous_source)
    keep = (1 - blend) * flow.flow_reliability(backward, flow.optical_flow(previous_source, source))[..., None]
    return keep * flow.warp(previous_dream, backward) + (1 - keep) * source
