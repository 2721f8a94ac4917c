"""A custom training loop for any `tf.distribute` strategy, multi-worker included, with backup and resume.

Keras 3 `Model.fit` fails under `tf.distribute.MultiWorkerMirroredStrategy` (keras-team/keras#20585), so
multi-worker training runs this loop instead. It does what `fit` does with a compiled model (same optimizer,
same loss, same metrics; `tests/test_training.py` checks that both give the same weights) and what a cluster
needs:

- Input: each epoch's dataset yields *global* batches; `tf.data` auto-sharding with the DATA policy
  (`AUTO_SHARD_POLICY`) splits every global batch over the replicas of all workers, so a step sees the same
  examples whatever the number of workers (each worker runs the whole input pipeline and keeps its share).
- Gradients: each replica's loss is its share of the global batch mean (summed per-example losses divided by
  the global number of examples of the step, all-reduced), and the Keras optimizer sums the replicas'
  gradients with an all-reduce before its update.
- Metrics: loss and accuracy sums and counts are all-reduced every step.
- Files: only the chief (`is_chief`) writes the history, TensorBoard logs and the backup; the other workers
  write their backups (saving may run collective operations, so every worker saves) to temporary folders that
  are removed at once.
- Fault tolerance: the backup (model, optimizer, finished epochs) is saved after every epoch with
  `tf.train.CheckpointManager`. A restarted run, on every worker, restores the chief's latest backup and
  continues with the next epoch; as each epoch's data is a function of the epoch number, a resumed run trains
  on what an uninterrupted one would have. With several workers the backup folder must be one that every
  worker reads (a shared file system or a bucket), as for Keras's `BackupAndRestore`.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import pathlib
import shutil
from collections.abc import Callable

import keras
import tensorflow as tf

from tfdream.io import files

_LOG = logging.getLogger(__name__)

# Every worker reads the whole dataset and keeps its share of each global batch; see the module docstring.
AUTO_SHARD_POLICY = tf.data.experimental.AutoShardPolicy.DATA
HISTORY_COLUMNS = ("epoch", "accuracy", "loss", "val_accuracy", "val_loss")


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files: always, except on non-chief workers of a cluster.

    The chief is the "chief" task, or worker 0 when `TF_CONFIG` names no chief.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None:
        return True
    if "chief" in resolver.cluster_spec().as_dict():
        return resolver.task_type == "chief"
    return resolver.task_type == "worker" and resolver.task_id == 0


def _task_name(strategy: tf.distribute.Strategy) -> str:
    resolver = getattr(strategy, "cluster_resolver", None)
    return "local" if resolver is None or resolver.task_type is None else f"{resolver.task_type}_{resolver.task_id}"


def distribute(strategy: tf.distribute.Strategy, batches: tf.data.Dataset) -> tf.distribute.DistributedDataset:
    """Splits a dataset of global batches over the replicas of `strategy`, sharding by data."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = AUTO_SHARD_POLICY
    return strategy.experimental_distribute_dataset(batches.with_options(options))


def _check_same_start(strategy: tf.distribute.Strategy, start: int, backup_dir: pathlib.Path) -> None:
    """Raises on every worker if the workers restored different epochs (their steps would never meet)."""
    mine = tf.constant(float(start))
    mean = strategy.reduce("mean", strategy.run(tf.function(lambda: mine)), axis=None)
    spread = strategy.reduce("sum", strategy.run(tf.function(lambda: tf.square(mine - mean))), axis=None)
    if float(spread) > 0:
        raise ValueError(
            f"backup_dir must be one folder that every worker reads: the workers restored different numbers of "
            f"finished epochs (this one {start}). Received: backup_dir={str(backup_dir)!r}"
        )


def _per_example_loss(model: keras.Model) -> keras.losses.Loss:
    """The compiled loss of `model`, summing over the batch instead of averaging."""
    loss = model.loss
    if not isinstance(loss, keras.losses.Loss):
        raise ValueError(f"model must be compiled with one keras.losses.Loss. Received: loss={loss!r}")
    return loss.__class__.from_config(loss.get_config() | {"reduction": "sum"})


