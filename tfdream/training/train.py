"""Trains a classifier from scratch on `tf.distribute`, resumably, and saves it for dreaming.

Output folder:
    model.keras          the trained model (float32, uncompiled), loadable with `keras.saving.load_model`
    model.json           its `tfdream.metadata.ModelMetadata` (preprocessing, class names, dream layers, metrics)
    history.csv          per-epoch loss/accuracy on train and test data (continued across resumed runs)
    train_config.json    the `TrainConfig` of the last run
    backup/              training state after the last finished epoch, for resuming
    logs/                TensorBoard logs
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import math
import os
import pathlib
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfdream.io import files
from tfdream.models import metadata as metadata_lib
from tfdream.training import architectures, loop, pipelines

_LOG = logging.getLogger(__name__)

OPTIMIZERS = ("sgd", "adam")
# "multi_worker" trains with `loop.fit`: Keras 3 `Model.fit` fails under `MultiWorkerMirroredStrategy`
# (keras-team/keras#20585, still so with Keras 3.15 and TensorFlow 2.21).
STRATEGIES = ("default", "mirrored", "multi_worker")
# Parameters not decayed: biases and batch norm scales and offsets.
_NO_DECAY = ["bias", "gamma", "beta"]


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of a training run.

    Attributes:
        architecture: A name in `architectures.ARCHITECTURES`.
        image_size: (height, width) of training crops.
        epochs: Total epochs; a resumed run continues up to this number.
        batch_size: Global batch size (split across replicas).
        optimizer: "sgd" (with Nesterov momentum) or "adam" (decoupled weight decay, i.e. AdamW).
        learning_rate: Peak learning rate, reached after warmup, then cosine-decayed to 0.
        momentum: SGD momentum.
        weight_decay: Decoupled weight decay, not applied to biases and batch norm parameters.
        warmup_epochs: Epochs of linear warmup from 0; must be fewer than `epochs`.
        label_smoothing: Label smoothing of the cross-entropy loss.
        dropout: Dropout rate before the final dense layer.
        augmentation: Random resized crops, flips and colour jitter; if False, center crops only.
        min_crop_area: Smallest random crop, as a fraction of the image area.
        color_jitter: Strength of brightness/contrast/saturation jitter (0 disables).
        mixed_precision: Compute in float16 with float32 variables (for GPUs).
        strategy: "default" (one device), "mirrored" (all local GPUs; the CPU if there are none) or
            "multi_worker" (`MultiWorkerMirroredStrategy` over the cluster in `TF_CONFIG`: all GPUs, or the
            CPU, of every worker).
        seed: Seed of weight initialization, shuffling and augmentation.
    """

    architecture: str = "vgg11_bn"
    image_size: tuple[int, int] = (224, 224)
    epochs: int = 100
    batch_size: int = 64
    optimizer: str = "sgd"
    learning_rate: float = 0.02
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_epochs: int = 5
    label_smoothing: float = 0.1
    dropout: float = 0.5
    augmentation: bool = True
    min_crop_area: float = 0.25
    color_jitter: float = 0.4
    mixed_precision: bool = False
    strategy: str = "default"
    seed: int = 0

    def __post_init__(self):
        arch = architectures.get(self.architecture)
        object.__setattr__(self, "image_size", tuple(self.image_size))
        if len(self.image_size) != 2 or min(self.image_size) < arch.min_size:
            raise ValueError(
                f"image_size must be (height, width), each >= {arch.min_size} for {self.architecture}. "
                f"Received: image_size={self.image_size}"
            )
        rules = (
            ("epochs", self.epochs >= 1, "must be >= 1"),
            ("batch_size", self.batch_size >= 1, "must be >= 1"),
            ("learning_rate", self.learning_rate > 0, "must be > 0"),
            ("momentum", 0 <= self.momentum < 1, "must be in [0, 1)"),
            ("weight_decay", self.weight_decay >= 0, "must be >= 0"),
            ("warmup_epochs", 0 <= self.warmup_epochs < self.epochs, f"must be in [0, epochs={self.epochs})"),
            ("label_smoothing", 0 <= self.label_smoothing < 1, "must be in [0, 1)"),
            ("dropout", 0 <= self.dropout < 1, "must be in [0, 1)"),
            ("min_crop_area", 0 < self.min_crop_area <= 1, "must be in (0, 1]"),
            ("color_jitter", 0 <= self.color_jitter < 1, "must be in [0, 1)"),
            ("optimizer", self.optimizer in OPTIMIZERS, f"must be one of {OPTIMIZERS}"),
            ("strategy", self.strategy in STRATEGIES, f"must be one of {STRATEGIES}"),
        )
        for name, valid, rule in rules:
            if not valid:
                raise ValueError(f"{name} {rule}. Received: {name}={getattr(self, name)!r}")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """Returns the `tf.distribute` strategy named in `STRATEGIES` ("multi_worker" reads `TF_CONFIG`)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":  # must come before any other TensorFlow operation of the program
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"strategy must be one of {STRATEGIES}. Received: strategy={name!r}")


def _optimizer(config: TrainConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    warmup = config.warmup_epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup else config.learning_rate,
        decay_steps=(config.epochs - config.warmup_epochs) * steps_per_epoch,
        warmup_target=config.learning_rate if warmup else None,
        warmup_steps=warmup,
    )
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(
            schedule, momentum=config.momentum, nesterov=True, weight_decay=config.weight_decay or None
        )
    else:
        optimizer = keras.optimizers.Adam(schedule, weight_decay=config.weight_decay or None)
    optimizer.exclude_from_weight_decay(var_names=_NO_DECAY)
    return optimizer


def _build(
    config: TrainConfig, num_classes: int, steps_per_epoch: int | None, *, synchronized_bn: bool = False
) -> keras.Model:
    """Builds the model (compiled when `steps_per_epoch` is given) under the run's dtype policy."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16" if config.mixed_precision and steps_per_epoch else "float32")
    try:
        model = architectures.get(config.architecture).build(num_classes, config.dropout)
        if synchronized_bn:
            model = architectures.synchronize_batch_norm(model)
        if steps_per_epoch:
            model.compile(
                optimizer=_optimizer(config, steps_per_epoch),
                loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
                metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
            )
        return model
    finally:
        keras.config.set_dtype_policy(previous)


