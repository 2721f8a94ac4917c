"""The page's values turned into what a dream takes: the `DreamConfig`, the input `Source`, the `Dreamer`'s
arguments and a comparison's runs. Each raises a ValueError naming the control and the value it got."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from tfdream import models, objectives, renders, studies
from tfdream.app import workspace as workspace_lib
from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.io import images, samples, sources

INPUT_KINDS = ("upload", "sample", "noise")
WEIGHTS = ("imagenet", "hed", "none")
NO_RENDER = "(none)"
PREVIEW_SIDE = 384


@dataclasses.dataclass(frozen=True)
class DreamerChoice:
    """What a `Dreamer` is built from: the model, its weights, and the layers with their steering."""

    model: str
    layers: Any
    weights: str | None
    channels: dict[str, list[int]] | None = None

    @property
    def key(self) -> str:
        """Equal for choices that build the same `Dreamer`."""
        return repr((self.model, self.weights, self.layers, self.channels))

    def build(self):
        """The `Dreamer`."""
        channels = None if isinstance(self.layers, objectives.Objective) else self.channels
        return dreamer_lib.Dreamer(self.model, self.layers, weights=self.weights, channels=channels)


def model_choices(default: str) -> list[str]:
    """The model list: the one the app was started with first, then the named models."""
    return list(dict.fromkeys([default, *models.MODELS]))


def weights_value(weights: str | None) -> str | None:
    """The weights control as `Dreamer(weights=...)`: "none" is None."""
    return None if not weights or weights.lower() == "none" else weights


def layer_choices(model: str, weights: str | None) -> list[tuple[str, str]]:
    """(label with the output shape, name) of every dreamable layer of `model`, in network order.

    Named models are built without weights (nothing is downloaded); a saved model is loaded.
    """
    del weights  # the layers of a named model are the same whatever its weights
    infos = models.list_layers(_checked_model(model))
    return [(f"{info.name} {_shape_text(info.shape)}", info.name) for info in infos]


def _shape_text(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("?" if side is None else str(side) for side in shape[1:]) + ")"


def _checked_model(model: str) -> str:
    model = (model or "").strip()
    if not model:
        raise ValueError("model is empty: choose a named model or give the path of a .keras file")
    if model.endswith(".keras"):
        if not os.path.isfile(model):
            raise ValueError(f"model file does not exist. Received: model={model!r}")
        return os.path.abspath(model)
    if model not in models.MODELS:
        raise ValueError(f"model must be one of {sorted(models.MODELS)} or a .keras file. Received: model={model!r}")
    return model


def dreamer_choice(model: str, weights: str | None, layers: Sequence[str] | None, *, channels: str = "",
                   target_class: str = "", guide: str | None = None,
                   workspace: workspace_lib.Workspace | None = None) -> DreamerChoice:
    """The `Dreamer`'s arguments from the Dream tab: the layers chosen (none: the model's defaults), channels
    as "LAYER:0-3,7", a class name or index, and a guide image (kept in the workspace)."""
    model = _checked_model(model)
    chosen = tuple(layers or ()) or None
    kept_guide = str(keep_image(guide, "guide image", workspace)) if guide else None
    channel_map = parse_channels(channels)
    steered = objectives.steered(chosen, guide=kept_guide, target_class=(target_class or "").strip() or None,
                                 channels=channel_map)
    return DreamerChoice(model, steered, weights_value(weights) if model in models.MODELS else None, channel_map)


def parse_channels(text: str | None) -> dict[str, list[int]] | None:
    """ "mixed4:0-3,7" -> {"mixed4": [0, 1, 2, 3, 7]}; "" -> None. Several layers are separated by ";"."""
    found = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        layer, colon, indices = part.partition(":")
        if not colon or not layer.strip():
            raise ValueError(f"channels must be LAYER:CHANNELS like mixed4:0-3,7. Received: channels={text!r}")
        found[layer.strip()] = renders.parse_channels(indices)
    return found or None


def parse_octaves(text: str) -> tuple[int, ...]:
    """ "-2,-1,0" -> (-2, -1, 0)."""
    try:
        octaves = tuple(int(part) for part in str(text).replace(" ", "").split(",") if part)
    except ValueError:
        raise ValueError(f"octaves must be whole numbers separated by commas, like -2,-1,0. Received: "
                         f"octaves={text!r}") from None
    if not octaves:
        raise ValueError(f"octaves must name at least one octave, like -2,-1,0. Received: octaves={text!r}")
    return octaves


def render_values(render: str | None) -> dict[str, Any]:
    """The `DreamConfig` values of a render ({} for none)."""
    return {} if not render or render == NO_RENDER else renders.options(render)


def dream_config(*, render: str | None, steps: float, step_size: float, octaves: str, octave_scale: float,
                 tile_size: float, seed: float | None, preserve_colors: bool = False,
                 mask: str | None = None) -> config_lib.DreamConfig:
    """The `DreamConfig`: the render's values under the page's (tile size 0: untiled; no seed: one is drawn
    and recorded); a mask file is read from where `keep_image` put it."""
    values = render_values(render)
    values.update(steps=int(steps), step_size=float(step_size), octaves=parse_octaves(octaves),
                  octave_scale=float(octave_scale), tile_size=int(tile_size) or None,
                  seed=None if seed is None or seed == "" else int(seed), preserve_colors=bool(preserve_colors),
                  mask=str(mask) if mask else "")
    return config_lib.DreamConfig(**values)


def keep_image(path: str | os.PathLike, what: str, workspace: workspace_lib.Workspace | None) -> os.PathLike:
    """An uploaded image checked readable and kept in the workspace under its content's name.

    Raises:
        images.ImageError: the file is not an image that can be read (the message names `what`).
    """
    try:
        images.image_shape(path)
    except (images.ImageError, OSError) as error:
        raise images.ImageError(f"the {what} cannot be read: {' '.join(str(error).split())}") from None
    return workspace.keep(path) if workspace is not None else path


def source(kind: str, *, upload: str | None, sample: str | None, noise_size: Sequence[float], max_dim: float,
           workspace: workspace_lib.Workspace) -> sources.Source:
    """The input: an uploaded photo (kept in the workspace, so the sidecar's file stays while the app runs), a
    bundled sample, or seeded noise of (height, width); `max_dim` 0 keeps the photo's size. Its record (with
    the file's sha256) is taken now."""
    max_dim = int(max_dim) or None
    if kind == "upload":
        if not upload:
            raise ValueError("no photo uploaded: drop an image file on Photo, or choose a sample or noise")
        chosen = sources.Source.file(keep_image(upload, "uploaded photo", workspace), max_dim=max_dim)
    elif kind == "sample":
        chosen = sources.Source("sample", sample or samples.DEFAULT, max_dim=max_dim)
    elif kind == "noise":
        chosen = sources.Source.noise([int(side) for side in noise_size])
    else:
        raise ValueError(f"input must be one of {INPUT_KINDS}. Received: input={kind!r}")
    return sources.Source.from_config(chosen.get_config())


def preview(path: str | os.PathLike) -> np.ndarray:
    """A small uint8 copy of an uploaded image to show.

    Raises:
        images.ImageError: the file is not an image that can be read.
    """
    keep_image(path, "uploaded photo", None)
    return images.to_uint8(images.load_image(path, max_dim=PREVIEW_SIDE))


def parse_runs(text: str, default_model: str) -> list[studies.Run]:
    """A comparison's runs, one a line: "MODEL LAYERS", "MODEL" (its default layers) or "LAYERS" (with
    `default_model`); layers as `studies.parse_layers` reads them ("mixed3,mixed5:2")."""
    runs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        first, _, rest = line.strip().partition(" ")
        if first in models.MODELS or first.endswith(".keras"):
            model, layers = first, rest
        else:
            model, layers = default_model, line
        runs.append(studies.Run(_checked_model(model), studies.parse_layers(layers.strip(), "runs")))
    if not runs:
        raise ValueError("runs is empty: write one run a line, like `inception_v3 mixed3,mixed5`")
    return runs
