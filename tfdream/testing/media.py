"""Images and video files made in the test itself: seeded, smooth enough to compress, tiny."""

from __future__ import annotations

import numpy as np


def sample_image(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth, seeded uint8 RGB test image (H, W, 3): gradients plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([yy / max(height - 1, 1), xx / max(width - 1, 1), 0.5 + 0 * yy], axis=-1) * 200 + 20
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)


def sample_video(path, frames: int = 8, height: int = 48, width: int = 64, fps: int = 12, *,
                 audio: bool = False, seed: int = 0) -> None:
    """Writes a small H.264 video (MP4 or any container PyAV writes) of a textured image panning right by 2
    px per frame, with a mono AAC tone when `audio`; `frames=0` writes a file with a video stream but no frame.
    """
    import av  # pylint: disable=import-outside-toplevel

    texture = sample_image(height, width + 2 * frames, seed)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        sound = container.add_stream("aac", rate=8000, layout="mono") if audio else None
        container.start_encoding()  # writes the header even when no frame follows
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(texture[:, 2 * index : 2 * index + width]),
                                               format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound:
            samples = 8000 * max(frames, 1) // fps
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 8000)).astype(np.float32)[None]
            for begin in range(0, samples, 1024):
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, begin : begin + 1024]), format="fltp",
                                                   layout="mono")
                chunk.sample_rate, chunk.pts = 8000, begin
                container.mux(sound.encode(chunk))
            container.mux(sound.encode())