def read_history(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Reads the per-epoch history.csv written by `train`.

    Returns:
        {column: float64 (epochs,)}, columns "epoch" (from 0), "loss", "accuracy", "val_loss" and
        "val_accuracy"; NaN where a value is missing ("NA" when there was no test data) or not finite.
    """
    with pathlib.Path(path).open(newline="") as file:
        rows = list(csv.DictReader(file))

    def number(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return math.nan

    return {key: np.array([number(row[key]) for row in rows]) for key in (rows[0] if rows else {})}


def _final_metrics(history: dict[str, np.ndarray]) -> dict[str, float]:
    """The last epoch's finite metrics, renamed for the metadata, plus the number of epochs."""
    if not history or not len(history["epoch"]):
        return {}
    names = {"loss": "train_loss", "accuracy": "train_accuracy", "val_loss": "test_loss",
             "val_accuracy": "test_accuracy"}
    metrics = {names[k]: float(v[-1]) for k, v in history.items() if k in names and np.isfinite(v[-1])}
    return metrics | {"epochs": float(history["epoch"][-1] + 1)}


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch `epoch`'s shuffling and augmentation in `loop.fit` (epoch 0: `seed` itself, so a
    one-epoch run sees the same data as `Model.fit`'s first epoch)."""
    return seed if epoch == 0 else int(np.random.SeedSequence((seed, epoch)).generate_state(1)[0])


class _Stopped(Exception):
    """Raised out of `Model.fit` to end it at once: no callback then records the unfinished epoch as done."""


class StopWhenAsked(keras.callbacks.Callback):
    """Ends `Model.fit` after the current batch once `should_stop()` is true (e.g. after a stop signal); the
    backup then still holds the last finished epoch, so a resumed run redoes the unfinished one."""

    def __init__(self, should_stop: Callable[[], bool]):
        super().__init__()
        self.should_stop = should_stop

    def on_train_batch_end(self, batch, logs=None):
        if self.should_stop():
            raise _Stopped


def train(
    config: TrainConfig,
    out_dir: str | os.PathLike,
    train_data: tf.data.Dataset,
    test_data: tf.data.Dataset | None,
    class_names: Sequence[str],
    *,
    split: str = "",
    strategy: tf.distribute.Strategy | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: str | int = "auto",
    should_stop: Callable[[], bool] | None = None,
) -> pathlib.Path | None:
    """Trains `config.architecture` from scratch, resuming from `out_dir/backup` if a previous run left one.

    A resumed run restores the weights, optimizer state and epoch count of the last finished epoch, and
    continues up to `config.epochs`. With `Model.fit` (one machine) its shuffling and augmentation restart their
    sequence from `config.seed`; with `loop.fit` (multi-worker) each epoch's are a function of the seed and the
    epoch, so a resumed run trains on what an uninterrupted one would have.

    On more than one replica, batch norm layers are synchronized (`architectures.synchronize_batch_norm`).
    Under `MultiWorkerMirroredStrategy` every worker calls this function with the same arguments; only the
    chief writes the output folder (which must be shared for resuming, see `loop`).

    Args:
        config: The run's hyperparameters.
        out_dir: Output folder (created); see the module docstring for its contents.
        train_data: (image, int label) pairs; images uint8 RGB (H, W, 3) or encoded JPEG/PNG bytes.
        test_data: Same form; evaluated after every epoch (curves only, no model selection), or None.
        class_names: Class names in label order; their number sets the output width.
        split: How train and test data were split, recorded in the metadata.
        strategy: Where to train, e.g. a `MirroredStrategy` over chosen GPUs; default
            `make_strategy(config.strategy)`.
        callbacks: Extra Keras callbacks (not under `MultiWorkerMirroredStrategy`, which trains without fit).
        verbose: `keras.Model.fit` verbosity (1 shows a progress bar).
        should_stop: Checked after every batch of `Model.fit` (one machine; several workers stop by being
            killed, see `loop`); True ends training there, keeps the backup of the
            last finished epoch for the next run to resume from, and writes no model (e.g.
            `tfdream.callbacks.StopOnInterrupt().should_stop`, for SIGINT, SIGTERM and SIGHUP).

    Returns:
        The path of the saved model, `out_dir/model.keras`, with its metadata beside it (written by the chief);
        None when `should_stop` ended the run.
    """
    if not class_names:
        raise ValueError(f"class_names must not be empty. Received: class_names={class_names!r}")
    strategy = make_strategy(config.strategy) if strategy is None else strategy
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    if multi_worker and callbacks:
        raise ValueError(
            f"callbacks are not supported under MultiWorkerMirroredStrategy (trained by loop.fit, not "
            f"Model.fit). Received: callbacks={list(callbacks)!r}"
        )
    chief = loop.is_chief(strategy)
    out = pathlib.Path(out_dir)
    model_path, backup_dir, history_csv = out / "model.keras", out / "backup", out / "history.csv"
    if chief:
        out.mkdir(parents=True, exist_ok=True)
        with files.atomic_write(out / "train_config.json", mode="w", overwrite=True) as file:
            file.write(json.dumps(dataclasses.asdict(config), indent=2) + "\n")
    keras.utils.set_random_seed(config.seed)

    steps_per_epoch = math.ceil(pipelines.count(train_data) / config.batch_size)
    pipeline = dict(image_size=config.image_size, batch_size=config.batch_size, num_classes=len(class_names))

    def train_batches(seed: int) -> tf.data.Dataset:
        return pipelines.train_pipeline(
            train_data, seed=seed, augmentation=config.augmentation, min_crop_area=config.min_crop_area,
            color_jitter=config.color_jitter, **pipeline,
        )

    test_batches = None if test_data is None else pipelines.eval_pipeline(test_data, **pipeline)
    with strategy.scope():
        model = _build(
            config, len(class_names), steps_per_epoch, synchronized_bn=strategy.num_replicas_in_sync > 1
        )

    if multi_worker:
        loop.fit(
            model, lambda epoch: train_batches(epoch_seed(config.seed, epoch)), epochs=config.epochs,
            strategy=strategy, backup_dir=backup_dir, history_csv=history_csv, log_dir=out / "logs",
            test_batches=test_batches,
        )
    elif not _fit_on_one_machine(model, train_batches(config.seed), test_batches, config.epochs, out, callbacks,
                                 verbose, should_stop):
        return None

    # Every worker reads the weights (reading synchronized variables may be a collective operation).
    weights = model.get_weights()
    if not chief:
        return model_path
    _export(config, weights, class_names, split, model_path, history_csv)
    _LOG.info("Saved %s", model_path)
    return model_path


def _fit_on_one_machine(model: keras.Model, train_batches: tf.data.Dataset, test_batches: tf.data.Dataset | None,
                        epochs: int, out: pathlib.Path, callbacks: Sequence[keras.callbacks.Callback],
                        verbose: str | int, should_stop: Callable[[], bool] | None) -> bool:
    """`Model.fit` with a backup to resume from, the CSV history and TensorBoard logs; False when stopped."""
    backup_dir = out / "backup"
    resuming = backup_dir.is_dir()
    if resuming:
        _LOG.info("Resuming from %s", backup_dir)
    try:
        model.fit(
            train_batches,
            epochs=epochs,
            validation_data=test_batches,
            callbacks=[
                keras.callbacks.BackupAndRestore(str(backup_dir), delete_checkpoint=False),
                keras.callbacks.CSVLogger(str(out / "history.csv"), append=resuming),
                keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False),
                *([StopWhenAsked(should_stop)] if should_stop is not None else []),
                *callbacks,
            ],
            verbose=verbose,
            shuffle=False,  # the pipeline shuffles, reproducibly
        )
    except _Stopped:
        _LOG.warning("Stopped: %s keeps the last finished epoch; run again to resume from it", backup_dir)
        return False
    return True


def _export(config: TrainConfig, weights: list, class_names: Sequence[str], split: str,
            model_path: pathlib.Path, history_csv: pathlib.Path) -> None:
    """Saves a fresh float32, uncompiled copy (plain batch norm, no optimizer state, no mixed precision, no
    strategy) with `weights`, atomically, and its metadata beside it."""
    export = _build(config, len(class_names), steps_per_epoch=None)
    export.set_weights(weights)
    partial = model_path.with_name(".model.partial.keras")
    export.save(partial)
    os.replace(partial, model_path)
    arch = architectures.get(config.architecture)
    metadata_lib.ModelMetadata(
        architecture=config.architecture,
        preprocessing=pipelines.PREPROCESSING.name,
        image_size=config.image_size,
        class_names=tuple(class_names),
        default_layers=arch.default_layers(export),
        layer_presets=arch.layer_presets(export),
        split=split,
        metrics=_final_metrics(read_history(history_csv)) if history_csv.is_file() else {},
        min_size=arch.min_size,
    ).save(model_path)
