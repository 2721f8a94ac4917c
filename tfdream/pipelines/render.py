"""The render of one unit of an atlas: a pure function from (spec, unit) to the unit's files, free of any engine.

Each unit is one `Dreamer.dream` from seeded noise (tiles, octaves, history and sidecar as every dream), its
objective the unit's channel, its seed derived from the atlas's seed and the unit alone. A pipeline's worker
keeps one `UnitRenderer` (the network loaded once) and calls `render` per unit.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib

import numpy as np
from PIL import Image

from tfdream.core import sidecar
from tfdream.io import images
from tfdream.pipelines import units as units_lib
from tfdream.renders import gallery

THUMBNAIL_SIDE = 96


class UnitRenderer:
    """Renders the units of one `AtlasSpec`, the network loaded once (on first use) and shared by every unit."""

    def __init__(self, spec: units_lib.AtlasSpec):
        self.spec = spec
        self.dreamers = gallery.ChannelDreamers(spec.model, spec.dreamer_options)

    def channel_counts(self) -> dict[str, int]:
        """Layer -> its number of channels, for every layer of the spec (an unknown layer names close matches)."""
        return {layer: self.dreamers.channel_count(layer) for layer in self.spec.layers}

    def render(self, unit: units_lib.Unit, out_dir: str | os.PathLike) -> dict[str, pathlib.Path]:
        """Dreams `unit` and writes its files (`units.RENDER_FILES`), replacing those a stopped run left.

        Returns:
            Ending -> path of each file written.
        """
        spec = self.spec
        config = dataclasses.replace(spec.config, seed=unit.seed(spec.config.seed))
        result = self.dreamers.dreamer(unit.layer, unit.channel).dream(None, size=spec.size, config=config)
        self.dreamers.record_loaded_model(result)
        folder = unit.folder(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        thumbnail = Image.fromarray(images.to_uint8(result.image))
        thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        written = {"_thumb.jpg": images.save_image(np.asarray(thumbnail), unit.path(out_dir, "_thumb.jpg"),
                                                   overwrite=True)}
        saved = sidecar.save_run(result, folder, unit.stem(), sidecar.describe_input(None, size=spec.size),
                                 overwrite=True)
        written.update({name[len(unit.stem()):]: path for name, path in saved.items()})
        return written


def render_unit(spec: units_lib.AtlasSpec, unit: units_lib.Unit, out_dir: str | os.PathLike,
                renderer: UnitRenderer | None = None) -> dict[str, pathlib.Path]:
    """Renders one unit into `out_dir` (see `units` for its files); the same bits whatever else is rendered.

    Args:
        spec: The atlas's spec.
        unit: The (layer, channel) to render.
        out_dir: The atlas's folder.
        renderer: A `UnitRenderer` of `spec` whose network is already loaded (a worker's); None loads one.
    """
    renderer = renderer or UnitRenderer(spec)
    if renderer.spec != spec:
        raise ValueError("renderer must be one of the same spec")
    return renderer.render(unit, out_dir)
