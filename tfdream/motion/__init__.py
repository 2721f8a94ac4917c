"""Dreams that move: videos dreamed frame by frame without flicker (`video`: optical flow in `flow`), and the
infinite zoom (`zoom`). Every frame is dreamed by `Dreamer.dream` (tiles, octaves, history, callbacks) and saved
in a work folder (`work`) from which a rerun resumes to the frames an uninterrupted run makes; `progress` shows
frames and ETA. It takes a `Dreamer` and may import `tfdream.core` and below.

    from tfdream import Dreamer, motion
    motion.dream_video(Dreamer("vgg16", weights="hed"), "in.mp4", "out.mp4", later_steps=4)
"""

from tfdream.motion.flow import flow_reliability, optical_flow, warp
from tfdream.motion.progress import FrameProgress
from tfdream.motion.video import COHERENCE, dream_video
from tfdream.motion.work import MANIFEST, MotionResult, WorkFolder, frame_seed
from tfdream.motion.zoom import dream_zoom, zoom_rotate

__all__ = ["COHERENCE", "MANIFEST", "FrameProgress", "MotionResult", "WorkFolder", "dream_video", "dream_zoom",
           "flow_reliability", "frame_seed", "optical_flow", "warp", "zoom_rotate"]
