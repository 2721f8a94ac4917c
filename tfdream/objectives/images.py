"""Images an objective term names (guide images, masks): their config records, checked by sha256 when read back,
and masks loaded as float32 in [0, 1]."""

from __future__ import annotations

import hashlib
import os
import pathlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from tfdream.io import files, images


def describe_image(image: str | os.PathLike | np.ndarray) -> dict[str, Any]:
    """The config record of an image a term names: `{"path": absolute path or None for an array, "sha256"}`."""
    if isinstance(image, np.ndarray):
        return {"path": None, "sha256": hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()}
    path = pathlib.Path(image).resolve()
    if not path.is_file():
        raise images.ImageError(f"Cannot load image '{path}': no such file.")
    return {"path": str(path), "sha256": files.sha256(path)}


def image_from_record(record: Mapping[str, Any], name: str) -> str:
    """The path a `describe_image` record names, checked against its sha256; `name` is the field, for errors."""
    path = record.get("path")
    if path is None:
        raise ValueError(f"{name} was an in-memory array, which a config cannot rebuild: save it to a file and "
                         f"pass the path. Received: {name}={dict(record)!r}")
    if not os.path.isfile(path):
        raise images.ImageError(f"Cannot load image '{path}': no such file (the config's {name}).")
    if files.sha256(path) != record.get("sha256"):
        raise ValueError(f"{name} {path!r} has changed since the config was written: its sha256 differs")
    return path


def load_mask(mask: str | os.PathLike | np.ndarray) -> np.ndarray:
    """A mask as float32 (H, W, 1) in [0, 1].

    Args:
        mask: A greyscale image file (an RGB file is accepted when its three channels are equal), or an array
            (H, W) or (H, W, 1): uint8 in [0, 255] or float in [0, 1].

    Raises:
        ImageError: the file cannot be read.
        ValueError: a colour image or array of the wrong number of channels, or values out of range.
    """
    if isinstance(mask, np.ndarray):
        if mask.ndim not in (2, 3) or (mask.ndim == 3 and mask.shape[2] != 1) or 0 in mask.shape:
            raise ValueError(f"mask must be greyscale, shape (H, W) or (H, W, 1). Received: mask.shape={mask.shape}")
        values = mask.astype(np.float32) / (255.0 if mask.dtype == np.uint8 else 1.0)
        if not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1:
            raise ValueError(f"a float mask must lie in [0, 1]. Received: min={values.min():g}, max={values.max():g}")
        return values.reshape(*mask.shape[:2], 1)
    rgb = images.load_image(mask)
    if not (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])):
        raise ValueError(f"mask must be a greyscale image (one channel), not colour. Received: mask={str(mask)!r}")
    return rgb[..., :1] / 255.0
