"""Video files through PyAV (FFmpeg in its wheel): probe, stream frames in, write MP4 or GIF atomically.

Frames are streamed both ways: `read_frames` decodes one frame at a time and `write_video` encodes frames
from any iterable, so a video never has to fit in memory. MP4 is H.264 (libx264, yuv420p: odd sizes are
padded by one edge row/column); the audio of a source video is copied into it packet by packet, without
re-encoding. GIF frames get their own 256-colour palette each and carry no audio.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fractions
import itertools
import logging
import os
import pathlib
from collections.abc import Iterable, Iterator

import av
import numpy as np
import PIL.Image

from tfdream.io import files, images

logger = logging.getLogger(__name__)

OUTPUT_FORMATS = (".mp4", ".gif")


class VideoError(ValueError):
    """A file cannot be read as a video, or has no frames; the message names the file."""


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What `probe` finds in a video file.

    Attributes:
        path: The file.
        width: Frame width in pixels.
        height: Frame height in pixels.
        fps: Frames per second (exact, e.g. 30000/1001).
        frames: Frame count from the container, or an estimate from the duration; None when unknown.
        has_audio: Whether the file has an audio stream.
    """

    path: pathlib.Path
    width: int
    height: int
    fps: fractions.Fraction
    frames: int | None
    has_audio: bool


def probe(path: str | os.PathLike) -> VideoInfo:
    """Reads a video's size, frame rate, frame count and whether it has audio (no frame is decoded).

    Raises:
        VideoError: the file is missing, not a video, or has no video stream.
    """
    path = pathlib.Path(path)
    with _open(path) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not rate:
            raise VideoError(f"Cannot read video '{path}': its frame rate is unknown.")
        frames = stream.frames or None
        if frames is None and stream.duration and stream.time_base:
            frames = round(stream.duration * stream.time_base * rate)
        return VideoInfo(path, stream.codec_context.width, stream.codec_context.height, fractions.Fraction(rate),
                         frames, bool(container.streams.audio))


def read_frames(path: str | os.PathLike, *, start: int = 0, end: int | None = None,
                every: int = 1) -> Iterator[tuple[int, np.ndarray]]:
    """Decodes frames `start`, `start + every`, ... before `end`, one at a time.

    Args:
        path: The video file.
        start: Index of the first frame to yield (frames are counted from 0 in decoding order).
        end: Index to stop before; None for the end of the video.
        every: Yield every `every`-th frame.

    Yields:
        (frame index, uint8 RGB array (H, W, 3)).

    Raises:
        VideoError: the file cannot be read as a video, or no frame lies in the range.
    """
    path = pathlib.Path(path)
    found, index = False, -1
    with _open(path) as container:
        try:
            for index, frame in enumerate(container.decode(video=0)):
                if end is not None and index >= end:
                    break
                if index >= start and (index - start) % every == 0:
                    found = True
                    yield index, frame.to_ndarray(format="rgb24")
        except av.FFmpegError as error:
            raise VideoError(f"Cannot read video '{path}': {_reason(error)}.") from error
    if index < 0:
        raise VideoError(f"Cannot read video '{path}': it has no frames.")
    if not found:
        raise VideoError(f"Video '{path}' has no frames from start={start} (it has {index + 1}).")


def check_output(path: str | os.PathLike, *, overwrite: bool = False) -> pathlib.Path:
    """Checks that a video can be written at `path` (extension, folder, existing file) before any work.

    Raises:
        ValueError: the extension is not .mp4 or .gif, or `images.check_output_path` rejects the path.
        files.OutputExistsError: the file exists and `overwrite` is False.
    """
    if pathlib.Path(path).suffix.lower() not in OUTPUT_FORMATS:
        raise ValueError(f"output must end in {' or '.join(OUTPUT_FORMATS)}. Received: output='{path}'")
    return images.check_output_path(path, overwrite=overwrite, image=False)


