"""`DreamResult`: what a dream produced (image, loss history, config, dreamer record), saved and shown."""

from __future__ import annotations

import dataclasses
import os
import pathlib
from typing import Any

import numpy as np

from tfdream.core import config as config_lib
from tfdream.core import history as history_lib
from tfdream.io import display, images, sheets


@dataclasses.dataclass
class DreamResult:
    """What a dream produced.

    Attributes:
        image: uint8 RGB (H, W, 3), the input's size; for a batch of images dreamed together (`Dreamer(batch=N)`)
            all of them, (N, H, W, 3).
        history: Per-step, per-layer losses.
        config: The options used, with the seed actually drawn.
        dreamer: `Dreamer.get_config()` of the dreamer that made it.
        interrupted: True when a callback stopped the dream early.
        elapsed: Seconds `Dreamer.dream` took, loading the input included.
        member: Which image of its batch this result is, or None for a dream of one image (or a whole batch).
        members: A batch's images as results of their own, each with its own terms' history; () for one image.

    In Jupyter and Colab a result shows as its image (downscaled) with `summary()` under it.
    """

    image: np.ndarray
    history: history_lib.LossHistory
    config: config_lib.DreamConfig
    dreamer: dict[str, Any]
    interrupted: bool = False
    elapsed: float = 0.0
    member: int | None = None
    members: tuple[DreamResult, ...] = ()

    @property
    def seed(self) -> int:
        """The seed the dream used."""
        return self.config.seed

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> pathlib.Path:
        """Writes the image (a batch's as a labelled contact sheet; format from the extension) atomically; refuses
        to replace a file unless asked."""
        return images.save_image(self.picture(), path, overwrite=overwrite)

    def picture(self) -> np.ndarray:
        """The image, or a batch's images in a contact sheet labelled by their index, uint8 RGB."""
        if not self.members:
            return self.image
        width = self.image.shape[2]
        return sheets.contact_sheet(list(self.image), [f"#{index}" for index in range(len(self.image))],
                                    columns=min(len(self.image), 8), width=width)

    def summary(self) -> str:
        """One line: model, dreamed terms, octaves, steps, seed, time, size, e.g. for a notebook caption."""
        model = self.dreamer["model"]  # a list for several models dreamed together
        model = "+".join(pathlib.Path(name).stem if str(name).endswith(".keras") else str(name)
                         for name in (model if isinstance(model, list) else [model]))
        height, width = self.image.shape[-3:-1]
        batch = f" · image {self.member} of a batch" if self.member is not None else ""
        batch += f" · batch of {len(self.members)}" if self.members else ""
        octaves = ",".join(map(str, self.config.octaves))
        return (f"{model} · {'+'.join(self.history.labels)} · octaves {octaves} · {self.config.steps} steps · "
                f"seed {self.seed} · {self.elapsed:.1f} s · {width}x{height}"
                + batch + (" · interrupted" if self.interrupted else ""))

    def __repr__(self) -> str:
        return f"DreamResult({self.summary()})"

    def _repr_html_(self) -> str:
        return display.image_html(self.picture(), self.summary())
