"""The callback protocol of a dream (`Callback`, run together by `CallbackList`) and ready-made callbacks: a
progress bar, TensorBoard logging, and a Ctrl-C stop.

    with callbacks.StopOnInterrupt() as stop:
        result = dreamer.dream(image, callbacks=[callbacks.ProgressBar(), callbacks.TensorBoard("logs"), stop])
    if result.interrupted:
        ...  # the image is the one after the last finished step
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

import numpy as np
import tensorflow as tf

from tfdream import history

logger = logging.getLogger(__name__)

_NOT_LOSSES = frozenset(history.FIXED_COLUMNS + ("skipped",)) - {"total"}


class Callback:
    """Hooks into a dream. Override what you need; every method does nothing by default."""

    def on_begin(self, config: Any, shapes: Sequence[tuple[int, int]]) -> None:
        """Before the first octave: the dream's config and the octave shapes to be dreamed."""

    def on_octave_begin(self, octave: int, shape: tuple[int, int]) -> None:
        """Before octave number `octave` (an index into the dreamed shapes)."""

    def on_step(self, record: Mapping[str, Any]) -> None:
        """After each step, with its history record."""

    def on_octave_end(self, octave: int, image: np.ndarray) -> None:
        """After each octave, with the image so far: uint8 RGB (h, w, 3) at that octave's size."""

    def on_end(self, result: Any) -> None:
        """After the dream, with its `DreamResult`."""

    def should_stop(self) -> bool:
        """Checked after every step: True ends the dream there (the result is marked interrupted)."""
        return False