def write_video(path: str | os.PathLike, frames: Iterable[np.ndarray], fps: fractions.Fraction | float, *,
                audio_from: str | os.PathLike | None = None, audio_start: float = 0.0,
                overwrite: bool = False) -> pathlib.Path:
    """Encodes frames into an MP4 (H.264) or GIF, atomically (a temporary file renamed at the end).

    Args:
        path: Output file, .mp4 or .gif.
        frames: uint8 RGB arrays (H, W, 3), all of the first frame's size; consumed one at a time.
        fps: Frames per second.
        audio_from: A video whose audio stream (if any) is copied into an MP4, packets unchanged.
        audio_start: Seconds of that audio to skip (the time of the first frame taken from it).
        overwrite: Replace an existing file.

    Returns:
        The path written.

    Raises:
        ValueError: a bad extension or path, no frames, or frames of different sizes.
    """
    path = check_output(path, overwrite=overwrite)
    fps = fractions.Fraction(fps).limit_denominator(1001 * 1000)
    if fps <= 0:
        raise ValueError(f"fps must be > 0. Received: fps={float(fps)}")
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError(f"write_video needs at least one frame. Received: no frames for '{path}'")
    gif = path.suffix.lower() == ".gif"
    with contextlib.ExitStack() as stack:
        file = stack.enter_context(files.atomic_write(path, overwrite=overwrite))
        container = stack.enter_context(av.open(file, "w", format="gif" if gif else "mp4"))
        height, width = first.shape[:2]
        stream = container.add_stream("gif" if gif else "libx264", rate=fps)
        stream.width, stream.height = (width, height) if gif else (width + width % 2, height + height % 2)
        stream.pix_fmt = "pal8" if gif else "yuv420p"
        if not gif:
            stream.options = {"crf": "18", "preset": "medium"}
        source = None if gif or audio_from is None else stack.enter_context(av.open(str(audio_from)))
        audio = source.streams.audio[0] if source and source.streams.audio else None
        copied = container.add_stream_from_template(audio) if audio else None
        count = 0
        for count, pixels in enumerate(itertools.chain([first], frames), start=1):
            if pixels.shape != first.shape:
                raise ValueError(f"every frame must have the first frame's shape {first.shape}. "
                                 f"Received: frame {count - 1} of shape {pixels.shape}")
            frame = _palette_frame(pixels) if gif else av.VideoFrame.from_ndarray(_even(pixels), format="rgb24")
            frame.pts = count - 1
            frame.time_base = 1 / fps
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if audio:
            _copy_audio(source, audio, copied, audio_start, count / fps)
    return path


def _open(path: pathlib.Path):
    """Opens a file that must hold a video stream; one-line `VideoError`s otherwise."""
    if not path.is_file():
        raise VideoError(f"Cannot read video '{path}': no such file.")
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise VideoError(f"Cannot read video '{path}': not a video file ({_reason(error)}).") from error
    if not container.streams.video:
        container.close()
        raise VideoError(f"Cannot read video '{path}': it has no video stream.")
    return container


def _reason(error: av.FFmpegError) -> str:
    return " ".join(str(getattr(error, "strerror", None) or error).split())


def _even(pixels: np.ndarray) -> np.ndarray:
    """Pads odd heights/widths by repeating the last row/column (yuv420p needs even sizes)."""
    height, width = pixels.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return np.ascontiguousarray(pixels)
    return np.pad(pixels, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def _palette_frame(pixels: np.ndarray) -> av.VideoFrame:
    """A pal8 frame with the frame's own 256-colour palette (median cut, Floyd-Steinberg dithering)."""
    quantized = PIL.Image.fromarray(np.ascontiguousarray(pixels)).quantize(256)
    colours = np.asarray(quantized.getpalette(), np.uint8).reshape(-1, 3)[:256]
    palette = np.full((256, 4), 255, np.uint8)  # PyAV's pal8 entries: alpha, red, green, blue
    palette[: len(colours), 1:] = colours
    return av.VideoFrame.from_ndarray((np.asarray(quantized), palette), format="pal8")


def _copy_audio(source, stream, target, start: float, duration: float) -> None:
    """Remuxes the audio packets of `stream` within [start, start + duration) seconds, shifted to time 0."""
    base = stream.start_time or 0
    offset = base + round(start / stream.time_base)
    end = offset + round(duration / stream.time_base)
    for packet in source.demux(stream):
        if packet.pts is None or packet.pts < offset or packet.pts >= end:
            continue
        packet.pts -= offset
        packet.dts = None if packet.dts is None else packet.dts - offset
        packet.stream = target
        target.container.mux(packet)
