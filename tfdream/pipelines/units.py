"""The units of an atlas: one (layer, channel) each, its seed, the files it owns, and whether they are complete.

TensorFlow-free, for the command line's flags and for the page builder. A unit's files sit under
`OUT_DIR/units/<layer>/`:

| file | content |
|---|---|
| `cNNNN.png` | the render of the channel (full size) |
| `cNNNN.json` | its sidecar (`tfdream rerun` makes it again) |
| `cNNNN_history.csv` | its per-step loss |
| `cNNNN_thumb.jpg` | a thumbnail for the layer's grid |
| `cNNNN_examples.json`, `cNNNN_examples/rNN.jpg` | with examples: the top images and the patch at each one's peak |
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tfdream.core import config as config_lib
from tfdream.renders import recipes

RENDER_FILES = (".png", "_thumb.jpg", "_history.csv", ".json")  # the sidecar last: written once the rest is
EXAMPLE_FILES = ("_examples.json",)
UNITS_FOLDER = "units"
DEFAULT_RENDER = "robust"  # the feature visualization render: Fourier image, decorrelated colour, transforms, Adam
DEFAULT_SIZE = (128, 128)


@dataclasses.dataclass(frozen=True)
class AtlasSpec:
    """What every unit of an atlas is rendered with; a unit's files depend on this and the unit only.

    Attributes:
        model: A name in `tfdream.models.MODELS` or a path to a saved `.keras` model (each worker loads it).
        layers: The layers whose channels are units, in page order.
        channels: `all` or indices and ranges (`0-63`), taken in every layer.
        render: The name of the render recipe (`config` holds its values, with any overrides).
        config: The `DreamConfig` of every unit; its seed is the atlas's base seed (each unit derives its own).
        size: (height, width) of each render, dreamed from the config's seeded noise.
        dreamer_options: `Dreamer` keyword arguments (`weights`, `loss`, `preprocessing`, `min_size`,
            `precision`), JSON values only.
        examples: An image folder or `mit_indoor67:SPLIT` whose top images per channel are kept; None for none.
        top_k: How many examples each unit keeps.
        example_size: Examples are shrunk to at most this longer side before they go through the model.
    """

    model: str
    layers: tuple[str, ...]
    channels: str = "all"
    render: str = DEFAULT_RENDER
    config: config_lib.DreamConfig = dataclasses.field(default_factory=lambda: config_lib.DreamConfig(seed=0))
    size: tuple[int, int] = DEFAULT_SIZE
    dreamer_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    examples: str | None = None
    top_k: int = 8
    example_size: int = 224

    def __post_init__(self):
        object.__setattr__(self, "model", str(self.model))
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "size", tuple(int(side) for side in self.size))
        object.__setattr__(self, "dreamer_options", dict(self.dreamer_options))
        if self.config.seed is None:  # a drawn seed would change every unit on a rerun
            object.__setattr__(self, "config", dataclasses.replace(self.config, seed=0))
        if self.dreamer_options.get("channels") is not None:
            raise ValueError("dreamer_options cannot hold channels: the units choose them")
        if not (isinstance(self.top_k, int) and self.top_k >= 1):
            raise ValueError(f"top_k must be an int >= 1. Received: top_k={self.top_k!r}")

    @classmethod
    def with_render(cls, model: str, layers: Sequence[str], render: str = DEFAULT_RENDER,
                    overrides: Mapping[str, Any] | None = None, **fields: Any) -> AtlasSpec:
        """The spec of `render`'s `DreamConfig` values, with `overrides` (fields of `DreamConfig`) on top."""
        config = config_lib.DreamConfig(**{"seed": 0, **recipes.options(render), **(overrides or {})})
        return cls(model, tuple(layers), render=render, config=config, **fields)

    def get_config(self) -> dict[str, Any]:
        """The JSON record (`atlas.json`); `from_config` reads it back."""
        record = dataclasses.asdict(self)
        record["config"] = self.config.get_config()
        record["layers"], record["size"] = list(self.layers), list(self.size)
        return record

    @classmethod
    def from_config(cls, record: Mapping[str, Any]) -> AtlasSpec:
        values = dict(record)
        values["config"] = config_lib.DreamConfig.from_config(values["config"])
        return cls(**values)


@dataclasses.dataclass(frozen=True, order=True)
class Unit:
    """One channel of one layer: what an atlas renders and pages."""

    layer: str
    channel: int

    @property
    def label(self) -> str:
        return f"{self.layer} {self.channel}"

    def folder(self, out_dir: str | os.PathLike) -> pathlib.Path:
        """The folder of this unit's files (that of its layer)."""
        return pathlib.Path(out_dir) / UNITS_FOLDER / recipes.layer_stem(self.layer)

    def stem(self) -> str:
        return f"c{self.channel:04d}"

    def path(self, out_dir: str | os.PathLike, ending: str) -> pathlib.Path:
        """The unit's file with `ending` (one of `RENDER_FILES`, `EXAMPLE_FILES`, or ".html")."""
        return self.folder(out_dir) / f"{self.stem()}{ending}"

    def seed(self, base_seed: int) -> int:
        """The unit's own seed: the same for the same (base seed, layer, channel), whatever else is rendered, so
        any unit is reproducible alone and the bits do not depend on how units are spread over workers."""
        return derived_seed(base_seed, self.layer, self.channel)


def derived_seed(base_seed: int, *parts: object) -> int:
    """A seed in [0, 2**31) from a base seed and the parts that name one piece of work (a unit, a photo)."""
    digest = hashlib.sha256("/".join(map(str, (base_seed, *parts))).encode()).digest()
    return int.from_bytes(digest[:4], "little") >> 1


def parse_channels(text: str, count: int) -> list[int]:
    """`all` (every channel of a layer with `count` channels) or indices and ranges like `0-63,100`."""
    if str(text).strip().lower() == "all":
        return list(range(count))
    channels = recipes.parse_channels(text)
    too_large = [channel for channel in channels if channel >= count]
    if too_large:
        raise ValueError(f"channels must be below the layer's {count} channels. Received: channels={text!r}")
    return channels


def enumerate_units(layers: Sequence[str], channel_counts: Mapping[str, int], channels: str = "all") -> list[Unit]:
    """Every unit of `layers`, in layer order then channel order.

    Args:
        layers: Layer names, each once.
        channel_counts: Layer -> its number of channels.
        channels: `all` or indices and ranges (`0-63`), taken in every layer.
    """
    if not layers or len(set(layers)) != len(layers):
        raise ValueError(f"layers must be distinct names, at least one. Received: layers={list(layers)}")
    stems = [recipes.layer_stem(layer) for layer in layers]
    if len(set(stems)) != len(stems):
        raise ValueError(f"layers must have distinct file names. Received: layers={list(layers)}")
    return [Unit(layer, channel) for layer in layers for channel in parse_channels(channels, channel_counts[layer])]


def is_complete(unit: Unit, out_dir: str | os.PathLike, endings: Iterable[str] = RENDER_FILES) -> bool:
    """Whether every file of `unit` with `endings` exists (each is written atomically: existing means whole)."""
    return all(unit.path(out_dir, ending).is_file() for ending in endings)
