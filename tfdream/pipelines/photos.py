"""Many photos dreamed with one recipe: a pure function from (spec, photo) to the photo's files, free of any
engine, and the check of which photos are done.

`OUT_DIR/<photo stem>.png` is the dream, `.json` its sidecar (`tfdream rerun` makes it again) and
`_history.csv` its per-step loss; each photo's seed derives from the spec's seed and the photo's file name, so
the bits do not depend on which worker dreams it or in what order.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

from tfdream.core import config as config_lib
from tfdream.io import files
from tfdream.pipelines import units as units_lib

PHOTO_FILES = (".png", "_history.csv", ".json")
SUMMARY = "batch_summary.json"


@dataclasses.dataclass(frozen=True)
class BatchSpec:
    """The one recipe of a batch.

    Attributes:
        model: A name in `tfdream.models.MODELS` or a path to a saved `.keras` model.
        layers: The `Dreamer`'s layers (name, list, or {name: weight}); None for the model's default.
        config: The `DreamConfig` of every photo; its seed is the base seed (each photo derives its own).
        dreamer_options: Further `Dreamer` keyword arguments, JSON values only.
        max_dim: Shrink each photo to at most this longer side.
    """

    model: str
    layers: Any = None
    config: config_lib.DreamConfig = dataclasses.field(default_factory=lambda: config_lib.DreamConfig(seed=0))
    dreamer_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    max_dim: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "model", str(self.model))
        if self.config.seed is None:  # a drawn seed would change every photo on a rerun
            object.__setattr__(self, "config", dataclasses.replace(self.config, seed=0))


def find_photos(pattern: str) -> list[pathlib.Path]:
    """The files that the glob `pattern` matches, sorted; each stem once (they name the outputs)."""
    photos = sorted(pathlib.Path(path) for path in glob.glob(os.path.expanduser(pattern), recursive=True)
                    if os.path.isfile(path))
    if not photos:
        raise ValueError(f"photos must match at least one file. Received: photos={pattern!r}")
    stems: dict[str, pathlib.Path] = {}
    for photo in photos:
        if photo.stem in stems:
            raise ValueError(f"photos must have distinct file names (they name the outputs): {stems[photo.stem]} "
                             f"and {photo}. Received: photos={pattern!r}")
        stems[photo.stem] = photo
    return photos


def output_path(photo: str | os.PathLike, out_dir: str | os.PathLike, ending: str) -> pathlib.Path:
    return pathlib.Path(out_dir) / f"{pathlib.Path(photo).stem}{ending}"


def is_done(photo: str | os.PathLike, out_dir: str | os.PathLike) -> bool:
    """Whether every file of `photo` exists (each is written atomically: existing means whole)."""
    return all(output_path(photo, out_dir, ending).is_file() for ending in PHOTO_FILES)


class PhotoDreamer:
    """The `Dreamer` of a `BatchSpec`, built once (on first use) and used for every photo."""

    def __init__(self, spec: BatchSpec):
        self.spec = spec
        self._dreamer = None

    def dream(self, photo: str | os.PathLike, out_dir: str | os.PathLike) -> dict[str, pathlib.Path]:
        """Dreams `photo` and writes its files (replacing those a stopped run left); returns them by name.

        Raises:
            images.ImageError: the file is not an image that can be read (and nothing is written).
        """
        from tfdream.core import dreamer as dreamer_lib  # pylint: disable=import-outside-toplevel
        from tfdream.core import sidecar  # pylint: disable=import-outside-toplevel
        from tfdream.io import sources  # pylint: disable=import-outside-toplevel

        spec = self.spec
        if self._dreamer is None:
            self._dreamer = dreamer_lib.Dreamer(spec.model, spec.layers, **spec.dreamer_options)
        source = sources.Source.from_config(sources.Source.file(photo, max_dim=spec.max_dim).get_config())
        config = dataclasses.replace(spec.config, seed=units_lib.derived_seed(spec.config.seed,
                                                                              pathlib.Path(photo).name))
        result = self._dreamer.dream(source, config=config)
        return sidecar.save_run(result, pathlib.Path(out_dir), pathlib.Path(photo).stem, source, overwrite=True)


def write_summary(outcomes: Sequence[Mapping[str, Any]], *, photos: Sequence[str], skipped: Sequence[str],
                  out_dir: str | os.PathLike) -> pathlib.Path:
    """Writes `OUT_DIR/batch_summary.json`: how many photos, those done now, skipped (done before) and failed
    (with the reason), by path."""
    failed = sorted((dict(outcome) for outcome in outcomes if outcome["error"]), key=lambda outcome: outcome["photo"])
    record = {"photos": len(photos), "done": sorted(outcome["photo"] for outcome in outcomes if not outcome["error"]),
              "skipped": sorted(skipped), "failed": failed}
    return files.write_text(pathlib.Path(out_dir) / SUMMARY, json.dumps(record, indent=1) + "\n", overwrite=True)