class CallbackList(Callback):
    """Several callbacks called as one, in order; `should_stop` when any of them says so.

    Args:
        callbacks: The callbacks.
    """

    def __init__(self, callbacks: Sequence[Callback] = ()):
        self.callbacks = list(callbacks)

    def __bool__(self) -> bool:
        return bool(self.callbacks)

    def on_begin(self, config: Any, shapes: Sequence[tuple[int, int]]) -> None:
        for callback in self.callbacks:
            callback.on_begin(config, shapes)

    def on_octave_begin(self, octave: int, shape: tuple[int, int]) -> None:
        for callback in self.callbacks:
            callback.on_octave_begin(octave, shape)

    def on_step(self, record: Mapping[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_step(record)

    def on_octave_end(self, octave: int, image: np.ndarray) -> None:
        for callback in self.callbacks:
            callback.on_octave_end(octave, image)

    def on_end(self, result: Any) -> None:
        for callback in self.callbacks:
            callback.on_end(result)

    def should_stop(self) -> bool:
        return any(callback.should_stop() for callback in self.callbacks)


def _losses(record: Mapping[str, Any]) -> dict[str, float]:
    """The total and per-layer losses of a history record."""
    return {key: value for key, value in record.items() if key not in _NOT_LOSSES}


class ProgressBar(Callback):
    """One self-updating line on a stream: octave, step, a bar, the total loss, elapsed time and ETA.

    The ETA weights each remaining step by its octave's pixel count, so large final octaves are
    accounted for. On a terminal the line is rewritten in place (`\\r`) at most every `interval` seconds;
    elsewhere (a log file, a pipe) a new line is written at most every `interval` seconds. The first and
    last steps of each octave are always shown.

    Args:
        stream: Where to write; `sys.stderr` (looked up at each dream) when None.
        width: Characters of the bar.
        interval: Minimum seconds between updates; default 0.1 on a terminal, 10 otherwise.
        prefix: Text in front of the line, e.g. the run's name in a comparison.
    """

    def __init__(self, stream: IO[str] | None = None, *, width: int = 20, interval: float | None = None,
                 prefix: str = ""):
        self.stream = stream
        self.width = width
        self.interval = interval
        self.prefix = prefix

    def on_begin(self, config: Any, shapes: Sequence[tuple[int, int]]) -> None:
        self._out = self.stream or sys.stderr
        self._tty = self._out.isatty() if hasattr(self._out, "isatty") else False
        self._every = self.interval if self.interval is not None else (0.1 if self._tty else 10.0)
        self._steps = config.steps
        self._pixels = [height * width for height, width in shapes]
        self._total_work = sum(self._pixels) * self._steps
        self._work = 0
        self._start = time.monotonic()
        self._shown = float("-inf")

    def on_octave_begin(self, octave: int, shape: tuple[int, int]) -> None:
        self._octave = octave

    def on_step(self, record: Mapping[str, Any]) -> None:
        self._work += self._pixels[self._octave]
        now = time.monotonic()
        step = record["step"] + 1
        if step not in (1, self._steps) and now - self._shown < self._every:
            return
        self._shown = now
        elapsed = now - self._start
        eta = elapsed / self._work * (self._total_work - self._work)
        done = self._work / self._total_work
        filled = round(done * self.width)
        line = (
            f"{self.prefix}octave {self._octave + 1}/{len(self._pixels)} step {step}/{self._steps} "
            f"[{'#' * filled}{'.' * (self.width - filled)}] {done:4.0%} loss {record['total']:.4g} "
            f"elapsed {_duration(elapsed)} ETA {_duration(eta)}"
        )
        self._out.write(f"\r{line}\x1b[K" if self._tty else f"{line}\n")
        self._out.flush()

    def on_end(self, result: Any) -> None:
        if self._tty:
            self._out.write("\n")
            self._out.flush()


def _duration(seconds: float) -> str:
    return str(datetime.timedelta(seconds=round(seconds)))


class StepTimer(Callback):
    """Records the time at the end of every step (`time.perf_counter`), for measuring speed.

    Attributes:
        times: Seconds at the end of each step.
    """

    def __init__(self):
        self.times: list[float] = []

    def on_step(self, record: Mapping[str, Any]) -> None:
        self.times.append(time.perf_counter())

    @property
    def seconds_per_step(self) -> float:
        """Mean seconds per step after the first (which also traces and allocates); needs two steps."""
        if len(self.times) < 2:
            raise ValueError(f"seconds_per_step needs at least two steps. Received: {len(self.times)} steps")
        return (self.times[-1] - self.times[0]) / (len(self.times) - 1)


class TensorBoard(Callback):
    """Writes every step's losses as scalars and each octave's image to a TensorBoard log folder.

    Scalars are `loss/total` and `loss/<layer>` against the global step (counted over all octaves);
    images are `octave` (at the end of each octave, at its size) and `dream` (the final image).

    Args:
        logdir: Folder of the event files (created if missing).
    """

    def __init__(self, logdir: str | os.PathLike):
        self.logdir = os.fspath(logdir)
        self._writer = None

    def on_begin(self, config: Any, shapes: Sequence[tuple[int, int]]) -> None:
        self._writer = tf.summary.create_file_writer(self.logdir)
        self._step = 0

    def on_step(self, record: Mapping[str, Any]) -> None:
        with self._writer.as_default():
            for label, value in _losses(record).items():
                tf.summary.scalar(f"loss/{_tag(label)}", value, step=self._step)
        self._step += 1

    def on_octave_end(self, octave: int, image: np.ndarray) -> None:
        with self._writer.as_default():
            tf.summary.image("octave", image[np.newaxis], step=self._step)

    def on_end(self, result: Any) -> None:
        with self._writer.as_default():
            tf.summary.image("dream", result.image[np.newaxis], step=self._step)
        self._writer.close()


def _tag(label: str) -> str:
    """A layer label as a valid summary name: "mixed4[1,2]" -> "mixed4_1_2"."""
    return re.sub(r"[^A-Za-z0-9_.\-/]+", "_", label).strip("_")


class StopOnInterrupt(Callback):
    """Turns the first Ctrl-C (SIGINT) into a clean stop after the current step.

    Use as a context manager around the dream(s): it installs its SIGINT handler on entry and restores the
    previous one on exit. A second Ctrl-C raises `KeyboardInterrupt` as usual. Must be entered in the
    main thread (Python delivers signals there only).

    Attributes:
        interrupted: Whether SIGINT was received.
    """

    def __init__(self):
        self.interrupted = False
        self._previous = None

    def __enter__(self) -> StopOnInterrupt:
        self.interrupted = False
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame) -> None:
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        logger.warning("interrupted: stopping after the current step and saving (Ctrl-C again to abort)")

    def should_stop(self) -> bool:
        return self.interrupted
