"""Per-step, per-layer loss records of a dream, their export and plots."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import pathlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from tfdream.io import display, files

FIXED_COLUMNS = ("octave", "step", "total")


class LossHistory:
    """The normalized loss of every layer at every step.

    Each record is a dict with `octave` (index into the dream's octaves), `step` (within the octave),
    `total` (weighted sum), one key per objective term (its unweighted, size-normalized value: the mean
    activation or mean square of that layer) and `skipped` (True when the step's gradient was not finite and
    the image was left unchanged).
    """

    def __init__(self, labels: Sequence[str], records: Iterable[Mapping[str, Any]] = ()):
        self.labels = tuple(labels)
        self.records: list[dict[str, Any]] = [dict(record) for record in records]

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"LossHistory(labels={list(self.labels)}, steps={len(self.records)})"

    def _repr_png_(self) -> bytes | None:
        """The loss plot, for Jupyter and Colab (nothing for an empty history)."""
        if not self.records:
            return None
        return display.figure_png(self.plot())

    def append(self, octave: int, step: int, total: float, values: Mapping[str, float], skipped: bool) -> dict:
        """Adds and returns the record of one step."""
        record = {"octave": int(octave), "step": int(step), "total": float(total)}
        record.update({label: float(values[label]) for label in self.labels})
        record["skipped"] = bool(skipped)
        self.records.append(record)
        return record

    @property
    def columns(self) -> tuple[str, ...]:
        """CSV columns: octave, step, total, one per layer, skipped."""
        return FIXED_COLUMNS + self.labels + ("skipped",)

    @property
    def skipped_steps(self) -> int:
        """How many steps were skipped for a non-finite gradient."""
        return sum(record["skipped"] for record in self.records)

    def values(self, label: str) -> np.ndarray:
        """float64 (steps,): one column over all steps (`total` or a layer label)."""
        return np.array([record[label] for record in self.records], dtype=np.float64)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per label (and `total`): first, min, max and final value."""
        summary = {}
        for label in ("total",) + self.labels:
            values = self.values(label)
            summary[label] = {
                "first": float(values[0]),
                "min": float(values.min()),
                "max": float(values.max()),
                "final": float(values[-1]),
            }
        return summary

    def get_config(self) -> dict[str, Any]:
        """JSON-ready: {"labels": [...], "records": [...]}; `from_config` rebuilds the history."""
        return {"labels": list(self.labels), "records": [dict(record) for record in self.records]}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LossHistory:
        """Inverse of `get_config`."""
        return cls(config["labels"], config["records"])

    def to_csv(self, path: str | os.PathLike, *, overwrite: bool = False) -> pathlib.Path:
        """Writes one row per step with `columns`; atomic."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records)
        return files.write_text(path, buffer.getvalue(), overwrite=overwrite)

    def to_json(self, path: str | os.PathLike, *, overwrite: bool = False) -> pathlib.Path:
        """Writes `get_config()` as JSON; atomic."""
        return files.write_text(path, json.dumps(self.get_config(), indent=1), overwrite=overwrite)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> LossHistory:
        """Reads a file written by `to_json`."""
        return cls.from_config(json.loads(pathlib.Path(path).read_text()))

    def plot(self, path: str | os.PathLike | None = None, *, ax=None, title: str | None = None, overwrite=False):
        """Plots the losses against the step, octave boundaries dashed, each on its own scale.

        Alone: one panel per objective term, then one for the total (the weighted sum), stacked over a shared
        step axis, so a term with small values is not a flat line beside a large one. Into `ax` (a panel of a
        comparison grid): every term on that one axes, divided by its own largest |value|, which its legend
        entry gives.

        Args:
            path: Where to save the figure (PNG, PDF, SVG by extension); atomic. None to only draw.
            ax: A matplotlib Axes to draw into; a new figure when None.
            title: The figure's title (with `ax`: the axes' title).
            overwrite: Replace an existing file at `path`.

        Returns:
            The matplotlib Figure drawn into.
        """
        steps = np.arange(len(self.records))
        if ax is None:
            series = {label: self.values(label) for label in self.labels}
            figure = stacked_panels(steps, series, self.values("total"), ylabel="normalized loss", title=title)
            axes = list(figure.axes)
        else:
            figure, axes = ax.figure, [ax]
            for label in self.labels:
                values = self.values(label)
                scale = float(np.abs(values).max(initial=0.0)) or 1.0
                ax.plot(steps, values / scale, label=f"{label} (÷ {scale:.3g})", linewidth=1.2)
            ax.set_ylabel("loss ÷ its largest |value|")
            ax.legend(fontsize="small")
            if title:
                ax.set_title(title)
        octaves = [record["octave"] for record in self.records]
        for index in range(1, len(octaves)):
            if octaves[index] != octaves[index - 1]:
                for panel in axes:
                    panel.axvline(index - 0.5, color="0.6", linestyle="--", linewidth=0.8)
        axes[-1].set_xlabel("step (all octaves)")
        if path is not None:
            files.save_figure(figure, path, overwrite=overwrite)
        return figure


def stacked_panels(x, series: dict[str, np.ndarray], total: np.ndarray, *, ylabel: str, title: str | None = None,
                   marker: str | None = None):
    """A figure of one panel per term, then one for the total (the weighted sum), over a shared x axis.

    Each panel has its own scale, so a term with small values is not a flat line beside a large one.
    """
    from matplotlib import figure as figure_lib  # pylint: disable=import-outside-toplevel

    figure = figure_lib.Figure(figsize=(7, 0.8 + 1.4 * (len(series) + 1)), layout="constrained")
    axes = figure.subplots(len(series) + 1, 1, sharex=True, squeeze=False)[:, 0]
    for index, (panel, (label, values)) in enumerate(zip(axes, (*series.items(), ("total", total)))):
        is_total = index == len(series)
        panel.plot(x, values, color="black" if is_total else f"C{index}", linewidth=1.2, marker=marker)
        panel.set_title("total (weighted sum)" if is_total else label, loc="left", fontsize="small")
    figure.supylabel(ylabel, fontsize="medium")
    if title:
        figure.suptitle(title)
    return figure


def loss_figure(histories: Sequence[LossHistory], titles: Sequence[str], *, columns: int = 3):
    """A matplotlib Figure: one panel per history, shared axes; each layer's loss over the steps divided by its
    own largest value (`LossHistory.plot(ax=...)`)."""
    from matplotlib import figure  # pylint: disable=import-outside-toplevel

    columns = min(columns, len(histories))
    rows = math.ceil(len(histories) / columns)
    fig = figure.Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, history, title in zip(axes, histories, titles):
        history.plot(ax=ax, title=title)
    for ax in axes[len(histories):]:
        ax.set_visible(False)
    return fig
