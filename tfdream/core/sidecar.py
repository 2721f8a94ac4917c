"""A JSON record next to every dreamed image, from which the dream can be made again.

`dream.png` gets `dream.json`:

```json
{
  "image": "dream.png",
  "input": {"path": "/photos/cat.jpg", "sha256": "9f2c...", "max_dim": 512},
  "seed": 1234,
  "config": {"steps": 8, "step_size": 0.04, "octaves": [-2, -1, 0], "...": "..."},
  "dreamer": {"model": "inception_v3", "weights": "imagenet", "terms": ["..."], "...": "..."},
  "steps_completed": 24,
  "interrupted": false,
  "versions": {"tfdream": "0.1.0", "tensorflow": "2.21.0", "keras": "3.15.0", "python": "3.12.3", "numpy": "2.4.6"}
}
```

The input is a `sources.Source`'s record: a file (`path`, `sha256`), one of the bundled samples (`sample`,
`sha256`), or seeded noise (`noise_size`: [height, width]). Every part is a `get_config()` that the matching
`from_config` reads back (`Sidecar`). `rerun` rebuilds the dreamer with `Dreamer.from_config` and dreams again
with the same config and seed; on the same machine and versions the image is bit-identical. An image of a batch
dreamed together (`Dreamer(batch=N)`) says which it is (`"member": 3`): its rerun dreams the whole batch again.
"""

from __future__ import annotations

import dataclasses
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
from tfdream.core import callbacks as callbacks_lib
from tfdream.core import checkpoints
from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import result as result_lib
from tfdream.io import files, sources


def sidecar_path(image_path: str | os.PathLike) -> pathlib.Path:
    """`dream.png` -> `dream.json`."""
    return pathlib.Path(image_path).with_suffix(".json")


def describe_input(
    image: str | os.PathLike | None, *, size: Sequence[int] | None = None, max_dim: int | None = None
) -> dict[str, Any]:
    """The sidecar's record of a dream's input: `sources.as_source(image, size=size, max_dim=max_dim).get_config()`.

    Raises:
        ValueError: `image` is None without a `size`.
        images.ImageError: the file does not exist.
    """
    if image is None and size is None:
        raise ValueError("size is required when image is None (a dream from noise). Received: size=None")
    return sources.as_source(image, size=size, max_dim=None if image is None else max_dim).get_config()


