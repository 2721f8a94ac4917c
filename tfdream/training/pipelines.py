"""Input pipelines for the classifiers: MIT Indoor 67 from TFDS or any image folder, augmentation, scaling.

Pipelines take a `tf.data.Dataset` of (image, label) pairs: the image either uint8 RGB (H, W, 3) of any size
or its encoded JPEG/PNG bytes (a scalar tf.string, decoded after shuffling so the shuffle buffer stays small),
the label an int class index. They yield batches of float32 images (batch, height, width, 3) in [-1, 1] and
one-hot float32 labels (batch, num_classes). Images are scaled by `PREPROCESSING`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfdream import models
from tfdream.training import mit_indoor67

# The input space of every classifier trained here ([-1, 1]), recorded in its metadata.
PREPROCESSING = models.PREPROCESSING["inception"]
_LOG = logging.getLogger(__name__)

MIT_INDOOR67_SPLIT = "official TrainImages.txt/TestImages.txt (80/20 images per class)"
FOLDER_PREFIX = "folder:"
_ASPECT_RATIOS = (3 / 4, 4 / 3)


def load_mit_indoor67(
    split: str, *, data_dir: str | os.PathLike | None = None, manual_dir: str | os.PathLike | None = None
) -> tuple[tf.data.Dataset, tuple[str, ...]]:
    """Prepares MIT Indoor 67 if needed and returns one split, images left JPEG-encoded.

    Args:
        split: "train" or "test".
        data_dir: TFDS data directory (default `~/tensorflow_datasets`).
        manual_dir: Folder holding the archive and split lists (see `mit_indoor67.Builder`); needed only
            the first time, when the dataset is built.

    Returns:
        (dataset of (JPEG bytes, int64 label), class names in label order).
    """
    builder = mit_indoor67.Builder(data_dir=None if data_dir is None else os.fspath(data_dir))
    config = tfds.download.DownloadConfig(manual_dir=None if manual_dir is None else os.fspath(manual_dir))
    builder.download_and_prepare(download_config=config)
    dataset = builder.as_dataset(
        split=split, as_supervised=True, decoders={"image": tfds.decode.SkipDecoding()}
    )
    return dataset, tuple(builder.info.features["label"].names)


@dataclasses.dataclass(frozen=True)
class Splits:
    """A labelled image set split for training and testing.

    Attributes:
        train: (encoded image bytes or uint8 RGB image, int label) pairs.
        test: Same form, or None when nothing is held out.
        class_names: Class names in label order.
        split: How train and test were split, in words (recorded in the model's metadata).
    """

    train: tf.data.Dataset
    test: tf.data.Dataset | None
    class_names: tuple[str, ...]
    split: str


def _decodable(paths: np.ndarray) -> np.ndarray:
    """Which image files TensorFlow's decoder reads: bool (n,), decoding them in parallel once."""
    indices = tf.data.Dataset.from_tensor_slices((np.arange(len(paths)), paths)).map(
        lambda index, path: (index, tf.shape(tf.io.decode_image(tf.io.read_file(path), expand_animations=False))),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    readable = np.zeros(len(paths), bool)
    readable[[index for index, _ in indices.ignore_errors().as_numpy_iterator()]] = True
    return readable


def _listed(dataset: tf.data.Dataset, root: pathlib.Path, class_names: tuple[str, ...], name: str) -> tf.data.Dataset:
    """(file bytes, label) of the decodable files a `keras.utils.image_dataset_from_directory` set lists."""
    paths = np.array(dataset.file_paths, dtype=object)
    labels = np.array([class_names.index(pathlib.Path(path).relative_to(root).parts[0]) for path in paths], np.int64)
    readable = _decodable(paths.astype(str))
    if not readable.all():
        skipped = sorted(str(pathlib.Path(path).relative_to(root)) for path in paths[~readable])
        _LOG.warning("%s: skipped %d of %d images that cannot be decoded: %s", name, len(skipped), len(paths),
                     ", ".join(skipped))
    files = tf.data.Dataset.from_tensor_slices((paths[readable].astype(str), labels[readable]))
    return files.map(lambda path, label: (tf.io.read_file(path), label))


def load_image_folder(root: str | os.PathLike, *, test_fraction: float = 0.2, seed: int = 0) -> Splits:
    """Lists a folder of labelled images, one sub-folder per class, and splits it.

    Two layouts: `root/train/<class>/...` and `root/test/<class>/...` (the given split; `test_fraction` is not
    used), or `root/<class>/...`, of which a random `test_fraction` (drawn with `seed`, not stratified) is
    held out. Listing and splitting are those of `keras.utils.image_dataset_from_directory` (files ending in
    .jpg, .jpeg, .png, .bmp or .gif, in sub-folders at any depth; class names are the sorted folder names).
    Files that TensorFlow cannot decode are skipped with a warning that counts and names them; files of other
    types are skipped with a count.

    Args:
        root: The image folder.
        test_fraction: Fraction in [0, 1) held out for testing in the `root/<class>` layout; 0 holds none out.
        seed: Seed of the random split.

    Returns:
        `Splits` of (encoded image bytes, int64 label) pairs, images decoded later by the pipelines.
    """
    root = pathlib.Path(root)
    if not root.is_dir():
        raise ValueError(f"root must be a folder of class folders. Received: root={str(root)!r}")
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be in [0, 1). Received: test_fraction={test_fraction!r}")
    options = dict(labels="inferred", batch_size=None, shuffle=True, seed=seed)
    if (root / "train").is_dir() and (root / "test").is_dir():
        train = keras.utils.image_dataset_from_directory(root / "train", **options)
        test = keras.utils.image_dataset_from_directory(root / "test", **options)
        class_names, unknown = tuple(train.class_names), sorted(set(test.class_names) - set(train.class_names))
        if unknown:
            raise ValueError(
                f"root/test must hold only classes of root/train; {unknown} are not. Received: root={str(root)!r}"
            )
        roots, split = (root / "train", root / "test"), f"{root.name}: the train/ and test/ folders"
    elif test_fraction:
        train, test = keras.utils.image_dataset_from_directory(
            root, validation_split=test_fraction, subset="both", **options
        )
        class_names, roots = tuple(train.class_names), (root, root)
        split = f"{root.name}: random {test_fraction:g} of the images held out for testing (seed {seed})"
    else:
        train, test = keras.utils.image_dataset_from_directory(root, **options), None
        class_names, roots, split = tuple(train.class_names), (root,), f"{root.name}: all images, none held out"
    listed = len(train.file_paths) + (0 if test is None else len(test.file_paths))
    others = sum(1 for path in root.rglob("*") if path.is_file()) - listed
    if others:
        _LOG.warning("%s: skipped %d files that are not images (by their extension)", root, others)
    return Splits(
        train=_listed(train, roots[0], class_names, "train"),
        test=None if test is None else _listed(test, roots[1], class_names, "test"),
        class_names=class_names,
        split=split,
    )


def load(
    dataset: str,
    *,
    data_dir: str | os.PathLike | None = None,
    manual_dir: str | os.PathLike | None = None,
    test_fraction: float = 0.2,
    split_seed: int = 0,
) -> Splits:
    """Loads a dataset by name: "mit_indoor67" (see `load_mit_indoor67`) or "folder:/path/to/root"
    (see `load_image_folder`; `test_fraction` and `split_seed` apply to it only)."""
    if dataset == "mit_indoor67":
        train, class_names = load_mit_indoor67("train", data_dir=data_dir, manual_dir=manual_dir)
        test, _ = load_mit_indoor67("test", data_dir=data_dir)
        return Splits(train, test, class_names, MIT_INDOOR67_SPLIT)
    if dataset.startswith(FOLDER_PREFIX) and len(dataset) > len(FOLDER_PREFIX):
        return load_image_folder(dataset[len(FOLDER_PREFIX):], test_fraction=test_fraction, seed=split_seed)
    raise ValueError(
        f"dataset must be 'mit_indoor67' or '{FOLDER_PREFIX}/path/to/images'. Received: dataset={dataset!r}"
    )


def _decoded(image: tf.Tensor) -> tf.Tensor:
    if image.dtype == tf.string:
        image = tf.io.decode_image(image, channels=3, expand_animations=False)
        image.set_shape((None, None, 3))
    return image


def center_crop(image: tf.Tensor, size: tuple[int, int]) -> tf.Tensor:
    """Resizes so the image covers `size`, keeping its aspect ratio, then crops the center.

    Args:
        image: RGB (H, W, 3), values in [0, 255].
        size: (height, width) of the result.

    Returns:
        float32 (height, width, 3) in [0, 255].
    """
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    target = tf.constant(size, tf.float32)
    scaled = tf.cast(tf.math.ceil(shape * tf.reduce_max(target / shape)), tf.int32)
    resized = tf.image.resize(image, scaled, antialias=True)
    offset = (scaled - tf.constant(size)) // 2
    return tf.slice(resized, [offset[0], offset[1], 0], [size[0], size[1], 3])


def augment(
    image: tf.Tensor, seed: tf.Tensor, size: tuple[int, int], *, min_crop_area: float, color_jitter: float
) -> tf.Tensor:
    """Random resized crop, horizontal flip and colour jitter, all stateless (reproducible from `seed`).

    Args:
        image: RGB (H, W, 3), values in [0, 255].
        seed: int (2,) seed of the stateless random ops.
        size: (height, width) of the result.
        min_crop_area: Smallest crop, as a fraction of the image area; aspect ratios range over [3/4, 4/3].
        color_jitter: Brightness, contrast and saturation factors are drawn from [1 - s, 1 + s]; 0 disables.

    Returns:
        float32 (height, width, 3) in [0, 255].
    """
    crop_seed, flip_seed, brightness_seed, contrast_seed, saturation_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 5)
    )
    begin, crop_size, _ = tf.image.stateless_sample_distorted_bounding_box(
        tf.shape(image),
        bounding_boxes=tf.constant([[[0.0, 0.0, 1.0, 1.0]]]),
        seed=crop_seed,
        min_object_covered=min_crop_area,
        aspect_ratio_range=_ASPECT_RATIOS,
        area_range=(min_crop_area, 1.0),
        use_image_if_no_bounding_boxes=True,
    )
    x = tf.image.resize(tf.slice(image, begin, crop_size), size, antialias=True) / 255.0
    x = tf.image.stateless_random_flip_left_right(x, flip_seed)
    if color_jitter > 0:
        low, high = 1.0 - color_jitter, 1.0 + color_jitter
        x = x * tf.random.stateless_uniform([], brightness_seed, low, high)
        x = tf.image.stateless_random_contrast(x, low, high, contrast_seed)
        x = tf.image.stateless_random_saturation(tf.clip_by_value(x, 0.0, 1.0), low, high, saturation_seed)
    return tf.clip_by_value(x, 0.0, 1.0) * 255.0


