"""The `tfdream zoom` command: the infinite zoom; a rerun resumes."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import flags

from tfdream.cli import command, dreaming, shared

NAME = "zoom"

FRAMES = flags.DEFINE_integer("frames", 48, "zoom: frames to dream.", lower_bound=1)
ZOOM = flags.DEFINE_float("zoom", 1.05, "zoom: zoom factor per frame (> 1 zooms in).")
ROTATE = flags.DEFINE_float("rotate", 0.0, "zoom: degrees of rotation per frame (counter-clockwise).")
FPS = flags.DEFINE_float("fps", 12.0, "zoom: frames per second of the video.")
INTERPOLATE = flags.DEFINE_integer("interpolate", 0, "zoom: in-between frames (zoomed and cross-faded, not "
                                    "dreamed) per pair of dreamed frames.", lower_bound=0)


@command.command(NAME, [*shared.MOTION, shared.SIZE, FRAMES, ZOOM, ROTATE, FPS, INTERPOLATE])
def zoom_main(argv: list[str]) -> int:
    """The infinite zoom: dream, zoom and rotate about the centre, dream again; a rerun resumes.

    USAGE: tfdream zoom [INPUT] OUTPUT [flags]
      INPUT: image file or bundled sample name (default: coffee), or --size=H,W for noise; OUTPUT: .mp4 or .gif
    """
    from tfdream import motion
    from tfdream.core import callbacks

    source, output = shared.arguments(argv, shared.INPUT, shared.OUTPUT, optional=1)
    source = shared.source(source)
    dreamer = dreaming.motion_dreamer()
    with callbacks.StopOnInterrupt() as stop:
        result = motion.dream_zoom(dreamer, source.path, output, size=source.size, frames=FRAMES.value, zoom=ZOOM.value,
                                    rotate=ROTATE.value, fps=FPS.value, interpolate=INTERPOLATE.value,
                                    **dreaming.motion_options(stop))
    return dreaming.motion_exit(result, stop)
