"""A JSON record next to every dreamed image, from which the dream can be made again.

`dream.png` gets `dream.json`:

```json
{
  "image": "dream.png",
  "input": {"path": "/photos/cat.jpg", "sha256": "9f2c...", "max_dim": 512},
  "seed": 1234,
  "config": {"steps": 50, "step_size": 0.01, "octaves": [-2, -1, 0], "...": "..."},
  "dreamer": {"model": "inception_v3", "weights": "imagenet", "terms": ["..."], "...": "..."},
  "steps_completed": 150,
  "interrupted": false,
  "versions": {"tfdream": "0.1.0", "tensorflow": "2.21.0", "keras": "3.15.0", "python": "3.12.3", "numpy": "2.4.6"}
}
```

The input is a file (`path`, `sha256`), one of the bundled samples (`sample`, `sha256`), or seeded noise
(`noise_size`: [height, width]). `rerun` rebuilds the dreamer with `Dreamer.from_config` and dreams again
with the same config and seed; on the same machine and versions the image is bit-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import platform
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

import tfdream
from tfdream import config as config_lib
from tfdream import dreamer as dreamer_lib
from tfdream import checkpoints, history, images, samples


def sidecar_path(image_path: str | os.PathLike) -> pathlib.Path:
    """`dream.png` -> `dream.json`."""
    return pathlib.Path(image_path).with_suffix(".json")


def describe_input(
    image: str | os.PathLike | None, *, size: Sequence[int] | None = None, max_dim: int | None = None
) -> dict[str, Any]:
    """The sidecar's record of a dream's input.

    Args:
        image: The input file, or None for noise.
        size: (height, width) of the noise, with `image=None`.
        max_dim: The `max_dim` the file was loaded with.

    Returns:
        `{"path"|"sample", "sha256", "max_dim"}` for a file, `{"noise_size": [h, w]}` for noise.
    """
    if image is None:
        if size is None:
            raise ValueError("size is required when image is None (a dream from noise). Received: size=None")
        return {"noise_size": [int(side) for side in size]}
    path = pathlib.Path(image).resolve()
    if not path.is_file():
        raise images.ImageError(f"Cannot load image '{path}': no such file.")
    bundled = {samples.path(name).resolve(): name for name in samples.NAMES}
    where = {"sample": bundled[path]} if path in bundled else {"path": str(path)}
    return {**where, "sha256": _sha256(path), "max_dim": max_dim}


def _sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(
    result: dreamer_lib.DreamResult,
    image_path: str | os.PathLike,
    source: Mapping[str, Any],
    checkpoint: str | os.PathLike | None = None,
) -> dict:
    """The sidecar document of `result`, saved as `image_path`, dreamed from `source` (`describe_input`), with
    the checkpoint an interrupted dream goes on from (`tfdream resume`)."""
    return {
        "image": pathlib.Path(image_path).name,
        "input": dict(source),
        "seed": result.seed,
        "config": result.config.to_dict(),
        "dreamer": result.dreamer,
        "steps_completed": len(result.history),
        "interrupted": result.interrupted,
        **({"checkpoint": pathlib.Path(checkpoint).name} if checkpoint is not None else {}),
        "versions": {
            "tfdream": tfdream.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
    }


def write(
    result: dreamer_lib.DreamResult,
    image_path: str | os.PathLike,
    source: Mapping[str, Any],
    *,
    overwrite: bool = False,
    checkpoint: str | os.PathLike | None = None,
) -> pathlib.Path:
    """Writes the sidecar of the image saved at `image_path` atomically (naming the `checkpoint` beside it that
    an interrupted dream goes on from); returns its path."""
    path = sidecar_path(image_path)
    with images.atomic_write(path, overwrite=overwrite, mode="w") as file:
        file.write(json.dumps(build(result, image_path, source, checkpoint), indent=2) + "\n")
    return path


def read(path: str | os.PathLike) -> dict[str, Any]:
    """Reads a sidecar; a ValueError names the file if it is not one."""
    path = pathlib.Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read sidecar {str(path)!r}: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{str(path)!r} is not a tfdream sidecar: not a JSON object")
    missing = [key for key in ("input", "config", "dreamer", "steps_completed") if key not in data]
    if missing:
        raise ValueError(f"{str(path)!r} is not a tfdream sidecar: it lacks {missing}")
    return data


def input_image(source: Mapping[str, Any]) -> pathlib.Path | None:
    """The file a sidecar's input record names (None for noise), checked against its sha256."""
    if "noise_size" in source:
        return None
    path = samples.path(source["sample"]) if "sample" in source else pathlib.Path(source["path"])
    if not path.is_file():
        raise images.ImageError(f"Cannot load image '{path}': no such file (the sidecar's input).")
    if _sha256(path) != source["sha256"]:
        raise ValueError(f"input {str(path)!r} has changed since the dream: its sha256 differs from the sidecar's")
    return path


