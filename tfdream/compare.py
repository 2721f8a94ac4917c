"""Comparison runs: one image dreamed through several layer sets and/or models, with side-by-side outputs.

`compare` writes into one folder:

| file | content |
|---|---|
| `NN_<run>.png`, `NN_<run>.json` | every dreamed image and its sidecar (`tfdream.sidecar`) |
| `NN_<run>_history.csv` | the run's per-step losses, one column per layer (`LossHistory.to_csv`) |
| `histories.json` | every run's label, model, layers and history |
| `contact_sheet.png` | the input and every dream in a labelled grid |
| `losses.png` | per-layer normalized loss curves, one panel per run, shared axes |
| `summary.csv`, `summary.md` | per run and layer: first, min, max and final loss |
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import PIL.Image
import PIL.ImageDraw
import PIL.ImageFont

from tfdream import callbacks as callbacks_lib
from tfdream import config as config_lib
from tfdream import dreamer as dreamer_lib
from tfdream import history as history_lib
from tfdream import files, images, sidecar, sources, studies

SUMMARY_COLUMNS = ("run", "layer", "first", "min", "max", "final")
_SHARED = ("histories.json", "contact_sheet.png", "losses.png", "summary.csv", "summary.md")


@dataclasses.dataclass
class Comparison:
    """What `compare` made.

    Attributes:
        runs: The runs dreamed, in order (fewer than asked when interrupted).
        results: Their `DreamResult`s.
        files: Output name -> path; per-run images are `NN_<run>.png` keys.
        interrupted: True when a callback stopped a run; later runs were skipped.
    """

    runs: list[studies.Run]
    results: list[dreamer_lib.DreamResult]
    files: dict[str, pathlib.Path]
    interrupted: bool


def run_stems(runs: Sequence[studies.Run]) -> list[str]:
    """File stems of the runs' outputs: `01_inception_v3_mixed0_mixed1`, ..."""
    return [f"{index:02d}_{run.slug}" for index, run in enumerate(runs, start=1)]


def output_files(output_dir: str | os.PathLike, runs: Sequence[studies.Run]) -> list[pathlib.Path]:
    """Every file `compare` writes for `runs` into `output_dir`."""
    folder = pathlib.Path(output_dir)
    per_run = [name for stem in run_stems(runs) for name in (f"{stem}.png", f"{stem}.json", f"{stem}_history.csv")]
    return [folder / name for name in per_run + list(_SHARED)]


