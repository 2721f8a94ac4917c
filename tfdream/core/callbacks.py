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

from tfdream.core import history
from tfdream.io import display

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

    # Steps between `on_image` calls (0: never); the image is made only for callbacks that ask for it.
    image_every: int = 0

    def on_image(self, octave: int, step: int, image: np.ndarray) -> None:
        """After every `image_every`-th step of an octave (step numbers from 0), with the image so far: uint8
        RGB (h, w, 3) at the octave's size."""

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

    def wants_image(self, step: int) -> bool:
        """Whether a callback asks for the image after step number `step` (from 0) of an octave."""
        return any(_wants_image(callback, step) for callback in self.callbacks)

    def on_image(self, octave: int, step: int, image: np.ndarray) -> None:
        for callback in self.callbacks:
            if _wants_image(callback, step):
                callback.on_image(octave, step, image)

    def on_end(self, result: Any) -> None:
        for callback in self.callbacks:
            callback.on_end(result)

    def should_stop(self) -> bool:
        return any(callback.should_stop() for callback in self.callbacks)


def _wants_image(callback: Callback, step: int) -> bool:
    return isinstance(callback, CallbackList) and callback.wants_image(step) or (
        callback.image_every > 0 and (step + 1) % callback.image_every == 0)


def losses(record: Mapping[str, Any]) -> dict[str, float]:
    """The total and per-layer losses of a history record."""
    return {key: value for key, value in record.items() if key not in _NOT_LOSSES}


class DreamProgress(Callback):
    """How far a dream has come: octave, step, the share of the work done, elapsed time and ETA.

    The work of a step is its octave's pixel count, so the ETA (the elapsed time per unit of work times the
    work left) accounts for the large final octaves. `ProgressBar` shows it; other displays (the web app) read
    the same numbers.

    Attributes:
        octave: Index of the octave being dreamed.
        step: Steps finished in that octave.
        loss: The total loss of the last step.
    """

    def on_begin(self, config: Any, shapes: Sequence[tuple[int, int]]) -> None:
        self.steps = config.steps
        self.octaves = len(shapes)
        self._pixels = [height * width for height, width in shapes]
        self._total_work = sum(self._pixels) * self.steps
        self._work = 0
        self._start = time.monotonic()
        self.octave, self.step, self.loss = 0, 0, float("nan")

    def on_octave_begin(self, octave: int, shape: tuple[int, int]) -> None:
        self.octave = octave

    def on_step(self, record: Mapping[str, Any]) -> None:
        self._work += self._pixels[self.octave]
        self.step = record["step"] + 1
        self.loss = record["total"]

    @property
    def fraction(self) -> float:
        """Share of the dream's work done, in [0, 1]."""
        return self._work / self._total_work

    @property
    def elapsed(self) -> float:
        """Seconds since the dream began."""
        return time.monotonic() - self._start

    @property
    def eta(self) -> float:
        """Seconds left at the rate so far (0 before the first step)."""
        return self.elapsed / self._work * (self._total_work - self._work) if self._work else 0.0

    def where(self, prefix: str = "") -> str:
        """E.g. "octave 2/3 step 4/8"."""
        return f"{prefix}octave {self.octave + 1}/{self.octaves} step {self.step}/{self.steps}"

    def numbers(self) -> str:
        """E.g. " 42% loss 1.234 elapsed 0:00:03 ETA 0:00:04"."""
        return (f"{self.fraction:4.0%} loss {self.loss:.4g} elapsed {format_duration(self.elapsed)} "
                f"ETA {format_duration(self.eta)}")


