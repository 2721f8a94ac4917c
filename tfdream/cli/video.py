"""The `tfdream video` command: every frame of a video dreamed coherently over time; a rerun resumes."""
# pylint: disable=import-outside-toplevel

from __future__ import annotations

from absl import flags

from tfdream.base import choices
from tfdream.cli import command, dreaming, shared

NAME = "video"

COHERENCE = flags.DEFINE_enum("coherence", "flow", choices.COHERENCE, "video: start each frame from the previous "
                               "dream warped by optical flow (flow), as it is (blend), or not at all (none).")
BLEND = flags.DEFINE_float("blend", 0.5, "video: share of the new source frame in a frame's start.",
                            lower_bound=0.0, upper_bound=1.0)
START = flags.DEFINE_integer("start", 0, "video: first source frame (from 0).", lower_bound=0)
END = flags.DEFINE_integer("end", None, "video: source frame to stop before (default: the end).", lower_bound=1)
EVERY = flags.DEFINE_integer("every", 1, "video: dream every N-th source frame.", lower_bound=1)


@command.command(NAME, [*shared.MOTION, COHERENCE, BLEND, START, END, EVERY])
def video_main(argv: list[str]) -> int:
    """Dreams every frame of a video, coherently over time (optical flow); a rerun resumes an interrupted one.

    USAGE: tfdream video INPUT OUTPUT [flags]
      INPUT: a video file; OUTPUT: .mp4 (the input's audio is copied) or .gif
    """
    from tfdream import motion
    from tfdream.core import callbacks

    source, output = shared.arguments(argv, shared.INPUT, shared.OUTPUT)
    dreamer = dreaming.motion_dreamer()
    with callbacks.StopOnInterrupt() as stop:
        result = motion.dream_video(dreamer, source, output, coherence=COHERENCE.value, blend=BLEND.value,
                                     start=START.value, end=END.value, every=EVERY.value,
                                     **dreaming.motion_options(stop))
    return dreaming.motion_exit(result, stop)
