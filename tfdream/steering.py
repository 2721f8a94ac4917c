"""What steering a dream needs besides the objective: masks, guide features, a classifier's top and classes.

* Masks are greyscale images (any size) with values in [0, 1] that scale the ascent per pixel: resized to each
  octave, they let only part of the picture dream, with a soft edge where the mask is soft.
* A guide image's features are taken once per octave, at that octave's scale (capped to a tile's size so the
  guide costs at most one tile), and enter the compiled step as an input of dynamic shape.
* A classifier's top is its final `Dense` layer: its input is added to the extractor's outputs and the step
  applies the layer's kernel and bias without the activation (the pre-softmax logits).
* Images named by a term are recorded in configs as `{"path", "sha256"}` and checked when read back.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from tfdream import files, images, metadata, octaves

# Key of the classifier top's input among the extractor's outputs.
TOP_INPUT = "(top input)"


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


def mask_at(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """`mask` (H, W, C) resized (bilinear) to `shape`, clipped to [0, 1]: float32 (h, w, C)."""
    return np.clip(octaves.resize(mask, shape), 0.0, 1.0).astype(np.float32, copy=False)


def classifier_top(model: keras.Model) -> keras.layers.Dense:
    """The final `Dense` layer of a classifier (its "top"); a ValueError when the model has none."""
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense):
        raise ValueError(
            f"a class objective needs a classifier with a top (a final Dense layer); model {model.name!r} ends in "
            f"{type(last).__name__} {last.name!r}. Load it with its top (include_top=True) or use layer terms"
        )
    return last


def top_weights(top: keras.layers.Dense) -> tuple[tf.Tensor, tf.Tensor]:
    """(kernel float32 (features, classes), bias float32 (classes,)) of a classifier's top."""
    kernel = tf.constant(keras.ops.convert_to_numpy(top.kernel), tf.float32)
    classes = kernel.shape[-1]
    bias = keras.ops.convert_to_numpy(top.bias) if top.use_bias else np.zeros(classes, np.float32)
    return kernel, tf.constant(bias, tf.float32)


def class_index(target: str | int, class_names: Sequence[str], classes: int) -> int:
    """The output index of class `target` (a name from `class_names` or an index below `classes`)."""
    if isinstance(target, int):
        if target >= classes:
            raise ValueError(f"class index must be < {classes} (the classifier's classes). Received: target={target}")
        return target
    if target in class_names:
        return list(class_names).index(target)
    if not class_names:
        raise ValueError(f"class {target!r} cannot be found by name: the model has no class names (saved models "
                         "record them in their metadata `class_names`); give the class index instead")
    close = difflib.get_close_matches(target, class_names, n=5, cutoff=0.5)
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise ValueError(f"unknown class {target!r}.{hint} List all with `tfdream classes MODEL`.")


def class_names(model: str | os.PathLike | keras.Model) -> tuple[str, ...]:
    """A classifier's class names, in output order: a saved model's metadata `class_names`, else ()."""
    if isinstance(model, (str, os.PathLike)) and str(model).endswith(".keras"):
        meta = metadata.ModelMetadata.load(model)
        return () if meta is None else tuple(meta.class_names)
    return ()


def extractor_with_top(model: keras.Model, layers: Sequence[str], with_top: bool) -> keras.Model:
    """A model from `model`'s input to `{layer: activation}`, plus `TOP_INPUT` (the top's input) when asked."""
    outputs = {name: model.get_layer(name).output for name in layers}
    if with_top:
        outputs[TOP_INPUT] = classifier_top(model).input
    return keras.Model(inputs=model.inputs, outputs=outputs, name="features")


def fixed_input_size(model: keras.Model) -> tuple[int, int] | None:
    """(height, width) a model's input is fixed to, or None when it takes any size."""
    height, width = model.inputs[0].shape[1:3]
    return None if height is None or width is None else (int(height), int(width))


def guide_features(
    extractor: keras.Model,
    guide: np.ndarray,
    layer: str,
    shape: tuple[int, int],
    max_side: int | None,
    min_side: int,
) -> np.ndarray:
    """A guide image's features in `layer`, at the scale of an octave of `shape`.

    Args:
        extractor: Model from (1, h, w, 3) in model space to `{layer: activation}`.
        guide: The guide image in model space, float32 (H, W, 3).
        layer: The layer to read.
        shape: The octave's (height, width): the guide is resized to the same area, keeping its aspect ratio
            (to the network's input size when that is fixed).
        max_side: Largest side to run the network on (the tile size), or None for no cap.
        min_side: Smallest side the network accepts.

    Returns:
        float32 (positions, channels): one feature vector per position of the guide's activation.
    """
    height, width = guide.shape[:2]
    scale = np.sqrt(shape[0] * shape[1] / (height * width))
    if max_side is not None:
        scale = min(scale, max_side / max(height, width))
    size = fixed_input_size(extractor) or (max(min_side, round(height * scale)), max(min_side, round(width * scale)))
    resized = octaves.resize(guide, size)
    activation = extractor([resized[None]], training=False)[layer]
    return np.asarray(keras.ops.convert_to_numpy(activation), np.float32).reshape(-1, activation.shape[-1])