class ProgressBar(DreamProgress):
    """A self-updating progress line: octave, step, a bar, the total loss, elapsed time and ETA (`DreamProgress`).

    On a terminal the line is rewritten in place (`\\r`) at most every `interval` seconds; elsewhere (a log
    file, a pipe) a new line is written at most every `interval` seconds. In a Jupyter or Colab notebook (when
    no `stream` is given) it is an HTML progress bar updated in place in the cell's output, with no widget
    library needed. The first and last steps of each octave are always shown.

    Args:
        stream: Where to write; `sys.stderr` (looked up at each dream) when None, or the notebook cell.
        width: Characters of the text bar.
        interval: Minimum seconds between updates; default 0.1 on a terminal, 0.5 in a notebook, 10 otherwise.
        prefix: Text in front of the line, e.g. the run's name in a comparison.
        show_octaves: In a notebook, also show each finished octave's image under the bar.
    """

    def __init__(self, stream: IO[str] | None = None, *, width: int = 20, interval: float | None = None,
                 prefix: str = "", show_octaves: bool = False):
        self.stream = stream
        self.width = width
        self.interval = interval
        self.prefix = prefix
        self.show_octaves = show_octaves

    def on_begin(self, config: Any, shapes: Sequence[tuple[int, int]]) -> None:
        super().on_begin(config, shapes)
        self._notebook = display.NotebookDisplay() if self.stream is None and display.in_notebook() else None
        self._out = self.stream or sys.stderr
        self._tty = self._notebook is None and hasattr(self._out, "isatty") and self._out.isatty()
        default_interval = 0.1 if self._tty else 0.5 if self._notebook else 10.0
        self._every = self.interval if self.interval is not None else default_interval
        self._shown = float("-inf")

    def on_step(self, record: Mapping[str, Any]) -> None:
        super().on_step(record)
        now = time.monotonic()
        if self.step not in (1, self.steps) and now - self._shown < self._every:
            return
        self._shown = now
        where, numbers = self.where(self.prefix), self.numbers()
        if self._notebook is not None:
            self._notebook.update(display.progress_html(self.fraction, f"{where} {numbers}"))
            return
        filled = round(self.fraction * self.width)
        line = f"{where} [{'#' * filled}{'.' * (self.width - filled)}] {numbers}"
        self._out.write(f"\r{line}\x1b[K" if self._tty else f"{line}\n")
        self._out.flush()

    def on_octave_end(self, octave: int, image: np.ndarray) -> None:
        if self.show_octaves and self._notebook is not None:
            height, width = image.shape[:2]
            self._notebook.show_image(image, f"{self.prefix}octave {octave + 1}/{self.octaves}: {width}x{height}")

    def on_end(self, result: Any) -> None:
        if self._tty:
            self._out.write("\n")
            self._out.flush()


def format_duration(seconds: float) -> str:
    """Seconds as H:MM:SS, rounded to the second."""
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
            for label, value in losses(record).items():
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


# The signals that ask a program to end: Ctrl-C, `kill`/`timeout`/schedulers/container runtimes, a closed terminal.
class StopAfterSteps(Callback):
    """Stops a dream after `steps` steps in all (octaves and frames together): to replay an interrupted dream
    to the step where it stopped, or to interrupt one on purpose."""

    def __init__(self, steps: int):
        self.remaining = steps

    def on_step(self, record: Mapping[str, Any]) -> None:
        self.remaining -= 1

    def should_stop(self) -> bool:
        return self.remaining <= 0


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Aborted(KeyboardInterrupt):
    """A second stop signal arrived during a dream: the run ends at once (no output is half-written).

    Attributes:
        signum: The signal's number.
    """

    def __init__(self, signum: int):
        super().__init__(f"aborted by {signal.Signals(signum).name}")
        self.signum = signum


class StopOnInterrupt(Callback):
    """Turns the first stop signal (Ctrl-C's SIGINT, SIGTERM, SIGHUP) into a clean stop after the current step.

    Use as a context manager around the dream(s): it installs its handlers on entry and restores the previous
    ones on exit. A second signal raises `Aborted` (a `KeyboardInterrupt`) at once. Must be entered in the main
    thread (Python delivers signals there only).

    Attributes:
        interrupted: Whether a stop signal was received.
        signum: The first stop signal received, or None.
    """

    def __init__(self):
        self.interrupted = False
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopOnInterrupt:
        self.interrupted, self.signum = False, None
        self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _handle(self, signum, frame) -> None:
        if self.interrupted:
            raise Aborted(signum)
        self.interrupted, self.signum = True, signum
        logger.warning("%s: stopping after the current step and saving (send it again to abort)",
                       signal.Signals(signum).name)

    @property
    def exit_status(self) -> int:
        """The shell's status for the stop: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM), else 0."""
        if not self.interrupted:
            return 0
        return 128 + (self.signum or signal.SIGINT)

    def should_stop(self) -> bool:
        return self.interrupted
