"""`Source`: where a dream's input comes from (an image file, a bundled sample, or seeded noise), as a value.

A source loads itself (`load`: float32 RGB), describes itself for the sidecar (`get_config`, with the file's
sha256) and is rebuilt from that record (`from_config`; `load` then refuses a file whose content changed):

    source = sources.Source.parse("coffee", max_dim=512)        # a file path, or a bundled sample's name
    rgb = source.load()                                          # float32 (H, W, 3) in [0, 255]
    again = sources.Source.from_config(source.get_config())      # {"sample": "coffee", "sha256": ..., ...}
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tfdream.base import checks
from tfdream.io import files, images, samples
from tfdream.io import noise as noise_lib

KINDS = ("file", "sample", "noise")


@dataclasses.dataclass(frozen=True)
class Source:
    """A dream's input.

    Attributes:
        kind: "file", "sample" (one of `tfdream.samples.NAMES`) or "noise".
        name: The file's absolute path, or the sample's name; None for noise.
        size: (height, width) of the noise; None for images.
        max_dim: Images: shrink on load so the longer side is at most this; None keeps the size.
        sha256: Images: the content the file must have (from a record); None accepts any content.
    """

    kind: str
    name: str | None = None
    size: tuple[int, int] | None = None
    max_dim: int | None = None
    sha256: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}. Received: kind={self.kind!r}")
        if self.kind == "noise":
            size = self.size
            if size is None or len(size) != 2 or not all(checks.is_int(side) and side >= 1 for side in size):
                raise ValueError(f"size must be (height, width) of positive ints for noise (image=None). "
                                 f"Received: size={size!r}")
            object.__setattr__(self, "size", (int(size[0]), int(size[1])))
            if self.name is not None or self.max_dim is not None or self.sha256 is not None:
                raise ValueError(f"noise takes only a size. Received: name={self.name!r}, max_dim={self.max_dim!r}")
            return
        if self.size is not None:
            raise ValueError(f"size is only for noise. Received: size={self.size!r}")
        if self.kind == "sample" and self.name not in samples.NAMES:
            raise ValueError(f"sample must be one of {samples.NAMES}. Received: name={self.name!r}")
        if self.kind == "file":
            if not isinstance(self.name, (str, os.PathLike)) or not str(self.name):
                raise ValueError(f"a file source needs a path. Received: name={self.name!r}")
            object.__setattr__(self, "name", str(pathlib.Path(self.name).resolve()))
        if self.max_dim is not None and not (checks.is_int(self.max_dim) and self.max_dim >= 1):
            raise ValueError(f"max_dim must be None or an int >= 1. Received: max_dim={self.max_dim!r}")

    @classmethod
    def file(cls, path: str | os.PathLike, *, max_dim: int | None = None) -> Source:
        """An image file; a bundled sample's file becomes that sample (so records stay portable)."""
        resolved = pathlib.Path(path).resolve()
        bundled = {samples.path(name).resolve(): name for name in samples.NAMES}
        if resolved in bundled:
            return cls("sample", bundled[resolved], max_dim=max_dim)
        return cls("file", str(resolved), max_dim=max_dim)

    @classmethod
    def noise(cls, size: Sequence[int]) -> Source:
        """Seeded noise of (height, width) `size`."""
        return cls("noise", size=None if size is None else tuple(size))

    @classmethod
    def parse(cls, text: str | None, *, size: Sequence[int] | None = None, max_dim: int | None = None) -> Source:
        """What a command line names: `size` means noise, else a file path or a sample name (default: coffee)."""
        if size is not None:
            if text is not None:
                raise ValueError(f"give either an input image or a noise size, not both. Received: {text!r}")
            return cls.noise(size)
        text = text or samples.DEFAULT
        if text in samples.NAMES and not os.path.exists(text):
            return cls("sample", text, max_dim=max_dim)
        return cls.file(text, max_dim=max_dim)

    @property
    def path(self) -> pathlib.Path | None:
        """The image file (None for noise)."""
        if self.kind == "noise":
            return None
        return samples.path(self.name) if self.kind == "sample" else pathlib.Path(self.name)

    def digest(self) -> str:
        """The sha256 of the image file, hex."""
        path = self.path
        if path is None:
            raise ValueError("noise has no file to digest. Received: kind='noise'")
        if not path.is_file():
            raise images.ImageError(f"Cannot load image '{path}': no such file.")
        return files.sha256(path)

    def shapes(self) -> tuple[tuple[int, int] | None, tuple[int, int]]:
        """(height, width) of the file as decoded (None for noise) and of the input `load` gives, from the
        file's header alone (see `tfdream.memory`)."""
        if self.kind == "noise":
            return None, self.size
        full = images.image_shape(self.path)
        return full, images.shape_within(full, self.max_dim)

    def load(self, rng: np.random.Generator | None = None, *, noise: str = "normal") -> np.ndarray:
        """The input as float32 RGB (H, W, 3) in [0, 255].

        Args:
            rng: Noise only: the seeded generator it is drawn from.
            noise: Noise only: its kind, one of `tfdream.noise.NOISES`.

        Raises:
            ValueError: the file's sha256 differs from the recorded one.
        """
        if self.kind == "noise":
            if rng is None:
                raise ValueError("noise needs a random generator to load. Received: rng=None")
            return noise_lib.noise_image(noise, self.size, rng)
        if self.sha256 is not None and self.digest() != self.sha256:
            raise ValueError(f"input {str(self.path)!r} has changed since the dream: its sha256 differs from the "
                             f"record's")
        return images.load_image(self.path, max_dim=self.max_dim)

    def get_config(self) -> dict[str, Any]:
        """The sidecar's record: `{"path"|"sample", "sha256", "max_dim"}`, or `{"noise_size": [h, w]}`."""
        if self.kind == "noise":
            return {"noise_size": list(self.size)}
        where = {"sample": self.name} if self.kind == "sample" else {"path": self.name}
        return {**where, "sha256": self.sha256 or self.digest(), "max_dim": self.max_dim}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Source:
        """Inverse of `get_config`; the source then loads only a file with the recorded sha256."""
        if "noise_size" in config:
            return cls.noise(config["noise_size"])
        kind = "sample" if "sample" in config else "file"
        return cls(kind, config[kind if kind == "sample" else "path"], max_dim=config.get("max_dim"),
                   sha256=config.get("sha256"))


def as_source(image: Source | str | os.PathLike | None, *, size: Sequence[int] | None = None,
              max_dim: int | None = None) -> Source:
    """`image` as a `Source`: a file path, None with `size` for noise, or a `Source` as is.

    Raises:
        ValueError: `size` with an image, no `size` for noise, or `max_dim` with a `Source` (it has its own).
    """
    if isinstance(image, Source):
        if size is not None or max_dim is not None:
            raise ValueError(f"a Source carries its own size and max_dim. Received: size={size!r}, "
                             f"max_dim={max_dim!r}")
        return image
    if image is None:
        return Source.noise(size)
    if size is not None:
        raise ValueError(f"size is only for dreaming from noise (image=None). Received: size={size!r}")
    return Source.file(image, max_dim=max_dim)