def _never_empty(images_: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """A replica's batch with example weights (batch,); an empty one becomes one zero example of weight 0.

    The last, partial global batch of a dataset leaves nothing to some replicas when it is smaller than their
    number; they still take part in every all-reduce, and some CPU kernels fail on empty batches. (Batch
    statistics of a synchronized batch norm then count that zero example.)
    """
    empty = tf.equal(tf.shape(labels)[0], 0)

    def one_zero(tensor):
        return tf.zeros(tf.concat([[1], tf.shape(tensor)[1:]], axis=0), tensor.dtype)

    images_ = tf.cond(empty, lambda: one_zero(images_), lambda: images_)
    labels = tf.cond(empty, lambda: one_zero(labels), lambda: labels)
    weights = tf.cond(empty, lambda: tf.zeros([1]), lambda: tf.ones(tf.shape(labels)[:1]))
    return images_, labels, weights


class _Sums:
    """Loss sum, correct predictions and examples of an epoch, added up on the device (no wait per step)."""

    def __init__(self):
        self.sums = (0.0, 0.0, 0.0)

    def add(self, sums: tuple[tf.Tensor, tf.Tensor, tf.Tensor]) -> None:
        self.sums = tuple(total + value for total, value in zip(self.sums, sums))

    def metrics(self, prefix: str = "") -> dict[str, float]:
        loss, correct, count = (float(total) for total in self.sums)
        if not count:
            return {}
        return {f"{prefix}loss": loss / count, f"{prefix}accuracy": correct / count}


def _read_history(path: pathlib.Path, before_epoch: int) -> list[dict[str, str]]:
    """Rows of an existing history CSV for the epochs before `before_epoch` (later ones are redone)."""
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        return [row for row in csv.DictReader(file) if int(row["epoch"]) < before_epoch]


def _write_history(path: pathlib.Path, rows: list[dict[str, str]]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, HISTORY_COLUMNS, restval="NA", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with files.atomic_write(path, mode="w", overwrite=True) as file:
        file.write(text.getvalue())


def fit(
    model: keras.Model,
    train_batches: Callable[[int], tf.data.Dataset],
    *,
    epochs: int,
    strategy: tf.distribute.Strategy,
    backup_dir: str | os.PathLike,
    history_csv: str | os.PathLike,
    log_dir: str | os.PathLike | None = None,
    test_batches: tf.data.Dataset | None = None,
) -> dict[str, float]:
    """Trains a compiled model for `epochs` epochs, resuming from `backup_dir` if it holds a backup.

    Args:
        model: Compiled (optimizer, one `keras.losses.Loss` on one-hot labels) and built in `strategy.scope()`;
            its output is class probabilities (batch, classes).
        train_batches: epoch (from 0) -> finite dataset of (float32 images (batch, H, W, 3), float32 one-hot
            labels (batch, classes)) global batches for that epoch.
        epochs: Total epochs; a resumed run trains the ones its backup has not finished.
        strategy: The strategy `model` was built under.
        backup_dir: Folder of the training state (created); the chief's, read by every worker on resume.
        history_csv: Per-epoch metrics, columns `HISTORY_COLUMNS` ("NA" without test data), written
            atomically by the chief after every epoch.
        log_dir: TensorBoard folder (the chief writes "train" and "validation" runs), or None.
        test_batches: Global batches evaluated after every epoch, or None.

    Returns:
        The last epoch's metrics ("loss", "accuracy", "val_loss", "val_accuracy"); empty if no epoch was left.
    """
    chief = is_chief(strategy)
    backup_dir = pathlib.Path(backup_dir)
    history_csv = pathlib.Path(history_csv)
    optimizer, loss_sum = model.optimizer, _per_example_loss(model)
    with strategy.scope():
        optimizer.build(model.trainable_variables)
        finished = tf.Variable(0, dtype=tf.int64, trainable=False, name="finished_epochs")
    # The model's own tracking leaves out the state of its random generators (dropout): named here.
    checkpoint = tf.train.Checkpoint(
        model=model, state=list(model.non_trainable_variables), optimizer=optimizer, finished_epochs=finished
    )
    latest = tf.train.latest_checkpoint(backup_dir)
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
        _LOG.info("Resuming from %s after %d epochs", latest, int(finished.numpy()))
    # Every worker saves (saving may need collective ops); only the chief's copy is kept.
    save_dir = backup_dir if chief else backup_dir.parent / f".{backup_dir.name}.{_task_name(strategy)}.tmp"
    manager = tf.train.CheckpointManager(checkpoint, save_dir, max_to_keep=1)

    train_step, test_step = _compiled_steps(model, strategy, loss_sum)
    test_data = None if test_batches is None else distribute(strategy, test_batches)
    writers = _summary_writers(log_dir if chief else None)

    start = int(finished.numpy())
    _check_same_start(strategy, start, backup_dir)
    rows = _read_history(history_csv, start) if chief else []
    if chief:
        history_csv.parent.mkdir(parents=True, exist_ok=True)
    metrics = {}
    try:
        for epoch in range(start, epochs):
            train_sums, test_sums = _Sums(), _Sums()
            for batch in distribute(strategy, train_batches(epoch)):
                train_sums.add(train_step(batch))
            if test_data is not None:
                for batch in test_data:
                    test_sums.add(test_step(batch))
            metrics = train_sums.metrics() | test_sums.metrics("val_")
            for name, prefix in (("train", ""), ("validation", "val_")):
                with writers[name].as_default(step=epoch):
                    for key in ("loss", "accuracy"):
                        if prefix + key in metrics:
                            tf.summary.scalar(f"epoch_{key}", metrics[prefix + key])
            _LOG.info("Epoch %d/%d: %s", epoch + 1, epochs, metrics)
            if chief:
                rows.append({"epoch": str(epoch)} | {key: repr(value) for key, value in metrics.items()})
                _write_history(history_csv, rows)
            finished.assign(epoch + 1)
            manager.save(checkpoint_number=epoch + 1)
            if not chief:
                shutil.rmtree(save_dir, ignore_errors=True)
    finally:
        for writer in writers.values():
            writer.close()
    return metrics


def _compiled_steps(model: keras.Model, strategy: tf.distribute.Strategy, loss_sum: Callable) -> tuple:
    """The compiled train and test steps over one global batch: summed losses, hits and example counts."""
    def replica_step(images_, labels, training):
        images_, labels, weights = _never_empty(images_, labels)
        count = tf.distribute.get_replica_context().all_reduce("sum", tf.reduce_sum(weights))
        with tf.GradientTape() as tape:
            probabilities = model(images_, training=training)
            losses = loss_sum(labels, tf.cast(probabilities, tf.float32), sample_weight=weights)
            loss = losses / count
            if model.losses:  # regularization: added by every replica, gradients summed over replicas
                loss += tf.add_n(model.losses) / strategy.num_replicas_in_sync
            scaled = model.optimizer.scale_loss(loss)
        if training:
            gradients = tape.gradient(scaled, model.trainable_variables)
            model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        hits = tf.cast(tf.equal(tf.argmax(probabilities, axis=-1), tf.argmax(labels, axis=-1)), tf.float32)
        return losses, tf.reduce_sum(hits * weights), tf.reduce_sum(weights)

    def step(batch, training):
        sums = strategy.run(replica_step, args=(*batch, training))
        return tuple(strategy.reduce("sum", value, axis=None) for value in sums)

    return tf.function(lambda batch: step(batch, True)), tf.function(lambda batch: step(batch, False))


def _summary_writers(log_dir: str | os.PathLike | None) -> dict:
    """TensorBoard writers of the "train" and "validation" runs under `log_dir`; no-op writers for None."""
    if log_dir is None:
        return {name: tf.summary.create_noop_writer() for name in ("train", "validation")}
    return {name: tf.summary.create_file_writer(str(pathlib.Path(log_dir) / name))
            for name in ("train", "validation")}