class _StopAfter(history.Callback):
    """Stops a dream after `steps` steps in all, to replay an interrupted one."""

    def __init__(self, steps: int):
        self.remaining = steps

    def on_step(self, record: Mapping[str, Any]) -> None:
        self.remaining -= 1

    def should_stop(self) -> bool:
        return self.remaining <= 0


def rerun(
    path: str | os.PathLike,
    *,
    callbacks: Sequence[history.Callback] = (),
    strategy: tf.distribute.Strategy | None = None,
) -> dreamer_lib.DreamResult:
    """Dreams again what the sidecar at `path` records (an interrupted dream stops at the same step).

    Args:
        path: A sidecar JSON file.
        callbacks: Extra callbacks (progress, ...).
        strategy: Where to run (see `Dreamer`); not part of the record, since it does not change the image.

    Returns:
        The new `DreamResult`.
    """
    data = read(path)
    source = data["input"]
    image = input_image(source)
    dreamer = dreamer_lib.Dreamer.from_config(data["dreamer"], strategy=strategy)
    replay = [_StopAfter(data["steps_completed"])] if data.get("interrupted") else []
    return dreamer.dream(
        image,
        size=None if image is not None else tuple(source["noise_size"]),
        config=config_lib.DreamConfig(**data["config"]),
        max_dim=source.get("max_dim"),
        callbacks=[*replay, *callbacks],
    )


def find_checkpoint(path: str | os.PathLike) -> pathlib.Path:
    """The checkpoint file `path` is, or that the sidecar at `path` names."""
    path = pathlib.Path(path)
    if path.suffix != ".json":
        return path
    data = read(path)
    if "checkpoint" not in data:
        raise ValueError(f"{str(path)!r} names no checkpoint: its dream was not interrupted, or was made with "
                         "checkpoints off; `tfdream rerun` makes it again")
    return path.with_name(data["checkpoint"])


def resume(
    path: str | os.PathLike | checkpoints.Checkpoint,
    *,
    callbacks: Sequence[history.Callback] = (),
    strategy: tf.distribute.Strategy | None = None,
    checkpoint_every: float | None = 600.0,
) -> tuple[dreamer_lib.DreamResult, checkpoints.Checkpointer]:
    """Goes on with an interrupted dream from its checkpoint, to the image an uninterrupted dream makes.

    Args:
        path: A checkpoint file or one loaded, or the sidecar of the interrupted dream's image (which names its
            checkpoint).
        callbacks: Extra callbacks (progress, stop on signals, ...).
        strategy: Where to run (see `Dreamer`).
        checkpoint_every: Seconds between checkpoints while it goes on (None: only when stopped again).

    Returns:
        The result (interrupted again if a callback stopped it) and the checkpointer, whose `image_path` is
        where the dream's image belongs and whose file is to be removed once the result is saved.
    """
    saved = path if isinstance(path, checkpoints.Checkpoint) else checkpoints.load(find_checkpoint(path))
    image = input_image(saved.source)
    checkpointer = checkpoints.Checkpointer(saved.path, source=saved.source, image_path=saved.image_path,
                                            every=checkpoint_every)
    dreamer = dreamer_lib.Dreamer.from_config(saved.dreamer, strategy=strategy)
    result = dreamer.dream(
        image,
        size=None if image is not None else tuple(saved.source["noise_size"]),
        config=config_lib.DreamConfig(**saved.config),
        max_dim=saved.source.get("max_dim"),
        callbacks=callbacks,
        checkpoint=checkpointer,
        resume_from=saved.state,
    )
    return result, checkpointer
