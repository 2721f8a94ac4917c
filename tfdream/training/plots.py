"""Figures of a classifier's evaluation: confusion matrix, training curves, 2-D feature embeddings."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib import figure

from tfdream import history

_LEGEND_MAX_CLASSES = 20


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes) int64: row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str | os.PathLike) -> pathlib.Path:
    """Saves the row-normalized confusion matrix (the diagonal is per-class accuracy) as an image."""
    totals = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    side = max(5.0, 0.13 * len(class_names) + 2.0)
    ax = figure.Figure(figsize=(side + 1.0, side), layout="constrained").subplots()
    image = ax.imshow(rates, cmap="viridis", vmin=0.0, vmax=1.0)
    ticks = np.arange(len(class_names))
    font = 9 if len(class_names) <= 20 else 5
    ax.set_xticks(ticks, class_names, rotation=90, fontsize=font)
    ax.set_yticks(ticks, class_names, fontsize=font)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"Confusion matrix (row-normalized), accuracy {np.trace(matrix) / max(matrix.sum(), 1):.1%}")
    ax.figure.colorbar(image, ax=ax, shrink=0.6)
    return history.save_figure(ax.figure, path, overwrite=True)


def plot_curves(epochs: dict[str, np.ndarray], path: str | os.PathLike) -> pathlib.Path:
    """Saves train/test accuracy and loss against the epoch side by side.

    Args:
        epochs: {column: values (epochs,)} as returned by `tfdream.training.train.read_history`.
        path: Image file to write.
    """
    axes = figure.Figure(figsize=(10, 4), layout="constrained").subplots(1, 2)
    epoch = epochs["epoch"] + 1
    for ax, metric in zip(axes, ("accuracy", "loss")):
        for key, label in ((metric, "train"), (f"val_{metric}", "test")):
            if key in epochs and np.isfinite(epochs[key]).any():
                ax.plot(epoch, epochs[key], marker="." if len(epoch) < 30 else None, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
        ax.grid(alpha=0.3)
    return history.save_figure(axes[0].figure, path, overwrite=True)


def plot_embedding(
    points: np.ndarray, labels: np.ndarray, class_names: Sequence[str], title: str, path: str | os.PathLike
) -> pathlib.Path:
    """Saves a scatter plot of 2-D points (n, 2) coloured by class (labels (n,) int); legend up to 20 classes."""
    ax = figure.Figure(figsize=(8, 7), layout="constrained").subplots()
    colours = matplotlib.colormaps["turbo"](np.linspace(0.0, 1.0, max(len(class_names), 2)))
    for index, name in enumerate(class_names):
        chosen = labels == index
        if chosen.any():
            ax.scatter(points[chosen, 0], points[chosen, 1], s=8, color=colours[index], label=name, alpha=0.8)
    if len(class_names) <= _LEGEND_MAX_CLASSES:
        ax.legend(fontsize="small", markerscale=2)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return history.save_figure(ax.figure, path, overwrite=True)
