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
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tfdream.core import callbacks as callbacks_lib
from tfdream.core import config as config_lib
from tfdream.core import dreamer as dreamer_lib
from tfdream.core import history as history_lib
from tfdream.core import result as result_lib
from tfdream.core import sidecar
from tfdream.io import files, images, sheets, sources
from tfdream.studies import runs as runs_lib

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

    runs: list[runs_lib.Run]
    results: list[result_lib.DreamResult]
    files: dict[str, pathlib.Path]
    interrupted: bool


def run_stems(runs: Sequence[runs_lib.Run]) -> list[str]:
    """File stems of the runs' outputs: `01_inception_v3_mixed0_mixed1`, ..."""
    return [f"{index:02d}_{run.slug}" for index, run in enumerate(runs, start=1)]


def output_files(output_dir: str | os.PathLike, runs: Sequence[runs_lib.Run]) -> list[pathlib.Path]:
    """Every file `compare` writes for `runs` into `output_dir`."""
    folder = pathlib.Path(output_dir)
    per_run = [name for stem in run_stems(runs) for name in (f"{stem}.png", f"{stem}.json", f"{stem}_history.csv")]
    return [folder / name for name in per_run + list(_SHARED)]


def compare(
    image: sources.Source | str | os.PathLike | None,
    runs: Sequence[runs_lib.Run],
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
        runs: The (model, layers) runs, e.g. `runs_lib.resolve(["inception_v3_low_vs_high"])`.
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
        written.update(sidecar.save_run(result, folder, stem, source, overwrite=overwrite))
        done.append(run)
        results.append(result)
        if result.interrupted:
            break
    written.update(_write_shared(folder, source, done, results, sheet_width, overwrite))
    return Comparison(done, results, written, results[-1].interrupted)


def _write_shared(folder, source, runs, results, sheet_width, overwrite) -> dict[str, pathlib.Path]:
    labels = [run.label for run in runs]
    written: dict[str, pathlib.Path] = {}
    data = {"runs": [{"label": run.label, "model": str(run.model), "layers": _json_layers(run.layers),
                      "history": result.history.get_config()} for run, result in zip(runs, results)]}
    written["histories.json"] = files.write_text(folder / "histories.json", json.dumps(data, indent=1),
                                                 overwrite=overwrite)
    figure = history_lib.loss_figure([result.history for result in results], labels)
    written["losses.png"] = files.save_figure(figure, folder / "losses.png", overwrite=overwrite)
    rows = summary_rows(runs, results)
    written["summary.csv"] = files.write_text(folder / "summary.csv", summary_csv(rows), overwrite=overwrite)
    written["summary.md"] = files.write_text(folder / "summary.md", summary_markdown(rows), overwrite=overwrite)
    tiles = [result.image for result in results]
    if source.kind != "noise":
        tiles, labels = [source.load(), *tiles], ["input", *labels]
    sheet = sheets.contact_sheet(tiles, labels, width=sheet_width)
    written["contact_sheet.png"] = images.save_image(sheet, folder / "contact_sheet.png", overwrite=overwrite)
    return written


def _json_layers(layers):
    if layers is None or isinstance(layers, str):
        return layers
    return dict(layers) if isinstance(layers, Mapping) else list(layers)


def summary_rows(runs: Sequence[runs_lib.Run], results: Sequence[result_lib.DreamResult]) -> list[dict[str, Any]]:
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
