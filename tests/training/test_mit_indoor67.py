"""Tests for the MIT Indoor 67 TFDS builder.

Running this file as a script rewrites the committed `dummy_data/` (tiny generated JPEGs and split lists).
"""

import io
import logging
import pathlib
import tarfile

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from tfdream.training.mit_indoor67 import mit_indoor67_dataset_builder as builder_lib

_DUMMY_DATA = pathlib.Path(builder_lib.__file__).parent / "dummy_data"
_DUMMY_CLASSES = ("bakery", "kitchen", "winecellar")
_DUMMY_PER_CLASS = {"train": 3, "test": 1}


def _jpeg(seed: int, size=(24, 32), mode="RGB", image_format="JPEG") -> bytes:
    """A small image: a per-seed colour plus noise, so classes are learnable."""
    rng = np.random.default_rng(seed)
    colour = rng.integers(0, 256, 3)
    pixels = np.clip(colour + rng.normal(0, 20, (*size, 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(buffer, image_format, **({"quality": 70} if mode != "P" else {}))
    return buffer.getvalue()


def _dummy_files() -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """Returns ({relative path: JPEG bytes}, {split: listed relative paths}) of the dummy data."""
    files, lists = {}, {split: [] for split in _DUMMY_PER_CLASS}
    for label, name in enumerate(_DUMMY_CLASSES):
        for split, count in _DUMMY_PER_CLASS.items():
            for index in range(count):
                relative = f"{name}/{split}_{index}.jpg"
                files[relative] = _jpeg(seed=label)
                lists[split].append(relative)
    return files, lists


def _write_manual_dir(root: pathlib.Path, lists: dict[str, list[str]]) -> None:
    for split, name in builder_lib.SPLIT_LISTS.items():
        (root / name).write_text("".join(f"{entry}\r\n" for entry in lists[split]))


def write_dummy_data(root: pathlib.Path = _DUMMY_DATA) -> None:
    """Writes the dummy manual_dir: the extracted `Images/` tree and the two split lists."""
    files, lists = _dummy_files()
    for relative, data in files.items():
        path = root / builder_lib.IMAGES_DIR / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    _write_manual_dir(root, lists)


class MitIndoor67Test(tfds.testing.DatasetBuilderTestCase):
    """Builds the committed dummy_data/ (extracted-folder layout)."""

    DATASET_CLASS = builder_lib.Builder
    SPLITS = {"train": len(_DUMMY_CLASSES) * 3, "test": len(_DUMMY_CLASSES)}


def test_there_are_67_distinct_classes():
    names = builder_lib.CLASS_NAMES_FILE.read_text().split()
    assert len(names) == len(set(names)) == 67
    assert {"airport_inside", "stairscase", "winecellar"} <= set(names)


def test_dummy_data_is_small_and_matches_its_generator(tmp_path):
    size = sum(path.stat().st_size for path in _DUMMY_DATA.rglob("*") if path.is_file())
    assert size < 100_000
    write_dummy_data(tmp_path)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (_DUMMY_DATA / path.relative_to(tmp_path)).read_bytes(), path


def _build(manual_dir: pathlib.Path, data_dir: pathlib.Path) -> builder_lib.Builder:
    builder = builder_lib.Builder(data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)))
    return builder


def test_archive_with_broken_files_builds_and_counts_them(tmp_path, caplog):
    manual = tmp_path / "manual"
    manual.mkdir()
    good = _jpeg(1)
    members = {
        "bakery/good.jpg": good,
        "bakery/empty.jpg": b"",
        "bakery/text.jpg": b"<html>not found</html>",
        "kitchen/truncated.jpg": good[: len(good) // 2],
        "kitchen/animation.jpg": _jpeg(2, mode="P", image_format="GIF"),
        "kitchen/png.jpg": _jpeg(3, image_format="PNG"),
        "kitchen/test.jpg": good,
        "kitchen/unlisted.jpg": good,
    }
    with tarfile.open(manual / builder_lib.ARCHIVE, "w") as archive:
        for relative, data in members.items():
            info = tarfile.TarInfo(f"Images/{relative}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    train = [name for name in members if name not in ("kitchen/test.jpg", "kitchen/unlisted.jpg")]
    _write_manual_dir(manual, {"train": train + ["bakery/absent.jpg"], "test": ["kitchen/test.jpg"]})

    with caplog.at_level(logging.WARNING):
        builder = _build(manual, tmp_path / "data")

    assert builder.info.splits["train"].num_examples == 3  # good, GIF and PNG (re-encoded as JPEG)
    assert builder.info.splits["test"].num_examples == 1
    assert "skipped 3 of 7 listed images that cannot be decoded" in caplog.text
    assert "bakery/empty.jpg, bakery/text.jpg, kitchen/truncated.jpg" in caplog.text
    assert "1 of 7 listed images are not in the data: bakery/absent.jpg" in caplog.text
    examples = {
        ex["file_name"].decode(): ex for ex in tfds.as_numpy(builder.as_dataset(split="train"))
    }
    assert sorted(examples) == ["bakery/good.jpg", "kitchen/animation.jpg", "kitchen/png.jpg"]
    gif = examples["kitchen/animation.jpg"]
    assert gif["image"].shape == (24, 32, 3) and gif["image"].dtype == np.uint8
    assert builder.info.features["label"].int2str(gif["label"]) == "kitchen"


def test_missing_files_error_lists_expected_paths(tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    (manual / "TrainImages.txt").write_text("bakery/a.jpg\n")
    with pytest.raises(FileNotFoundError) as error:
        _build(manual, tmp_path / "data")
    message = str(error.value)
    assert str(manual / "TestImages.txt") in message
    assert str(manual / "indoorCVPR_09.tar") in message and str(manual / "Images") in message
    assert str(manual / "TrainImages.txt") not in message


def test_unknown_category_in_list_names_file_and_line(tmp_path):
    manual = tmp_path / "manual"
    (manual / "Images").mkdir(parents=True)
    _write_manual_dir(manual, {"train": ["bakery/a.jpg", "attic/b.jpg"], "test": []})
    with pytest.raises(ValueError, match=r"TrainImages.txt:2: .*'attic/b.jpg'"):
        _build(manual, tmp_path / "data")


if __name__ == "__main__":
    write_dummy_data()
