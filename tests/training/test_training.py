"""Tests for tfdream.training and the MIT Indoor 67 example scripts: tiny data, 32x32 inputs, one epoch."""

import csv
import io
import json
import os
import pathlib
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from sklearn import datasets

import tfdream
from tfdream.core import callbacks
from tfdream.models import metadata
from tfdream.training import architectures, evaluate, loop, pipelines, plots, train
from tfdream.training.mit_indoor67 import mit_indoor67_dataset_builder

_ROOT = pathlib.Path(__file__).resolve().parents[2]
_DUMMY_DATA = pathlib.Path(mit_indoor67_dataset_builder.__file__).parent / "dummy_data"
_CLASSES = ("bar", "kitchen", "office")
_SIZE = (32, 32)


def _images(count: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (count, 40, 36, 3) images whose mean colour depends on the label, and int labels."""
    rng = np.random.default_rng(0)
    labels = np.arange(count) % len(_CLASSES)
    images = rng.integers(0, 80, (count, 40, 36, 3)) + 80 * labels[:, None, None, None]
    return images.astype(np.uint8), labels


def _dataset(count: int = 8) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices(_images(count))


def _config(architecture: str = "alexnet", **kwargs) -> train.TrainConfig:
    defaults = dict(image_size=_SIZE, epochs=1, batch_size=4, warmup_epochs=0, learning_rate=1e-3)
    return train.TrainConfig(architecture=architecture, **(defaults | kwargs))


def _train(out_dir, config: train.TrainConfig, **kwargs) -> pathlib.Path:
    return train.train(config, out_dir, _dataset(), _dataset(), _CLASSES, split="tiny", verbose=0, **kwargs)


class _EpochRecorder(keras.callbacks.Callback):
    def __init__(self, stop_at: int | None = None):
        super().__init__()
        self.epochs, self.stop_at = [], stop_at

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.stop_at:
            raise KeyboardInterrupt("simulated interruption")
        self.epochs.append(epoch)


class _FinalWeights(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        self.weights = self.model.get_weights()


# Input pipeline.


def test_center_crop_covers_then_crops_the_middle():
    image = np.zeros((40, 80, 3), np.uint8)
    image[:, 16:64] = 255  # a bright middle
    crop = pipelines.center_crop(tf.constant(image), (20, 20)).numpy()
    assert crop.shape == (20, 20, 3) and crop.dtype == np.float32
    assert crop.min() > 250  # 40x80 -> 20x40 (bright 8:32), whose central columns 10:30 are bright


def test_augment_is_a_function_of_the_seed():
    image = tf.constant(_images(1)[0][0])
    kwargs = dict(size=_SIZE, min_crop_area=0.25, color_jitter=0.4)
    first = pipelines.augment(image, tf.constant([1, 2]), **kwargs).numpy()
    np.testing.assert_array_equal(first, pipelines.augment(image, tf.constant([1, 2]), **kwargs).numpy())
    assert not np.array_equal(first, pipelines.augment(image, tf.constant([3, 4]), **kwargs).numpy())
    assert first.shape == (*_SIZE, 3) and 0 <= first.min() and first.max() <= 255


def _epoch(batches) -> np.ndarray:
    return np.concatenate([images.numpy() for images, _ in batches])


def test_train_pipeline_is_seeded_and_reshuffles_each_epoch():
    make = lambda: pipelines.train_pipeline(_dataset(), image_size=_SIZE, batch_size=3, num_classes=3, seed=7)
    images, labels = next(iter(make()))
    assert images.shape == (3, *_SIZE, 3) and images.dtype == tf.float32
    assert -1 <= images.numpy().min() and images.numpy().max() <= 1
    assert labels.shape == (3, 3) and np.all(labels.numpy().sum(axis=1) == 1)
    batches = make()
    first_epoch, second_epoch = _epoch(batches), _epoch(batches)
    assert first_epoch.shape == (8, *_SIZE, 3)
    assert not np.array_equal(first_epoch, second_epoch)
    np.testing.assert_array_equal(first_epoch, _epoch(make()))


def test_pipelines_accept_encoded_images():
    encoded = []
    for image in _images(4)[0]:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "PNG")
        encoded.append(buffer.getvalue())
    dataset = tf.data.Dataset.from_tensor_slices((encoded, _images(4)[1]))
    decoded = pipelines.eval_pipeline(dataset, image_size=_SIZE, batch_size=4, num_classes=3)
    expected = pipelines.eval_pipeline(_dataset(4), image_size=_SIZE, batch_size=4, num_classes=3)
    np.testing.assert_allclose(_epoch(decoded), _epoch(expected))
    trained = pipelines.train_pipeline(dataset, image_size=_SIZE, batch_size=2, num_classes=3, seed=0)
    assert _epoch(trained).shape[0] == 4


def test_count_without_known_cardinality():
    assert pipelines.count(_dataset(8)) == 8
    assert pipelines.count(_dataset(8).filter(lambda image, label: label > 0)) == 5


# Configuration and architectures.


@pytest.mark.parametrize(
    "kwargs, name, rule",
    [
        ({"architecture": "vgg12"}, "architecture", "must be one of"),
        ({"image_size": (16, 16)}, "image_size", "each >= 32 for vgg11"),
        ({"epochs": 0}, "epochs", "must be >= 1"),
        ({"warmup_epochs": 1}, "warmup_epochs", "must be in [0, epochs=1)"),
        ({"optimizer": "rmsprop"}, "optimizer", "must be one of ('sgd', 'adam')"),
        ({"strategy": "tpu"}, "strategy", "must be one of ('default', 'mirrored', 'multi_worker')"),
        ({"label_smoothing": 1.0}, "label_smoothing", "must be in [0, 1)"),
        ({"momentum": -0.5}, "momentum", "must be in [0, 1)"),
        ({"min_crop_area": 0.0}, "min_crop_area", "must be in (0, 1]"),
    ],
)
def test_train_config_errors_name_the_argument_and_its_rule(kwargs, name, rule):
    with pytest.raises(ValueError) as error:
        _config(**({"architecture": "vgg11"} | kwargs))
    message = str(error.value)
    assert message.startswith(name) and rule in message and f"{name}={kwargs[name]!r}" in message


def test_registry_has_the_study_architectures():
    assert {"vgg11", "vgg16", "vgg19", "resnet50", "resnet101", "resnet152", "alexnet", "vgg16_bn"} <= set(
        architectures.ARCHITECTURES
    )


# Every architecture: train, save, reload, metadata, dream.

@pytest.mark.parametrize(
    "architecture",
    [
        "vgg11",
        "vgg16",
        "vgg19",
        "vgg11_bn",
        "alexnet",
        pytest.param("resnet50", marks=pytest.mark.large),
        pytest.param("resnet101", marks=pytest.mark.large),
        pytest.param("resnet152", marks=pytest.mark.large),
    ],
)
def test_architecture_trains_saves_reloads_and_dreams(tmp_path, architecture):
    trained = _FinalWeights()
    path = _train(tmp_path, _config(architecture), callbacks=[trained])
    assert path == tmp_path / "model.keras"

    model = keras.saving.load_model(path)
    reloaded = model.get_weights()
    assert len(reloaded) == len(trained.weights)
    for saved, final in zip(reloaded, trained.weights):
        np.testing.assert_array_equal(saved, final)
    assert all(np.isfinite(weights).all() for weights in reloaded)
    # Batch statistics: after two steps the moving ones of deep ResNets are still far from converged.
    probabilities = model(pipelines.PREPROCESSING.preprocess(_images(2)[0][:, :32, :32]), training=True).numpy()
    assert probabilities.shape == (2, 3) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)

    meta = metadata.ModelMetadata.load(path)
    assert (meta.architecture, meta.preprocessing, meta.image_size) == (architecture, "inception", _SIZE)
    assert meta.class_names == _CLASSES and meta.split == "tiny"
    # Only finite metrics are kept: the deep ResNets' test loss after two steps overflows (their moving statistics).
    finite = {"train_loss", "train_accuracy", "test_accuracy", "epochs"}
    assert finite <= set(meta.metrics) <= finite | {"test_loss"}
    assert architecture in ("resnet101", "resnet152") or "test_loss" in meta.metrics
    assert meta.metrics["epochs"] == 1
    names = {layer.name for layer in model.layers}
    assert set(meta.layer_presets["all"]) <= names and len(meta.layer_presets["all"]) == 5
    assert meta.default_layers and set(meta.default_layers) <= names

    preset = next(name for name in ("block2", "stage1", "conv2") if name in meta.layer_presets)
    result = tfdream.Dreamer(path, layers=preset).dream(
        _images(1)[0][0, :32, :32], steps=2, octaves=(0,), tile_size=None, seed=0
    )
    assert len(result.history.records) == 2
    assert set(meta.layer_presets[preset]) <= set(result.history.records[0])


def test_presets_follow_the_study_choices():
    vgg_bn = architectures.get("vgg16_bn")
    model = vgg_bn.build(3, 0.5)
    assert vgg_bn.layer_presets(model)["block3"] == ("block3_conv3_relu",)
    alexnet = architectures.get("alexnet")
    assert alexnet.default_layers(alexnet.build(3, 0.5)) == ("conv4",)


def test_synchronize_batch_norm_keeps_the_architecture_and_weights():
    plain = architectures.get("vgg11_bn").build(3, 0.5)
    synchronized = architectures.synchronize_batch_norm(plain)
    norms = [layer for layer in synchronized.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 8 and all(layer.synchronized for layer in norms)
    assert [layer.name for layer in synchronized.layers] == [layer.name for layer in plain.layers]
    for copied, original in zip(synchronized.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(copied, original)
    images = pipelines.PREPROCESSING.preprocess(_images(2)[0][:, :32, :32])
    np.testing.assert_allclose(synchronized(images), plain(images), atol=1e-6)


# The custom training loop (multi-worker training; tests/test_multi_worker.py runs it on several workers).


def _compiled(config: train.TrainConfig, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return train._build(config, len(_CLASSES), steps_per_epoch=3)


def _fixed_batches(epoch: int = 0) -> tf.data.Dataset:
    """Ten images in batches of 4, 4 and 2, the same every epoch."""
    return pipelines.eval_pipeline(_dataset(10), image_size=_SIZE, batch_size=4, num_classes=len(_CLASSES))


def _loop(model: keras.Model, out: pathlib.Path, batches, epochs: int, **kwargs) -> dict[str, float]:
    return loop.fit(
        model, batches, epochs=epochs, strategy=tf.distribute.get_strategy(), backup_dir=out / "backup",
        history_csv=out / "history.csv", **kwargs,
    )


def test_loop_trains_the_weights_and_metrics_of_model_fit(tmp_path):
    config = _config(epochs=2, warmup_epochs=1, learning_rate=0.05, weight_decay=1e-3)
    by_fit = _compiled(config)
    history = by_fit.fit(_fixed_batches(), epochs=2, validation_data=_fixed_batches(), verbose=0, shuffle=False)
    by_loop = _compiled(config)
    metrics = _loop(by_loop, tmp_path, _fixed_batches, 2, test_batches=_fixed_batches(), log_dir=tmp_path / "logs")

    for looped, fitted in zip(by_loop.get_weights(), by_fit.get_weights()):
        np.testing.assert_allclose(looped, fitted, rtol=1e-5, atol=1e-7)
    assert not np.allclose(by_loop.get_weights()[0], _compiled(config).get_weights()[0])  # it did train
    rows = train.read_history(tmp_path / "history.csv")
    np.testing.assert_array_equal(rows["epoch"], [0, 1])
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(rows[key], history.history[key], rtol=1e-5)
        assert metrics[key] == pytest.approx(history.history[key][-1], rel=1e-5)
    assert list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))
    assert list((tmp_path / "logs" / "validation").glob("events.out.tfevents.*"))


def test_loop_resumes_from_its_backup_as_if_never_interrupted(tmp_path):
    config = _config(epochs=3)

    def batches(epoch):
        return pipelines.train_pipeline(
            _dataset(), image_size=_SIZE, batch_size=4, num_classes=3, seed=train.epoch_seed(0, epoch)
        )

    def interrupted(epoch):
        if epoch == 2:
            raise KeyboardInterrupt("simulated interruption")
        return batches(epoch)

    uninterrupted = _compiled(config)
    _loop(uninterrupted, tmp_path / "once", batches, 3)
    with pytest.raises(KeyboardInterrupt):
        _loop(_compiled(config), tmp_path / "twice", interrupted, 3)
    np.testing.assert_array_equal(train.read_history(tmp_path / "twice" / "history.csv")["epoch"], [0, 1])
    resumed = _compiled(config, seed=1)  # other initial weights: the backup replaces them
    keras.utils.set_random_seed(0)  # the global seed that `train.train` sets from the config
    _loop(resumed, tmp_path / "twice", batches, 3)

    for after_resume, straight in zip(resumed.get_weights(), uninterrupted.get_weights()):
        np.testing.assert_allclose(after_resume, straight, rtol=1e-6, atol=1e-7)
    assert (tmp_path / "twice" / "history.csv").read_text() == (tmp_path / "once" / "history.csv").read_text()
    assert _loop(resumed, tmp_path / "twice", batches, 3) == {}  # nothing left to train


def test_epoch_seeds_start_at_the_run_seed():
    seeds = [train.epoch_seed(5, epoch) for epoch in range(4)]
    assert seeds[0] == 5 and len(set(seeds)) == 4 and seeds == [train.epoch_seed(5, epoch) for epoch in range(4)]


# Resuming, distribution, precision.


def test_resume_after_interruption_continues_the_epoch_count(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, _config(epochs=2), callbacks=[_EpochRecorder(stop_at=1)])
    assert not (tmp_path / "model.keras").exists()

    resumed = _EpochRecorder()
    path = _train(tmp_path, _config(epochs=2), callbacks=[resumed])
    assert resumed.epochs == [1]
    with (tmp_path / "history.csv").open() as file:
        assert [row["epoch"] for row in csv.DictReader(file)] == ["0", "1"]
    assert metadata.ModelMetadata.load(path).metrics["epochs"] == 2

    again = _EpochRecorder()
    _train(tmp_path, _config(epochs=2), callbacks=[again])
    assert again.epochs == []


def test_a_stop_signal_ends_training_after_the_batch_and_keeps_the_last_epoch(tmp_path):
    class SignalInEpoch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if self.model.optimizer.iterations.numpy() == 4:  # the second of three batches of the second epoch
                signal.raise_signal(signal.SIGTERM)

    def run(**kwargs):
        return train.train(_config(epochs=3), tmp_path, _dataset(12), None, _CLASSES, verbose=0, **kwargs)

    with callbacks.StopOnInterrupt() as stop:
        path = run(callbacks=[SignalInEpoch()], should_stop=stop.should_stop)
    assert path is None and stop.exit_status == 143
    assert not (tmp_path / "model.keras").exists()
    assert [int(epoch) for epoch in train.read_history(tmp_path / "history.csv")["epoch"]] == [0]

    resumed = _EpochRecorder()
    path = run(callbacks=[resumed], should_stop=lambda: False)
    assert resumed.epochs == [1, 2] and metadata.ModelMetadata.load(path).metrics["epochs"] == 3


def test_training_without_test_data(tmp_path):
    path = train.train(_config(), tmp_path, _dataset(), None, _CLASSES, verbose=0)
    assert set(metadata.ModelMetadata.load(path).metrics) == {"train_loss", "train_accuracy", "epochs"}
    history = train.read_history(tmp_path / "history.csv")
    assert np.isnan(history["val_accuracy"]).all() and np.isfinite(history["accuracy"]).all()
    assert plots.plot_curves(history, tmp_path / "curves.png").stat().st_size > 1000


def test_mixed_precision_saves_a_float32_model(tmp_path):
    path = _train(tmp_path, _config(mixed_precision=True))
    assert keras.config.dtype_policy().name == "float32"
    model = keras.saving.load_model(path)
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}


_MIRRORED = """
import sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
from tfdream.training import train

class Replicas(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        print("replicas", self.model.distribute_strategy.num_replicas_in_sync)
        norms = [layer for layer in self.model.layers if isinstance(layer, keras.layers.BatchNormalization)]
        print("synchronized", len(norms), all(layer.synchronized for layer in norms))

images = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(8) % 3))
config = train.TrainConfig(architecture="vgg11_bn", image_size=(32, 32), epochs=1, batch_size=4,
                           warmup_epochs=0, strategy="mirrored")
