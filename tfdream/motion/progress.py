"""`FrameProgress`: one line of frames done, seconds per frame and ETA after each frame of a motion run."""

from __future__ import annotations

import sys
import time
from typing import IO

import numpy as np

from tfdream.core import callbacks


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
            eta = callbacks.format_duration(per_frame * max(self._total - self._done, 0))
            line += f"/{self._total} [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%}"
        line += f" {per_frame:.2f} s/frame elapsed {callbacks.format_duration(elapsed)}"
        if self._total:
            line += f" ETA {eta}"
        self._out.write(f"\r{line}\x1b[K" if self._tty else f"{line}\n")
        self._out.flush()

    def end(self) -> None:
        """After the last frame."""
        if self._tty:
            self._out.write("\n")
            self._out.flush()
