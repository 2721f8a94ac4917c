"""MIT Indoor 67 (Quattoni and Torralba, CVPR 2009): 67 indoor scene categories, official train/test lists."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from etils import epath

_LOG = logging.getLogger(__name__)

ARCHIVE = "indoorCVPR_09.tar"
IMAGES_DIR = "Images"
SPLIT_LISTS = {"train": "TrainImages.txt", "test": "TestImages.txt"}
CLASS_NAMES_FILE = epath.Path(__file__).parent / "class_names.txt"


class Builder(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for MIT Indoor 67 with the official 80/20 images-per-class split."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: official TrainImages.txt / TestImages.txt splits."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""\
    Download from https://web.mit.edu/torralba/www/indoor.html and place in `manual_dir`:
      * {ARCHIVE} (the image archive), or its extracted tree {IMAGES_DIR}/<category>/<file>.jpg;
      * {SPLIT_LISTS['train']} and {SPLIT_LISTS['test']} (the official split lists, lines `<category>/<file>.jpg`).
    """

    def _info(self) -> tfds.core.DatasetInfo:
        """Returns the dataset metadata."""
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(None, None, 3), encoding_format="jpeg"),
                "label": tfds.features.ClassLabel(names_file=CLASS_NAMES_FILE),
                "file_name": tfds.features.Text(),  # e.g. "kitchen/int474.jpg"
            }),
            supervised_keys=("image", "label"),
            homepage="https://web.mit.edu/torralba/www/indoor.html",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        """Returns the train and test example generators, reading the folder tree if present, else the tar."""
        root = dl_manager.manual_dir
        lists = {split: root / name for split, name in SPLIT_LISTS.items()}
        images_dir, archive = root / IMAGES_DIR, root / ARCHIVE
        missing = [str(path) for path in lists.values() if not path.exists()]
        if not images_dir.exists() and not archive.exists():
            missing.append(f"{archive} (or the extracted folder {images_dir})")
        if missing:
            raise FileNotFoundError(
                "MIT Indoor 67 files are missing from manual_dir. Expected:\n  "
                + "\n  ".join(missing)
                + f"\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}"
            )
        generators = {}
        for split, list_path in lists.items():
            listed = self._read_list(list_path)
            if images_dir.exists():
                files = _folder_files(images_dir, listed)
            else:
                files = _archive_files(dl_manager.iter_archive(archive), set(listed))
            generators[split] = self._generate_examples(files, listed, split)
        return generators

    def _read_list(self, path: epath.Path) -> list[str]:
        """Reads a split list: one `<category>/<file>` per line, category among the class names."""
        classes = set(self.info.features["label"].names)
        listed = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            entry = line.strip().replace("\\", "/")
            if not entry:
                continue
            if entry.count("/") != 1 or entry.split("/")[0] not in classes:
                raise ValueError(
                    f"{path}:{number}: expected `<category>/<file>` with one of the 67 categories. "
                    f"Received: {line!r}"
                )
            listed.append(entry)
        return listed

    def _generate_examples(self, files: Iterable[tuple[str, bytes]], listed: list[str], split: str):
        """Yields (relative path, example); skips and counts files that do not decode as images."""
        found, skipped = set(), []
        for relative, data in files:
            found.add(relative)
            image = _jpeg_or_pixels(data)
            if image is None:
                skipped.append(relative)
                continue
            yield relative, {"image": image, "label": relative.split("/")[0], "file_name": relative}
        if skipped:
            _LOG.warning(
                "%s: skipped %d of %d listed images that cannot be decoded: %s",
                split, len(skipped), len(listed), ", ".join(sorted(skipped)),
            )
        absent = sorted(set(listed) - found)
        if absent:
            _LOG.warning(
                "%s: %d of %d listed images are not in the data: %s",
                split, len(absent), len(listed), ", ".join(absent),
            )


def _folder_files(images_dir: epath.Path, listed: list[str]) -> Iterator[tuple[str, bytes]]:
    """Yields (relative path, bytes) of the listed files that exist under the extracted `Images/` tree."""
    for relative in listed:
        path = images_dir / relative
        if path.exists():
            yield relative, path.read_bytes()


def _archive_files(members: Iterable[tuple[str, BinaryIO]], wanted: set[str]) -> Iterator[tuple[str, bytes]]:
    """Yields (`<category>/<file>`, bytes) for archive members in `wanted`, whatever folders precede them."""
    for name, file in members:
        relative = "/".join(name.replace("\\", "/").split("/")[-2:])
        if relative in wanted:
            yield relative, file.read()


def _jpeg_or_pixels(data: bytes) -> bytes | np.ndarray | None:
    """Returns JPEG bytes as they are, other decodable formats as uint8 RGB pixels, None if undecodable."""
    try:
        pixels = tf.io.decode_image(data, channels=3, expand_animations=False)
    except tf.errors.OpError:
        return None
    return data if bool(tf.io.is_jpeg(data)) else pixels.numpy()