print(train.train(config, sys.argv[1], dataset, dataset, ["a", "b", "c"], verbose=0, callbacks=[Replicas()]))
"""


def _python(args, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=300, env=env, cwd=_ROOT, **kwargs
    )


def test_mirrored_strategy_over_two_cpu_devices_trains_with_synchronized_batch_norm(tmp_path):
    run = _python(["-c", _MIRRORED, str(tmp_path)])
    assert run.returncode == 0, run.stderr[-3000:]
    assert "replicas 2" in run.stdout and "synchronized 8 True" in run.stdout
    model = keras.saving.load_model(tmp_path / "model.keras")  # saved with plain batch norm
    assert not any(getattr(layer, "synchronized", False) for layer in model.layers)
    assert (tmp_path / "model.json").is_file()


# Image folders.


def _digit_folder(root: pathlib.Path, count: int = 30) -> pathlib.Path:
    """The first `count` scikit-learn digits as PNGs in root/<digit>/, plus a broken PNG and a text file."""
    digits = datasets.load_digits()
    for index, (image, label) in enumerate(zip(digits.images[:count], digits.target[:count])):
        (root / str(label)).mkdir(parents=True, exist_ok=True)
        Image.fromarray((image * 255 / 16).astype(np.uint8)).save(root / str(label) / f"{index}.png")
    (root / "3" / "broken.png").write_bytes(b"not a PNG")
    (root / "notes.txt").write_text("not an image")
    return root


def _labels(dataset: tf.data.Dataset) -> list[int]:
    return sorted(int(label) for _, label in dataset)


def test_image_folder_holds_out_a_seeded_fraction_and_skips_broken_files(tmp_path, caplog):
    root = _digit_folder(tmp_path / "digits")
    splits = pipelines.load_image_folder(root, test_fraction=0.2, seed=0)
    assert splits.class_names == tuple("0123456789") and "0.2" in splits.split
    assert sorted(_labels(splits.train) + _labels(splits.test)) == sorted(datasets.load_digits().target[:30])
    assert pipelines.count(splits.test) in (5, 6)  # int(0.2 * 31) image files, less the broken one if held out
    assert "skipped 1 of" in caplog.text and "3/broken.png" in caplog.text
    assert "skipped 1 files that are not images" in caplog.text
    image, label = next(iter(splits.train))
    assert image.dtype == tf.string and label.dtype == tf.int64

    again, other = (pipelines.load_image_folder(root, test_fraction=0.2, seed=seed) for seed in (0, 1))
    assert _labels(again.test) == _labels(splits.test)
    assert [bytes(image.numpy()) for image, _ in other.test] != [bytes(image.numpy()) for image, _ in splits.test]
    assert pipelines.load_image_folder(root, test_fraction=0).test is None


def test_image_folder_with_train_and_test_folders(tmp_path):
    _digit_folder(tmp_path / "train", count=20)
    (tmp_path / "test" / "7").mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "test" / "7" / "blank.png")
    splits = pipelines.load(f"folder:{tmp_path}", test_fraction=0.5)
    assert splits.class_names == tuple("0123456789") and "train/ and test/" in splits.split
    assert pipelines.count(splits.train) == 20 and _labels(splits.test) == [7]


@pytest.mark.parametrize("dataset", ["imagenet", "folder:"])
def test_load_names_the_dataset_argument(dataset):
    with pytest.raises(ValueError, match=f"Received: dataset={dataset!r}"):
        pipelines.load(dataset)


def test_train_and_evaluate_on_an_image_folder(tmp_path):
    splits = pipelines.load_image_folder(_digit_folder(tmp_path / "digits"), test_fraction=0.3)
    path = train.train(_config(), tmp_path / "run", splits.train, splits.test, splits.class_names,
                       split=splits.split, verbose=0)
    meta = metadata.ModelMetadata.load(path)
    assert meta.class_names == tuple("0123456789") and meta.split == splits.split
    metrics = evaluate.evaluate(path, splits.test, tmp_path / "eval", class_names=splits.class_names,
                                embedding_samples=9)
    assert metrics["num_examples"] == pipelines.count(splits.test)
    with pytest.raises(ValueError, match="class_names must be the model's 10 classes"):
        evaluate.evaluate(path, splits.test, tmp_path / "eval", class_names=("a", "b"))


# Evaluation.


def test_evaluate_writes_the_report(tmp_path):
    model_path = _train(tmp_path / "run", _config())
    out = tmp_path / "eval"
    metrics = evaluate.evaluate(model_path, _dataset(), out, batch_size=4, embedding_samples=6)
    assert metrics["num_examples"] == 8 and 0 <= metrics["accuracy"] <= metrics["top5_accuracy"] == 1
    assert json.loads((out / "metrics.json").read_text()) == metrics
    for name in ("confusion_matrix.png", "curves.png", "pca.png", "tsne.png"):
        assert (out / name).stat().st_size > 1000, name
    with (out / "per_class_accuracy.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert [row["class"] for row in rows] == list(_CLASSES)
    assert sum(int(row["correct"]) for row in rows) == round(metrics["accuracy"] * 8)
    assert [int(row["total"]) for row in rows] == [3, 3, 2]


def test_evaluate_requires_metadata(tmp_path):
    architectures.get("alexnet").build(3, 0.5).save(tmp_path / "bare.keras")
    with pytest.raises(ValueError, match="bare.json"):
        evaluate.evaluate(tmp_path / "bare.keras", _dataset(), tmp_path / "eval")


def test_embeddings_are_skipped_without_scikit_learn(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    assert evaluate._project(np.random.default_rng(0).normal(size=(6, 4)), seed=0) == {}
    assert "scikit-learn is not installed" in caplog.text


def test_class_styles_tell_classes_apart():
    ten = plots.class_styles(10)
    assert len({colour for colour, _ in ten}) == 10 and {marker for _, marker in ten} == {"o"}
    many = plots.class_styles(67)
    assert len(set(many)) == 67 and len({marker for _, marker in many}) == 4


def test_confusion_matrix_plot_shows_only_the_classes_that_occur(tmp_path, monkeypatch):
    matrix = plots.confusion_matrix(np.array([0, 0, 5]), np.array([0, 5, 5]), 67)
    figures = []
    monkeypatch.setattr(plots.files, "save_figure", lambda figure_, path, overwrite: figures.append(figure_))
    plots.plot_confusion_matrix(matrix, [f"class{index}" for index in range(67)], tmp_path / "matrix.png")
    ax = figures[0].axes[0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["class0", "class5"]
    assert "2 of 67 classes" in ax.get_title()


def test_confusion_matrix_counts():
    matrix = plots.confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


# Example scripts, on the committed dummy data.


@pytest.fixture(scope="module")
def trained_by_script(tmp_path_factory):
    """Runs examples/train_mit_indoor.py as a program on dummy_data; returns (data_dir, out_dir).

    A separate process keeps the script's absl flags out of this one, where other modules define theirs.
    """
    root = tmp_path_factory.mktemp("script")
    run = _python([
        "examples/train_mit_indoor.py", f"--out_dir={root / 'run'}", f"--data_dir={root / 'tfds'}",
        f"--manual_dir={_DUMMY_DATA}", "--architecture=vgg11_bn", "--image_size=32,32", "--epochs=2",
        "--batch_size=4", "--warmup_epochs=1", "--verbose=0",
    ])
    assert run.returncode == 0, run.stderr[-3000:]
    return root / "tfds", root / "run"


def test_train_script_builds_the_dataset_and_trains(trained_by_script):
    data_dir, out_dir = trained_by_script
    assert (data_dir / "mit_indoor67" / "1.0.0").is_dir()
    meta = metadata.ModelMetadata.load(out_dir / "model.keras")
    assert meta.architecture == "vgg11_bn" and len(meta.class_names) == 67
    assert meta.split == pipelines.MIT_INDOOR67_SPLIT and meta.metrics["epochs"] == 2
    config = json.loads((out_dir / "train_config.json").read_text())
    assert config["warmup_epochs"] == 1 and config["image_size"] == [32, 32]
    assert list((out_dir / "logs").rglob("events.out.tfevents.*"))


def test_evaluate_script_runs_as_a_program(trained_by_script, tmp_path):
    data_dir, out_dir = trained_by_script
    run = _python([
        "examples/evaluate_mit_indoor.py", f"--model={out_dir / 'model.keras'}", f"--data_dir={data_dir}",
        f"--out_dir={tmp_path}", "--batch_size=2",
    ])
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads((tmp_path / "metrics.json").read_text())["num_examples"] == 3
    with (tmp_path / "per_class_accuracy.csv").open() as file:
        assert len(list(csv.DictReader(file))) == 67