@dataclasses.dataclass(frozen=True)
class Sidecar:
    """A sidecar document: what made an image, enough to make it again.

    Attributes:
        image: The image's file name.
        source: The input.
        config: The dream's options, the seed drawn included.
        dreamer: `Dreamer.get_config()` of the dreamer.
        steps_completed: Steps dreamed in all octaves.
        interrupted: True when the dream was stopped early (a rerun stops after `steps_completed`).
        versions: Versions of tfdream, TensorFlow, Keras, Python and NumPy that made it.
        checkpoint: File name of the checkpoint beside the image that an interrupted dream goes on from
            (`resume`), or None.
        member: Which image of a batch dreamed together the image is (`DreamResult.member`), or None.
    """

    image: str
    source: sources.Source
    config: config_lib.DreamConfig
    dreamer: Mapping[str, Any]
    steps_completed: int
    interrupted: bool = False
    versions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    checkpoint: str | None = None
    member: int | None = None

    @classmethod
    def of(cls, result: result_lib.DreamResult, image_path: str | os.PathLike, source: sources.Source,
           checkpoint: str | os.PathLike | None = None) -> Sidecar:
        """The sidecar of `result`, saved as `image_path`, dreamed from `source`, with its `checkpoint` file."""
        versions = {
            "tfdream": tfdream.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
        }
        return cls(pathlib.Path(image_path).name, source, result.config, result.dreamer, len(result.history),
                   result.interrupted, versions, None if checkpoint is None else pathlib.Path(checkpoint).name,
                   result.member)

    def get_config(self) -> dict[str, Any]:
        """The JSON document (the format at the top of this module); `from_config` reads it back."""
        return {
            "image": self.image,
            "input": self.source.get_config(),
            "seed": self.config.seed,
            "config": self.config.get_config(),
            "dreamer": dict(self.dreamer),
            "steps_completed": self.steps_completed,
            "interrupted": self.interrupted,
            **({"checkpoint": self.checkpoint} if self.checkpoint is not None else {}),
            **({"member": self.member} if self.member is not None else {}),
            "versions": dict(self.versions),
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Sidecar:
        """Inverse of `get_config`; the source then refuses an input file whose sha256 changed."""
        return cls(config.get("image", ""), sources.Source.from_config(config["input"]),
                   config_lib.DreamConfig.from_record(config["config"]), config["dreamer"],
                   config["steps_completed"], bool(config.get("interrupted", False)), config.get("versions", {}),
                   config.get("checkpoint"), config.get("member"))


def _as_source(source: sources.Source | Mapping[str, Any]) -> sources.Source:
    return source if isinstance(source, sources.Source) else sources.Source.from_config(source)


def build(result: result_lib.DreamResult, image_path: str | os.PathLike,
          source: sources.Source | Mapping[str, Any], checkpoint: str | os.PathLike | None = None) -> dict:
    """The sidecar document of `result`, saved as `image_path`, dreamed from `source` (a `Source` or its record),
    naming the `checkpoint` an interrupted dream goes on from."""
    return Sidecar.of(result, image_path, _as_source(source), checkpoint).get_config()


def write(
    result: result_lib.DreamResult,
    image_path: str | os.PathLike,
    source: sources.Source | Mapping[str, Any],
    *,
    overwrite: bool = False,
    checkpoint: str | os.PathLike | None = None,
) -> pathlib.Path:
    """Writes the sidecar of the image saved at `image_path` atomically (naming the `checkpoint` beside it that
    an interrupted dream goes on from); returns its path."""
    path = sidecar_path(image_path)
    files.write_text(path, json.dumps(build(result, image_path, source, checkpoint), indent=2) + "\n",
                     overwrite=overwrite)
    return path


def save_run(result: result_lib.DreamResult, folder: pathlib.Path, stem: str,
             source: sources.Source | Mapping[str, Any], *, overwrite: bool = False) -> dict[str, pathlib.Path]:
    """Writes one run of a comparison or gallery: `stem.png`, its sidecar `stem.json` and `stem_history.csv`."""
    return {
        f"{stem}.png": result.save(folder / f"{stem}.png", overwrite=overwrite),
        f"{stem}.json": write(result, folder / f"{stem}.png", source, overwrite=overwrite),
        f"{stem}_history.csv": result.history.to_csv(folder / f"{stem}_history.csv", overwrite=overwrite),
    }


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


def rerun(
    path: str | os.PathLike,
    *,
    callbacks: Sequence[callbacks_lib.Callback] = (),
    strategy: tf.distribute.Strategy | None = None,
) -> result_lib.DreamResult:
    """Dreams again what the sidecar at `path` records (an interrupted dream stops at the same step); an image
    of a batch is made with its whole batch, and returned alone.

    Args:
        path: A sidecar JSON file.
        callbacks: Extra callbacks (progress, ...).
        strategy: Where to run (see `Dreamer`); not part of the record, since it does not change the image.

    Returns:
        The new `DreamResult`.

    Raises:
        ValueError: the file is not a sidecar, or the input file's content changed since the dream.
    """
    record = Sidecar.from_config(read(path))
    dreamer = dreamer_lib.Dreamer.from_config(record.dreamer, strategy=strategy)
    replay = [callbacks_lib.StopAfterSteps(record.steps_completed)] if record.interrupted else []
    result = dreamer.dream(_found_beside(record.source, path), config=record.config, callbacks=[*replay, *callbacks])
    return result if record.member is None else result.members[record.member]


def _found_beside(source: sources.Source, sidecar_path: str | os.PathLike) -> sources.Source:
    """`source`, or, when its input file is gone (a folder since removed, another machine), the file of the same
    name beside the sidecar: downloaded together, they rerun anywhere. Its sha256 is checked as the original's."""
    if source.kind != "file" or source.path.exists():
        return source
    beside = pathlib.Path(sidecar_path).with_name(source.path.name)
    return dataclasses.replace(source, name=str(beside.resolve())) if beside.is_file() else source


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
    callbacks: Sequence[callbacks_lib.Callback] = (),
    strategy: tf.distribute.Strategy | None = None,
    checkpoint_every: float | None = 600.0,
) -> tuple[result_lib.DreamResult, checkpoints.Checkpointer]:
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
    checkpointer = checkpoints.Checkpointer(saved.path, source=saved.source, image_path=saved.image_path,
                                            every=checkpoint_every)
    dreamer = dreamer_lib.Dreamer.from_config(saved.dreamer, strategy=strategy)
    result = dreamer.dream(sources.Source.from_config(saved.source), config=config_lib.DreamConfig.from_record(
        saved.config), callbacks=callbacks, checkpoint=checkpointer, resume_from=saved.state)
    return result, checkpointer
