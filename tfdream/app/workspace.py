"""`Workspace`: the app's one temporary folder, removed on exit: uploads, the inputs dreamed, every run's outputs.

    workspace/
      uploads/        what the browser uploads (Gradio's cache folder)
      inputs/         each photo, guide or mask dreamed, named by its content (so a sidecar's file stays put)
      runs/0001/      one dream's image, sidecar, loss CSV and plot; or one comparison's folder
"""

from __future__ import annotations

import itertools
import os
import pathlib
import shutil
import tempfile
import threading

from tfdream.io import files


class Workspace:
    """A temporary folder for one app's uploads and outputs; `close` (or leaving the `with`) removes it.

    Args:
        parent: Where the folder is made; None for the system's temporary folder.
    """

    def __init__(self, parent: str | os.PathLike | None = None):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="tfdream-app-", dir=parent)).resolve()
        self.uploads = self.root / "uploads"
        self.inputs = self.root / "inputs"
        self.runs = self.root / "runs"
        for folder in (self.uploads, self.inputs, self.runs):
            folder.mkdir()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Removes the folder and everything in it."""
        shutil.rmtree(self.root, ignore_errors=True)

    def keep(self, path: str | os.PathLike) -> pathlib.Path:
        """A copy of the file at `path` in `inputs/`, named by its sha256 (the same content keeps one name)."""
        path = pathlib.Path(path)
        kept = self.inputs / f"{files.sha256(path)[:16]}{path.suffix.lower()}"
        if not kept.exists():
            with files.atomic_write(kept) as handle, path.open("rb") as original:
                shutil.copyfileobj(original, handle)
        return kept

    def new_run(self) -> pathlib.Path:
        """A new empty folder in `runs/`, numbered in order."""
        with self._lock:
            folder = self.runs / f"{next(self._numbers):04d}"
        folder.mkdir()
        return folder