def compare(
    image: sources.Source | str | os.PathLike | None,
    runs: Sequence[studies.Run],
    output_dir: str | os.PathLike,
    *,
    config: config_lib.DreamConfig,
    size: tuple[int, int] | None = None,
    max_dim: int | None = None,
    dreamer_options: Mapping[str, Any] | None = None,
    make_callbacks: Callable[[str], Sequence[callbacks_lib.Callback]] | None = None,
    sheet_width: int = 256,
    overwrite: bool = False,
) -> Comparison:
    """Dreams `image` once per run and writes the comparison into `output_dir` (created if missing).

    Every output path is checked before the first dream. When a run is interrupted (a callback's
    `should_stop`), its partial dream is kept, later runs are skipped, and the shared files cover the runs
    made.

    Args:
        image: A `sources.Source`, an input file, or None to dream from seeded noise of `size`.
        runs: The (model, layers) runs, e.g. `studies.resolve(["inception_v3_low_vs_high"])`.
        output_dir: Folder for the outputs.
        config: The `DreamConfig` of every run (same seed, so runs differ only by model and layers).
        size: (height, width) of the noise when `image` is None.
        max_dim: Downscale an input file so its longer side is at most this (a `Source` has its own).
        dreamer_options: Further `Dreamer` keyword arguments for every run (`weights`, `loss`, ...).
        make_callbacks: Run file stem -> callbacks for that run's dream.
        sheet_width: Width in pixels of each image in the contact sheet.
        overwrite: Replace existing outputs.

    Returns:
        A `Comparison`.
    """
    if not runs:
        raise ValueError("runs must name at least one (model, layers) run. Received: runs=[]")
    folder = pathlib.Path(output_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for path in output_files(folder, runs):
        files.check_output_path(path, overwrite=overwrite)
    source = sources.as_source(image, size=size, max_dim=max_dim)
    source = sources.Source.from_config(source.get_config())  # the file's sha256, taken once before any dream
    config = config.seeded()  # one seed for all runs, so they differ only by model and layers
    done, results, written = [], [], {}
    for run, stem in zip(runs, run_stems(runs)):
        dreamer = dreamer_lib.Dreamer(run.model, run.layers, **dict(dreamer_options or {}))
        callbacks = make_callbacks(stem) if make_callbacks else ()
        result = dreamer.dream(source, config=config, callbacks=callbacks)
        written.update(save_run(result, folder, stem, source, overwrite=overwrite))
        done.append(run)
        results.append(result)
        if result.interrupted:
            break
    written.update(_write_shared(folder, source, done, results, sheet_width, overwrite))
    return Comparison(done, results, written, results[-1].interrupted)


def save_run(result: dreamer_lib.DreamResult, folder: pathlib.Path, stem: str,
             source: sources.Source | Mapping[str, Any], *, overwrite: bool = False) -> dict[str, pathlib.Path]:
    """Writes one run of a comparison or gallery: `stem.png`, its sidecar `stem.json` and `stem_history.csv`."""
    return {
        f"{stem}.png": result.save(folder / f"{stem}.png", overwrite=overwrite),
        f"{stem}.json": sidecar.write(result, folder / f"{stem}.png", source, overwrite=overwrite),
        f"{stem}_history.csv": result.history.to_csv(folder / f"{stem}_history.csv", overwrite=overwrite),
    }


def _write_shared(folder, source, runs, results, sheet_width, overwrite) -> dict[str, pathlib.Path]:
    labels = [run.label for run in runs]
    written: dict[str, pathlib.Path] = {}
    data = {"runs": [{"label": run.label, "model": str(run.model), "layers": _json_layers(run.layers),
                      "history": result.history.get_config()} for run, result in zip(runs, results)]}
    written["histories.json"] = files.write_text(folder / "histories.json", json.dumps(data, indent=1),
                                                 overwrite=overwrite)
    figure = loss_figure([result.history for result in results], labels)
    written["losses.png"] = files.save_figure(figure, folder / "losses.png", overwrite=overwrite)
    rows = summary_rows(runs, results)
    written["summary.csv"] = files.write_text(folder / "summary.csv", summary_csv(rows), overwrite=overwrite)
    written["summary.md"] = files.write_text(folder / "summary.md", summary_markdown(rows), overwrite=overwrite)
    tiles = [result.image for result in results]
    if source.kind != "noise":
        tiles, labels = [source.load(), *tiles], ["input", *labels]
    sheet = contact_sheet(tiles, labels, width=sheet_width)
    written["contact_sheet.png"] = images.save_image(sheet, folder / "contact_sheet.png", overwrite=overwrite)
    return written


def _json_layers(layers):
    if layers is None or isinstance(layers, str):
        return layers
    return dict(layers) if isinstance(layers, Mapping) else list(layers)


def contact_sheet(
    tiles: Sequence[np.ndarray], labels: Sequence[str], *, columns: int = 4, width: int = 256
) -> np.ndarray:
    """A grid of images, each scaled to `width` pixels wide with its label in a strip below.

    Args:
        tiles: uint8 (or [0, 255] float) RGB images (H, W, 3), any sizes.
        labels: One label per tile (shortened with "..." to fit).
        columns: Tiles per row (fewer when there are fewer tiles).
        width: Width of every tile in pixels.

    Returns:
        uint8 RGB (rows * cell height, columns * width, 3) on white.
    """
    if len(tiles) != len(labels) or not tiles:
        raise ValueError(f"tiles and labels must be non-empty and match. Received: {len(tiles)} tiles, "
                         f"{len(labels)} labels")
    font = PIL.ImageFont.load_default(size=max(10, width // 20))
    strip = round(font.size * 1.6)
    thumbs = [PIL.Image.fromarray(images.to_uint8(tile)) for tile in tiles]
    thumbs = [thumb.resize((width, max(1, round(thumb.height * width / thumb.width))), PIL.Image.Resampling.LANCZOS)
              for thumb in thumbs]
    columns = min(columns, len(thumbs))
    cell = max(thumb.height for thumb in thumbs) + strip
    sheet = PIL.Image.new("RGB", (columns * width, math.ceil(len(thumbs) / columns) * cell), "white")
    draw = PIL.ImageDraw.Draw(sheet)
    for index, (thumb, label) in enumerate(zip(thumbs, labels)):
        x, y = index % columns * width, index // columns * cell
        sheet.paste(thumb, (x, y))
        draw.text((x + 4, y + thumb.height + strip // 5), _fit(draw, label, font, width - 8), fill="black", font=font)
    return np.asarray(sheet)


def _fit(draw, text: str, font, width: int) -> str:
    while len(text) > 1 and draw.textlength(text, font=font) > width:
        text = text[:-4] + "..."
    return text


def loss_figure(histories: Sequence[history_lib.LossHistory], titles: Sequence[str], *, columns: int = 3):
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


def summary_rows(runs: Sequence[studies.Run], results: Sequence[dreamer_lib.DreamResult]) -> list[dict[str, Any]]:
    """Per run and layer (`total` last): the first, min, max and final loss, keyed by `SUMMARY_COLUMNS`."""
    rows = []
    for run, result in zip(runs, results):
        summary = result.history.summary()
        for label in (*result.history.labels, "total"):
            rows.append({"run": run.label, "layer": label, **summary[label]})
    return rows


def summary_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """`summary_rows` as CSV text with `SUMMARY_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def summary_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """`summary_rows` as a Markdown table, losses to 4 significant digits."""
    lines = ["| " + " | ".join(SUMMARY_COLUMNS) + " |", "|" + "---|" * len(SUMMARY_COLUMNS)]
    for row in rows:
        cells = [f"{row[key]:.4g}" if isinstance(row[key], float) else str(row[key]) for key in SUMMARY_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
