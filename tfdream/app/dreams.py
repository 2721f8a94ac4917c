"""Dreams for the page: the callback that feeds it (`PageFeed`), the dream run in a worker thread while its
progress streams out (`stream`), the dreamer kept between dreams (`DreamerCache`), the stop of each visitor's
dream (`Stops`), the files written (`save`) and the errors a visitor can cause worded for the page (`problem`)."""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import numpy as np

from tfdream import models
from tfdream.app import settings
from tfdream.core import callbacks, sidecar
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import result as result_lib
from tfdream.io import sources

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The errors a visitor's choices can cause: shown as one line in the page; anything else is a bug, logged.
VISITOR_ERRORS = (ValueError, TypeError, OSError, MemoryError, ImportError, models.WeightsUnavailableError)


@dataclasses.dataclass
class Snapshot:
    """What the page shows of a dream in progress.

    Attributes:
        version: Counts the changes, so a reader knows when there is something new.
        fraction: Share of the work done, in [0, 1].
        text: Where the dream is and its ETA, as the command line's progress bar writes it.
        image: The latest image, uint8 RGB (h, w, 3) at its octave's size, or None.
        octaves: Each finished octave's image with a caption.
        losses: One row per step and term: {"step": steps so far, "term": label, "loss": value}.
    """

    version: int = 0
    fraction: float = 0.0
    text: str = "starting"
    image: np.ndarray | None = None
    octaves: list[tuple[np.ndarray, str]] = dataclasses.field(default_factory=list)
    losses: list[dict[str, Any]] = dataclasses.field(default_factory=list)


class PageFeed(callbacks.DreamProgress):
    """Feeds a `Snapshot` from a dream running in another thread: the progress and ETA after every step
    (`DreamProgress`, as the command line's `ProgressBar`), the losses, the image every `image_every` steps and
    after each octave; the dream stops after the current step once `stop` is set.

    Args:
        stop: Set to stop the dream (its result is then the image after the last finished step).
        image_every: Steps between images within an octave.
    """

    def __init__(self, stop: threading.Event, image_every: int = 4):
        self.stop = stop
        self.image_every = image_every
        self.prefix = ""
        self._snapshot = Snapshot()
        self._lock = threading.Lock()
        self._steps_done = 0

    def _change(self, **values) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self._snapshot, name, value)
            self._snapshot.version += 1

    def read(self) -> Snapshot:
        """A copy of the snapshot now."""
        with self._lock:
            snapshot = self._snapshot
            return dataclasses.replace(snapshot, octaves=list(snapshot.octaves), losses=list(snapshot.losses))

    def note(self, text: str) -> None:
        """Shows `text` as the progress line (e.g. "loading the model")."""
        self._change(text=text)

    def on_step(self, record: Mapping[str, Any]) -> None:
        super().on_step(record)
        self._steps_done += 1
        rows = [{"step": self._steps_done, "term": f"{self.prefix}{label}", "loss": float(value)}
                for label, value in callbacks.losses(record).items()]
        with self._lock:
            self._snapshot.losses.extend(rows)
        self._change(fraction=self.fraction, text=f"{self.where(self.prefix)} {self.numbers()}")

    def on_image(self, octave: int, step: int, image: np.ndarray) -> None:
        self._change(image=image)

    def on_octave_end(self, octave: int, image: np.ndarray) -> None:
        height, width = image.shape[:2]
        caption = f"{self.prefix}octave {octave + 1}/{self.octaves}: {width}x{height}"
        with self._lock:
            self._snapshot.octaves.append((image, caption))
        self._change(image=image)

    def should_stop(self) -> bool:
        return self.stop.is_set()


def stream(work: Callable[[], T], feed: PageFeed, interval: float = 0.25) -> Iterator[Snapshot]:
    """Runs `work` in a worker thread, yielding the feed's snapshot whenever it changed (checked every
    `interval` seconds); returns what `work` returns, or raises what it raised. A reader that goes away (the
    generator closed) stops the dream after its current step."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the reader's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="tfdream-dream", daemon=True)
    thread.start()
    seen = -1
    try:
        while thread.is_alive():
            thread.join(interval)
            snapshot = feed.read()
            if snapshot.version != seen:
                seen = snapshot.version
                yield snapshot
    finally:
        if thread.is_alive():
            feed.stop.set()
            thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class DreamerCache:
    """The last `Dreamer` built, reused while the model, weights and layers stay the same."""

    def __init__(self):
        self._key, self._dreamer = None, None
        self._lock = threading.Lock()

    def get(self, choice: settings.DreamerChoice) -> dreamer_lib.Dreamer:
        with self._lock:
            if choice.key != self._key:
                self._key, self._dreamer = None, None  # the old one is freed before the new one is built
                self._dreamer, self._key = choice.build(), choice.key
            return self._dreamer


class Stops:
    """One stop switch per visitor (a Gradio session), for the Stop button."""

    def __init__(self):
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def begin(self, session: str) -> threading.Event:
        """A fresh switch for the dream `session` starts."""
        with self._lock:
            event = self._events[session] = threading.Event()
        return event

    def stop(self, session: str) -> bool:
        """Sets `session`'s switch; False when it has no dream running."""
        with self._lock:
            event = self._events.get(session)
        if event is None or event.is_set():
            return False
        event.set()
        return True

    def end(self, session: str, event: threading.Event) -> None:
        with self._lock:
            if self._events.get(session) is event:
                del self._events[session]


def save(result: result_lib.DreamResult, folder: pathlib.Path, source: sources.Source) -> list[pathlib.Path]:
    """Writes the dream into `folder`: `dream.png`, its sidecar `dream.json` (`tfdream rerun` makes the image
    again), `dream_history.csv` and the loss plot `dream_losses.png`; returns their paths, and that of the kept
    input photo: downloaded beside the sidecar, it lets the sidecar rerun after the app has stopped."""
    written = sidecar.save_run(result, folder, "dream", source)
    plot = folder / "dream_losses.png"
    result.history.plot(plot, title="normalized loss per term")
    return [*written.values(), plot, *([source.path] if source.kind == "file" else [])]


def problem(error: BaseException) -> str:
    """One line for the page about `error`: a visitor's mistake as it is, anything else as an internal error
    (its traceback goes to the server's log, never to the page)."""
    if isinstance(error, models.WeightsUnavailableError):
        return error.describe("choose weights hed with vgg16 (offline), weights none (random), or a weights file")
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, VISITOR_ERRORS):
        return text
    logger.error("internal error in the app", exc_info=error)
    return f"internal error ({type(error).__name__}: {text}); the app goes on, details are in its log"
