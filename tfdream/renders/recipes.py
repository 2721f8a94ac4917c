"""Named renders as `DreamConfig` recipes (the TensorFlow DeepDream notebook's three, and `robust`), and the
names of a channel gallery's files; free of TensorFlow, for the command line's `--render` and `--channels`.

    dreamer.dream(None, size=(224, 224), **renders.options("lapnorm"))   # or `tfdream dream --render=lapnorm`

| render | what it does (notebook defaults) |
|---|---|
| `naive` | one scale, the whole image's gradient at once, std-normalized steps: 20 steps |
| `multiscale` | grows the image over 3 octaves of 1.4, tiled gradients with a random roll: 10 steps each |
| `lapnorm` | `multiscale`, every frequency band of the gradient normalized (`normalization="laplacian"`, 4 levels) |
| `robust` | a Fourier image (1/f), decorrelated colour, sigmoid squash, `transforms.STANDARD`, Adam: 128 steps |

`robust` is feature visualization's recipe (its defaults measured in docs/renders.md); like every render it
dreams through tiles, so a large Fourier render keeps the tiled memory bound.

Every render starts from the notebook's grey noise (`noise="grey"`) when dreamed from noise; the notebook's
take a step of one grey level (1/127.5 of half the input range), `robust` Adam steps of 0.03 in its
parameters. A render is only `DreamConfig` values, so it goes through
`Dreamer.dream` like every dream (tiles, octaves, loss history, callbacks, sidecars) and any of its values
can be overridden: `dream(..., **{**renders.options("lapnorm"), "steps": 20})`.
"""

from __future__ import annotations

import difflib
import os
import pathlib
import re
from collections.abc import Mapping
from typing import Any

from tfdream import transforms

_GREY_LEVEL = 1.0 / 127.5  # one grey level, as a fraction of half the 255-wide input range


_MULTISCALE = {
    "steps": 10, "step_size": _GREY_LEVEL, "octaves": (-2, -1, 0), "octave_scale": 1.4, "tile_size": 512,
    "random_roll": True, "detail": False, "smoothing": 0.0, "normalization": "std", "noise": "grey",
}


RENDERS: Mapping[str, Mapping[str, Any]] = {
    "naive": {**_MULTISCALE, "steps": 20, "octaves": (0,), "tile_size": None, "random_roll": False},
    "multiscale": _MULTISCALE,
    "lapnorm": {**_MULTISCALE, "normalization": "laplacian", "laplacian_levels": 4},
    "robust": {
        **_MULTISCALE, "steps": 128, "step_size": 0.03, "octaves": (0,), "parameterization": "fourier", "decay": 1.0,
        "decorrelate": True, "color_matrix": "imagenet", "squash": "sigmoid", "transforms": transforms.STANDARD.text,
        "optimizer": "adam",
    },
}


def options(render: str) -> dict[str, Any]:
    """The `DreamConfig` values of `render`, a name in `RENDERS`, as `Dreamer.dream` keyword arguments."""
    if render not in RENDERS:
        close = difflib.get_close_matches(str(render), RENDERS, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(f"render must be one of {sorted(RENDERS)}.{hint} Received: render={render!r}")
    return dict(RENDERS[render])


def parse_channels(text: str) -> list[int]:
    """Channel indices from text like "0-15" or "0,3,8-11" (ranges inclusive), in order, without repeats."""
    channels: list[int] = []
    for part in str(text).split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match or (match[2] is not None and int(match[2]) < int(match[1])):
            raise ValueError(f"channels must be indices and ranges like 0-15,20. Received: channels={text!r}")
        last = int(match[2]) if match[2] is not None else int(match[1])
        channels += [index for index in range(int(match[1]), last + 1) if index not in channels]
    return channels


def gallery_folder(output: str | os.PathLike) -> pathlib.Path:
    """The folder of the per-channel files of the sheet `output`: `sheet.png` -> `sheet_channels/`."""
    output = pathlib.Path(output)
    return output.with_name(f"{output.stem}_channels")


def layer_stem(layer: str) -> str:
    """A layer's name as a file name (`mixed4a/pool` -> `mixed4a_pool`)."""
    return re.sub(r"[^A-Za-z0-9.]+", "_", layer)


def channel_stem(layer: str, channel: int) -> str:
    """File stem of one channel's outputs, e.g. `block4_conv3_c0007`."""
    return f"{layer_stem(layer)}_c{channel:04d}"
