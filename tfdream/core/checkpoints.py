"""Checkpoints of a dream in progress, so a long dream stopped by a signal or a crash goes on where it was.

A checkpoint (`dream.checkpoint.npz` beside `dream.png`, written atomically) holds the float32 image after the
last finished step, where that step was, the state of the seeded generator that draws the random rolls and
transforms, the loss history so far, a parameterized dream's parameters and optimizer moments, and what is
needed to set the dream up again: the input record (as in sidecars), the config and the dreamer's config.
Continuing from it (`tfdream.sidecar.resume`, `tfdream resume`) ends with the image and history an
uninterrupted dream with the same seed makes, bit for bit.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from tfdream.io import files

FORMAT = "tfdream.checkpoint/1"
OPTIMIZER_PREFIX = "optimizer_"  # the arrays of `DreamState.optimizer` in the file


def checkpoint_path(image_path: str | os.PathLike) -> pathlib.Path:
    """`dream.png` -> `dream.checkpoint.npz`."""
    return pathlib.Path(image_path).with_suffix(".checkpoint.npz")


@dataclasses.dataclass(frozen=True)
class DreamState:
    """Where a dream is, after a finished step.

    Attributes:
        octave: Index into the dream's octave shapes.
        step: The next step to take in that octave (the config's `steps` when its steps are all done).
        image: float32 (h, w, 3), model space, at that octave's size.
        rng: `numpy.random.Generator.bit_generator.state` of the generator that draws the rolls.
        records: The `LossHistory` records so far.
        optimizer: A parameterized dream's `optimizers.ParameterStep.state()` at that step (its parameters and
            moments: the image alone does not give them back bit for bit); empty for a pixel-space ascent.
    """

    octave: int
    step: int
    image: np.ndarray
    rng: Mapping[str, Any]
    records: tuple[Mapping[str, Any], ...]
    optimizer: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A checkpoint file's content: the state and how to set the dream up again.

    Attributes:
        path: The checkpoint file.
        state: The dream's state after its last finished step.
        source: The input record (`tfdream.sidecar.describe_input`).
        config: `DreamConfig.get_config()` of the dream, with its seed.
        dreamer: `Dreamer.get_config()`.
        image_path: Where the finished image goes.
    """

    path: pathlib.Path
    state: DreamState
    source: Mapping[str, Any]
    config: Mapping[str, Any]
    dreamer: Mapping[str, Any]
    image_path: str


class Checkpointer:
    """Saves a dream's state when it is stopped and every `every` seconds, to one file replaced atomically.

    Args:
        path: The checkpoint file (see `checkpoint_path`).
        source: The input record (`tfdream.sidecar.describe_input`), so the dream can be set up again.
        image_path: Where the finished image is to be written.
        every: Seconds between periodic checkpoints; None for checkpoints only when the dream is stopped.
    """

    def __init__(self, path: str | os.PathLike, *, source: Mapping[str, Any], image_path: str | os.PathLike,
                 every: float | None = 600.0):
        if every is not None and not every > 0:
            raise ValueError(f"every must be None or > 0 seconds. Received: every={every!r}")
        self.path = pathlib.Path(path)
        self.source = dict(source)
        self.image_path = str(pathlib.Path(image_path).resolve())
        self.every = every
        self._last = time.monotonic()

    def due(self) -> bool:
        """Whether `every` seconds have passed since the last checkpoint (or the start)."""
        return self.every is not None and time.monotonic() - self._last >= self.every

    def save(self, state: DreamState, config: Mapping[str, Any], dreamer: Mapping[str, Any]) -> pathlib.Path:
        """Writes the checkpoint atomically, replacing the previous one."""
        header = {"format": FORMAT, "octave": state.octave, "step": state.step, "rng": state.rng,
                  "records": list(state.records), "source": self.source, "config": dict(config),
                  "dreamer": dict(dreamer), "image_path": self.image_path}
        with files.atomic_write(self.path, overwrite=True) as file:  # straight to the file: no copy in memory
            np.savez(file, image=state.image, header=np.frombuffer(json.dumps(header).encode(), np.uint8),
                     **{OPTIMIZER_PREFIX + name: array for name, array in state.optimizer.items()})
        self._last = time.monotonic()
        return self.path

    def remove(self) -> None:
        """Deletes the checkpoint once the dream it belongs to is saved."""
        self.path.unlink(missing_ok=True)


def load(path: str | os.PathLike) -> Checkpoint:
    """Reads a checkpoint; a ValueError names the file if it is not one."""
    path = pathlib.Path(path)
    try:
        with np.load(path) as arrays:
            header = json.loads(arrays["header"].tobytes().decode())
            image = arrays["image"]
            optimizer = {name[len(OPTIMIZER_PREFIX):]: arrays[name] for name in arrays.files
                         if name.startswith(OPTIMIZER_PREFIX)}
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"cannot read checkpoint {str(path)!r}: {error}") from error
    if header.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a tfdream checkpoint ({FORMAT})")
    state = DreamState(header["octave"], header["step"], image, header["rng"], tuple(header["records"]), optimizer)
    return Checkpoint(path, state, header["source"], header["config"], header["dreamer"], header["image_path"])
