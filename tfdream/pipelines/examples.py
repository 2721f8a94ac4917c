"""The dataset examples of an atlas's units: every image through the model once, per channel its peak
activation and where it is; the top images of each channel and the patch around each one's peak.

The engine maps `ExampleScorer.score` over the images, keeps each unit's top `k` (score, image, box) across
workers, then crops the winners with `crop` and writes them with `write_examples`. An example source is an
image folder (keys: paths relative to it) or `mit_indoor67:SPLIT`, the TFDS split (keys: class/index).
"""

from __future__ import annotations

import io
import json
import os
import pathlib
from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image

from tfdream.io import files, images
from tfdream.pipelines import units as units_lib

TFDS_PREFIX = "mit_indoor67:"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
PATCH_CELLS = 8  # a patch is this many feature cells wide around the peak (at least 16 pixels)
IMAGE_THUMBNAIL_SIDE = 160

# (score, image key, (top, left, side)) of one unit in one image, as compared by the top-k: ties go by key.
Score = tuple[float, str, tuple[int, int, int]]


def folder_keys(examples: str | os.PathLike) -> list[str]:
    """The images of a folder (and its subfolders), as sorted paths relative to it."""
    root = pathlib.Path(examples)
    if not root.is_dir():
        raise ValueError(f"examples must be an image folder or {TFDS_PREFIX}SPLIT. "
                         f"Received: examples={str(examples)!r}")
    keys = sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                  if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file())
    if not keys:
        raise ValueError(f"examples holds no images ({', '.join(IMAGE_SUFFIXES)}). "
                         f"Received: examples={str(examples)!r}")
    return keys


def read_folder_image(examples: str | os.PathLike, key: str) -> tuple[str, bytes]:
    """(key, the encoded bytes of the image `key` of the folder `examples`)."""
    return key, (pathlib.Path(examples) / key).read_bytes()


def read_tfds(examples: str) -> Iterator[tuple[str, bytes]]:
    """(class/index, JPEG bytes) of every image of `mit_indoor67:SPLIT`, in the split's order."""
    from tfdream.training import pipelines  # pylint: disable=import-outside-toplevel  (TFDS, on demand)

    dataset, class_names = pipelines.load_mit_indoor67(examples[len(TFDS_PREFIX):])
    for index, (data, label) in enumerate(dataset.as_numpy_iterator()):
        yield f"{class_names[int(label)]}/{index:06d}", bytes(data)


def decode(data: bytes, max_dim: int | None) -> np.ndarray:
    """Encoded image bytes as float32 RGB [0, 255], shrunk to at most `max_dim` on the longer side."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            return images.load_image(opened, max_dim=max_dim)
    except OSError as error:
        raise images.ImageError(f"cannot decode the image: {error}") from error


def peak_box(row: int, col: int, feature_shape: tuple[int, int], image_shape: tuple[int, int]) -> tuple[int, int, int]:
    """(top, left, side) of the square patch of the image around feature cell (row, col), inside the image."""
    (rows, cols), (height, width) = feature_shape, image_shape
    stride = max(height / rows, width / cols)
    side = int(min(height, width, max(16, round(PATCH_CELLS * stride))))
    centre_y, centre_x = (row + 0.5) * height / rows, (col + 0.5) * width / cols
    top = int(np.clip(round(centre_y - side / 2), 0, height - side))
    left = int(np.clip(round(centre_x - side / 2), 0, width - side))
    return top, left, side


class ExampleScorer:
    """The model of an atlas cut to its layers, loaded once; `score` maps one image to every unit's peak."""

    def __init__(self, spec: units_lib.AtlasSpec, units: Sequence[units_lib.Unit]):
        from tfdream import models  # pylint: disable=import-outside-toplevel  (TensorFlow, in the worker)

        options = {key: spec.dreamer_options[key] for key in ("weights", "preprocessing", "min_size")
                   if key in spec.dreamer_options}
        loaded = models.load_model(spec.model, **options)
        self.spec, self.min_size, self.preprocessing = spec, loaded.min_size, loaded.preprocessing
        self.channels = {layer: [unit.channel for unit in units if unit.layer == layer] for layer in spec.layers}
        self.extractor = models.feature_extractor(loaded.model, [layer for layer in spec.layers
                                                                 if self.channels[layer]])

    def score(self, key: str, data: bytes) -> Iterator[tuple[tuple[str, int], Score]]:
        """((layer, channel), (peak activation, key, box)) of every unit for the image `key`; nothing for an
        image smaller than the model's smallest input."""
        rgb = decode(data, self.spec.example_size)
        if min(rgb.shape[:2]) < self.min_size:
            return
        activations = self.extractor(self.preprocessing.preprocess(rgb[None]), training=False)
        for layer, channels in self.channels.items():
            if not channels:
                continue
            maps = np.asarray(activations[layer][0], np.float32)[..., channels]  # (h, w, units)
            flat = maps.reshape(-1, len(channels))
            peaks = flat.argmax(axis=0)
            for index, channel in enumerate(channels):
                row, col = divmod(int(peaks[index]), maps.shape[1])
                box = peak_box(row, col, maps.shape[:2], rgb.shape[:2])
                yield (layer, channel), (float(flat[peaks[index], index]), key, box)


def crop(key: str, data: bytes, requests: Sequence[tuple[tuple[str, int], int, Score]],
         max_dim: int) -> Iterator[tuple[tuple[str, int], tuple[int, Score, bytes, bytes]]]:
    """For each (unit, rank, score) that chose the image `key`: (unit, (rank, score, patch JPEG, image JPEG))."""
    rgb = images.to_uint8(decode(data, max_dim))
    thumbnail = Image.fromarray(rgb)
    thumbnail.thumbnail((IMAGE_THUMBNAIL_SIDE, IMAGE_THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    image_jpeg = _jpeg(thumbnail)
    for unit, rank, score in requests:
        top, left, side = score[2]
        yield unit, (rank, score, _jpeg(Image.fromarray(rgb[top:top + side, left:left + side])), image_jpeg)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def write_examples(unit: units_lib.Unit, ranked: Sequence[tuple[int, Score, bytes, bytes]],
                   out_dir: str | os.PathLike) -> pathlib.Path:
    """Writes a unit's examples (`cNNNN_examples/rNN.jpg` patches, `rNN_image.jpg` thumbnails) and then
    their index `cNNNN_examples.json`, best first; returns the index's path."""
    folder = unit.path(out_dir, "_examples")
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for rank, (score, key, box), patch, image_jpeg in sorted(ranked, key=lambda entry: entry[0]):
        for name, data in ((f"r{rank:02d}.jpg", patch), (f"r{rank:02d}_image.jpg", image_jpeg)):
            with files.atomic_write(folder / name, overwrite=True) as handle:
                handle.write(data)
        entries.append({"rank": rank, "image": key, "score": score, "box": dict(zip(("top", "left", "side"), box)),
                        "patch": f"{folder.name}/r{rank:02d}.jpg", "thumbnail": f"{folder.name}/r{rank:02d}_image.jpg"})
    record = {"layer": unit.layer, "channel": unit.channel, "examples": entries}
    return files.write_text(unit.path(out_dir, "_examples.json"), json.dumps(record, indent=1) + "\n", overwrite=True)


def requests_of(unit: tuple[str, int], top: Sequence[Score]) -> Iterator[tuple[str, tuple]]:
    """A unit's top list, best first, as (image key, (unit, rank, score)) for the join with the images."""
    for rank, score in enumerate(top):
        yield score[1], (unit, rank, score)
