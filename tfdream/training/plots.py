"""Figures of a classifier's evaluation: confusion matrix, training curves, 2-D feature embeddings."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib import figure

from tfdream.io import files

_LEGEND_MAX_CLASSES = 20
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes) int64: row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def plot_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], path: str | os.PathLike) -> pathlib.Path:
    """Saves the row-normalized confusion matrix (the diagonal is per-class accuracy) as an image.

    Only classes that occur, as a true or a predicted class, get a row and a column.
    """
    present = np.flatnonzero(matrix.sum(axis=0) + matrix.sum(axis=1))
    counts = matrix[np.ix_(present, present)]
    names = [class_names[index] for index in present]
    totals = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    side = max(5.0, 0.13 * len(names) + 2.0)
    ax = figure.Figure(figsize=(side + 1.0, side), layout="constrained").subplots()
    image = ax.imshow(rates, cmap="viridis", vmin=0.0, vmax=1.0)
    ticks = np.arange(len(names))
    font = 9 if len(names) <= 20 else 5
    ax.set_xticks(ticks, names, rotation=90, fontsize=font)
    ax.set_yticks(ticks, names, fontsize=font)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    shown = "" if len(names) == len(class_names) else f", {len(names)} of {len(class_names)} classes"
    ax.set_title(
        f"Confusion matrix (row-normalized{shown}), accuracy {np.trace(matrix) / max(matrix.sum(), 1):.1%}"
    )
    ax.figure.colorbar(image, ax=ax, shrink=0.6)
    return files.save_figure(ax.figure, path, overwrite=True)


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
    return files.save_figure(axes[0].figure, path, overwrite=True)


def class_styles(num_classes: int) -> list[tuple[tuple[float, float, float, float], str]]:
    """(RGBA colour, marker) per class, told apart by eye: tab10 up to 10 classes, tab20 up to 20, then tab20
    colours combined with `_MARKERS` (a new marker for each 20 classes)."""
    palette = matplotlib.colormaps["tab10" if num_classes <= 10 else "tab20"].colors
    return [
        ((*palette[index % len(palette)], 1.0), _MARKERS[(index // len(palette)) % len(_MARKERS)])
        for index in range(num_classes)
    ]


def plot_embedding(
    points: np.ndarray, labels: np.ndarray, class_names: Sequence[str], title: str, path: str | os.PathLike
) -> pathlib.Path:
    """Saves a scatter plot of 2-D points (n, 2) by class (labels (n,) int), with class names at class medians.

    Only classes present in `labels` are drawn, each in a colour (and, past 20 classes, a marker) of
    `class_styles`; a legend is added up to 20 classes.
    """
    ax = figure.Figure(figsize=(8, 7), layout="constrained").subplots()
    present = np.unique(labels)
    for (colour, marker), index in zip(class_styles(len(present)), present):
        chosen = points[labels == index]
        name = class_names[index]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=10, color=colour, marker=marker, label=name, alpha=0.7)
        centre = np.median(chosen, axis=0)
        ax.annotate(name, centre, ha="center", va="center", fontsize=8, weight="bold",
                    bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=colour, alpha=0.8))
    if len(present) <= _LEGEND_MAX_CLASSES:
        ax.legend(fontsize="small", markerscale=2)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return files.save_figure(ax.figure, path, overwrite=True)
