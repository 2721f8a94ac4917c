"""Evaluates a classifier saved by `tfdream.training.train` and writes its report to a folder.

Report folder:
    metrics.json              accuracy, top-5 accuracy, mean per-class accuracy, number of examples
    per_class_accuracy.csv    class, correct, total, accuracy
    confusion_matrix.png      row-normalized confusion matrix
    curves.png                train/test accuracy and loss per epoch (from the model's history.csv)
    pca.png, tsne.png         penultimate-layer features projected to 2-D (skipped without scikit-learn)
"""

from __future__ import annotations

import csv
import json
import logging
import os
import pathlib
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfdream.io import files
from tfdream.models import metadata as metadata_lib
from tfdream.training import pipelines, plots, train

_LOG = logging.getLogger(__name__)
_TITLES = {"pca": "PCA", "tsne": "t-SNE"}


def predict(
    model: keras.Model, batches: tf.data.Dataset
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs a classifier over (image, one-hot label) batches.

    Returns:
        (penultimate features (n, d) float32 -- the input of the last layer, probabilities (n, classes)
        float32, labels (n,) int64).
    """
    both = keras.Model(model.inputs, [model.layers[-1].input, model.output])
    features, probabilities, labels = [], [], []
    for images, one_hot in batches:
        batch_features, batch_probabilities = both.predict_on_batch(images)
        features.append(batch_features)
        probabilities.append(batch_probabilities)
        labels.append(np.argmax(one_hot, axis=-1))
    return np.concatenate(features), np.concatenate(probabilities), np.concatenate(labels)


def _project(features: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """2-D PCA and t-SNE projections of (n, d) features; none (with a warning) without scikit-learn."""
    try:
        from sklearn import decomposition, manifold  # pylint: disable=import-outside-toplevel
    except ImportError:
        _LOG.warning("scikit-learn is not installed: skipping pca.png and tsne.png (pip install scikit-learn)")
        return {}
    perplexity = float(min(30.0, max(1.0, (len(features) - 1) / 3)))
    tsne = manifold.TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    return {
        "pca": decomposition.PCA(n_components=2, random_state=seed).fit_transform(features),
        "tsne": tsne.fit_transform(features),
    }


def evaluate(
    model_path: str | os.PathLike,
    test_data: tf.data.Dataset,
    out_dir: str | os.PathLike,
    *,
    class_names: Sequence[str] | None = None,
    batch_size: int = 64,
    embedding_samples: int = 2000,
    seed: int = 0,
) -> dict[str, float]:
    """Evaluates a saved classifier on a test set and writes the report (see the module docstring).

    Args:
        model_path: A `.keras` model with its `tfdream.metadata` sidecar (image size and class names).
        test_data: (image, int label) pairs; images uint8 RGB (H, W, 3) or encoded JPEG/PNG bytes.
        out_dir: Report folder (created).
        class_names: The class names of `test_data`'s labels, if known: checked against the model's.
        batch_size: Evaluation batch size.
        embedding_samples: At most this many test examples (drawn with `seed`) are projected to 2-D.
        seed: Seed of the sample and of t-SNE.

    Returns:
        The metrics written to metrics.json.
    """
    if embedding_samples < 2:
        raise ValueError(f"embedding_samples must be >= 2. Received: embedding_samples={embedding_samples}")
    meta = metadata_lib.ModelMetadata.load(model_path)
    if meta is None:
        raise ValueError(
            f"model_path needs its metadata file {str(metadata_lib.metadata_path(model_path))!r} "
            f"(written by tfdream.training.train). Received: model_path={str(model_path)!r}"
        )
    names = meta.class_names
    if class_names is not None and tuple(class_names) != names:
        raise ValueError(
            f"class_names must be the model's {len(names)} classes {names[:5]}... in order. "
            f"Received: class_names={tuple(class_names)[:5]}... ({len(class_names)} names)"
        )
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = keras.saving.load_model(model_path, compile=False)
    batches = pipelines.eval_pipeline(
        test_data, image_size=meta.image_size, batch_size=batch_size, num_classes=len(names)
    )
    features, probabilities, labels = predict(model, batches)

    predictions = probabilities.argmax(axis=-1)
    matrix = plots.confusion_matrix(labels, predictions, len(names))
    correct, totals = np.diag(matrix), matrix.sum(axis=1)
    with files.atomic_write(out / "per_class_accuracy.csv", mode="w", overwrite=True) as file:
        writer = csv.writer(file)
        writer.writerow(["class", "correct", "total", "accuracy"])
        for name, right, total in zip(names, correct, totals):
            writer.writerow([name, right, total, f"{right / total:.4f}" if total else ""])
    top5 = np.argsort(-probabilities, axis=-1)[:, :5]
    metrics = {
        "accuracy": float(np.mean(predictions == labels)),
        "top5_accuracy": float(np.mean((top5 == labels[:, None]).any(axis=-1))),
        "mean_per_class_accuracy": float(np.mean(correct[totals > 0] / totals[totals > 0])),
        "num_examples": float(len(labels)),
    }
    with files.atomic_write(out / "metrics.json", mode="w", overwrite=True) as file:
        file.write(json.dumps(metrics, indent=2) + "\n")
    plots.plot_confusion_matrix(matrix, names, out / "confusion_matrix.png")

    history_csv = pathlib.Path(model_path).parent / "history.csv"
    if history_csv.is_file():
        plots.plot_curves(train.read_history(history_csv), out / "curves.png")
    else:
        _LOG.warning("No training history at %s: skipping curves.png", history_csv)

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.permutation(len(labels))[:embedding_samples])
    for method, points in _project(features[sample], seed).items():
        title = f"{_TITLES[method]} of penultimate features ({meta.architecture}, {len(sample)} test images)"
        plots.plot_embedding(points, labels[sample], names, title, out / f"{method}.png")
    _LOG.info("Evaluation of %s: %s", model_path, metrics)
    return metrics