def train_pipeline(
    dataset: tf.data.Dataset,
    *,
    image_size: tuple[int, int],
    batch_size: int,
    num_classes: int,
    seed: int,
    augmentation: bool = True,
    min_crop_area: float = 0.25,
    color_jitter: float = 0.4,
    shuffle_buffer: int = 8192,
) -> tf.data.Dataset:
    """Shuffles (a new order each epoch), augments or center-crops, scales and batches a training set.

    The order and the augmentation are a function of `seed` alone, so a run can be repeated.
    """
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)

    def prepare(example, example_seed):
        image, label = example
        image = _decoded(image)
        if augmentation:
            image = augment(image, example_seed, image_size, min_crop_area=min_crop_area, color_jitter=color_jitter)
        else:
            image = center_crop(image, image_size)
        return PREPROCESSING.preprocess(image), tf.one_hot(label, num_classes)

    dataset = tf.data.Dataset.zip((dataset, seeds)).map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def eval_pipeline(
    dataset: tf.data.Dataset, *, image_size: tuple[int, int], batch_size: int, num_classes: int
) -> tf.data.Dataset:
    """Center-crops, scales and batches an evaluation set, in its original order."""

    def prepare(image, label):
        return PREPROCESSING.preprocess(center_crop(_decoded(image), image_size)), tf.one_hot(label, num_classes)

    return dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def count(dataset: tf.data.Dataset) -> int:
    """Number of elements of a finite dataset (its cardinality when known, else by iterating it once)."""
    cardinality = int(dataset.cardinality())
    if cardinality >= 0:
        return cardinality
    if cardinality == tf.data.INFINITE_CARDINALITY:
        raise ValueError("dataset must be finite. Received: a dataset with infinite cardinality")
    return int(dataset.reduce(0, lambda total, _: total + 1))
