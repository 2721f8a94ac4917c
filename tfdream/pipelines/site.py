"""The atlas as a static web page in OUT_DIR: plain HTML, CSS and JavaScript files, no server needed.

| file | content |
|---|---|
| `index.html` | the layers, each with how many of its channels are rendered |
| `<layer>.html` | a grid of the layer's channels, thumbnails loaded lazily |
| `units/<layer>/cNNNN.html` | one unit: its render, loss curve, top examples, links to its sidecar and loss CSV |
| `atlas.css`, `atlas.js` | the style; the keys: left/right arrows to the neighbouring channel (or layer), up |

Pages are made from the files on disk, the same bytes for the same units; they are written again after each run.
TensorFlow-free.
"""

from __future__ import annotations

import csv
import html
import json
import os
import pathlib
from collections.abc import Sequence

from tfdream.io import files
from tfdream.pipelines import units as units_lib
from tfdream.renders import recipes

MANIFEST = "atlas.json"

_CSS = """body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #111; color: #ddd; }
a { color: #8cf; } nav { margin-bottom: 1rem; } nav a { margin-right: 1rem; }
.grid { display: flex; flex-wrap: wrap; gap: 6px; }
.grid a { display: flex; flex-direction: column; align-items: center; text-decoration: none; font-size: 12px; }
.grid img, .grid .missing { width: 96px; height: 96px; object-fit: cover; background: #333; }
.render { min-width: 256px; max-width: 100%; }
.examples { display: flex; flex-wrap: wrap; gap: 10px; }
.examples figure { margin: 0; font-size: 12px; text-align: center; }
.examples img { width: 96px; height: 96px; object-fit: cover; }
svg.loss { background: #1b1b1b; } svg.loss polyline { fill: none; stroke: #8cf; stroke-width: 1.5; }
svg.loss line { stroke: #555; stroke-dasharray: 3 3; } svg.loss text { fill: #aaa; font-size: 10px; }
.keys { color: #888; font-size: 12px; }
"""

_JS = """// The keys of the atlas: each link with data-key="KEY" is followed when KEY is pressed.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const link = document.querySelector(`a[data-key="${event.key}"]`);
  if (link) {
    event.preventDefault();
    window.location.href = link.href;
  }
});
"""


def build(out_dir: str | os.PathLike) -> pathlib.Path:
    """Writes the page of the atlas in `out_dir` (its `atlas.json` and the units' files); returns `index.html`."""
    out_dir = pathlib.Path(out_dir)
    record = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    spec = units_lib.AtlasSpec.from_config(record["spec"])
    every = units_lib.enumerate_units(spec.layers, record["channel_counts"], spec.channels)
    done = [unit for unit in every if units_lib.is_complete(unit, out_dir)]
    files.write_text(out_dir / "atlas.css", _CSS, overwrite=True)
    files.write_text(out_dir / "atlas.js", _JS, overwrite=True)
    for index, layer in enumerate(spec.layers):
        neighbours = (spec.layers[index - 1] if index else None,
                      spec.layers[index + 1] if index + 1 < len(spec.layers) else None)
        layer_units = [unit for unit in every if unit.layer == layer]
        _write_layer(out_dir, spec, layer, layer_units, [unit for unit in done if unit.layer == layer], neighbours)
    cells = []
    for layer in spec.layers:
        total = sum(unit.layer == layer for unit in every)
        shown = [unit for unit in done if unit.layer == layer]
        image = (f'<img src="{units_lib.UNITS_FOLDER}/{recipes.layer_stem(layer)}/{shown[0].stem()}_thumb.jpg" '
                 f'alt="{html.escape(shown[0].label)}">' if shown else '<span class="missing"></span>')
        cells.append(f'<a href="{_layer_page(layer)}">{image}{html.escape(layer)}<br>{len(shown)} of {total}</a>')
    body = (f"<h1>{html.escape(pathlib.Path(spec.model).name)}: atlas</h1>\n"
            f"<p>render {html.escape(spec.render)}, {spec.size[0]}x{spec.size[1]}, seed {spec.config.seed}"
            f"{', examples from ' + html.escape(str(spec.examples)) if spec.examples else ''}</p>\n"
            f"<div class=\"grid\">{''.join(cells)}</div>")
    return files.write_text(out_dir / "index.html", _page("atlas", body, ""), overwrite=True)


def _layer_page(layer: str) -> str:
    return f"{recipes.layer_stem(layer)}.html"


def _write_layer(out_dir: pathlib.Path, spec: units_lib.AtlasSpec, layer: str, every: Sequence[units_lib.Unit],
                 done: Sequence[units_lib.Unit], neighbours: tuple[str | None, str | None]) -> None:
    """The layer's grid and the page of each of its rendered units."""
    folder = f"{units_lib.UNITS_FOLDER}/{recipes.layer_stem(layer)}"
    cells = []
    for unit in every:
        if unit in done:
            cells.append(f'<a href="{folder}/{unit.stem()}.html"><img loading="lazy" src="{folder}/{unit.stem()}'
                         f'_thumb.jpg" alt="{html.escape(unit.label)}">{unit.channel}</a>')
        else:
            cells.append(f'<a><span class="missing"></span>{unit.channel}</a>')
            unit.path(out_dir, ".html").unlink(missing_ok=True)  # a page of files no longer whole
    links = _nav([("index.html", "ArrowUp", "atlas")]
                 + [(_layer_page(name), key, label) for name, key, label in
                    ((neighbours[0], "ArrowLeft", f"&larr; {neighbours[0]}"),
                     (neighbours[1], "ArrowRight", f"{neighbours[1]} &rarr;")) if name])
    body = f"{links}<h1>{html.escape(layer)}</h1>\n<div class=\"grid\">{''.join(cells)}</div>"
    files.write_text(out_dir / _layer_page(layer), _page(layer, body, ""), overwrite=True)
    for index, unit in enumerate(done):
        previous = done[index - 1] if index else None
        following = done[index + 1] if index + 1 < len(done) else None
        _write_unit(out_dir, spec, unit, previous, following)


def _write_unit(out_dir: pathlib.Path, spec: units_lib.AtlasSpec, unit: units_lib.Unit,
                previous: units_lib.Unit | None, following: units_lib.Unit | None) -> None:
    stem = unit.stem()
    links = _nav([(f"../../{_layer_page(unit.layer)}", "ArrowUp", html.escape(unit.layer))]
                 + [(f"{other.stem()}.html", key, label) for other, key, label in
                    ((previous, "ArrowLeft", f"&larr; {previous and previous.channel}"),
                     (following, "ArrowRight", f"{following and following.channel} &rarr;")) if other])
    body = (f"{links}<h1>{html.escape(unit.label)}</h1>\n"
            f'<img class="render" src="{stem}.png" alt="render of {html.escape(unit.label)}">\n'
            f"<h2>Loss</h2>\n{_loss_svg(unit.path(out_dir, '_history.csv'))}\n"
            f'<p><a href="{stem}.json">sidecar</a> (<code>tfdream rerun {stem}.json OUT.png</code> makes it '
            f'again) &middot; <a href="{stem}_history.csv">loss per step (CSV)</a></p>\n'
            f"{_examples_html(unit, out_dir)}")
    files.write_text(unit.path(out_dir, ".html"), _page(unit.label, body, "../../"), overwrite=True)


def _examples_html(unit: units_lib.Unit, out_dir: pathlib.Path) -> str:
    path = unit.path(out_dir, "_examples.json")
    if not path.is_file():
        return ""
    figures = [f'<figure><img src="{entry["patch"]}" alt="patch of {html.escape(entry["image"])}">'
               f'<img src="{entry["thumbnail"]}" alt="{html.escape(entry["image"])}">'
               f'<figcaption>{html.escape(entry["image"])}<br>{entry["score"]:.3g}</figcaption></figure>'
               for entry in json.loads(path.read_text(encoding="utf-8"))["examples"]]
    return f"<h2>Top examples</h2>\n<div class=\"examples\">{''.join(figures)}</div>"


def _loss_svg(history_csv: pathlib.Path, width: int = 360, height: int = 160) -> str:
    """The unit's total loss per step as an inline SVG line, octaves marked by dashed lines."""
    with open(history_csv, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    totals = [float(row["total"]) for row in rows]
    low, high = min(totals, default=0.0), max(totals, default=1.0)
    span, steps = (high - low) or 1.0, max(1, len(totals) - 1)
    points = " ".join(f"{20 + index * (width - 30) / steps:.1f},"
                      f"{height - 15 - (total - low) / span * (height - 30):.1f}" for index, total in enumerate(totals))
    octave_lines = "".join(
        f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{height - 15}"/>'
        for index in range(1, len(rows)) if rows[index]["octave"] != rows[index - 1]["octave"]
        for x in [20 + (index - 0.5) * (width - 30) / steps])
    return (f'<svg class="loss" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="total loss per step">{octave_lines}<polyline points="{points}"/>'
            f'<text x="2" y="12">{high:.3g}</text><text x="2" y="{height - 2}">{low:.3g}</text>'
            f'<text x="{width - 60}" y="{height - 2}">{len(totals)} steps</text></svg>')


def _nav(links: Sequence[tuple[str, str, str]]) -> str:
    anchors = "".join(f'<a href="{href}" data-key="{key}">{label}</a>' for href, key, label in links)
    return f'<nav>{anchors}<span class="keys">keys: &larr; &rarr; neighbours, &uarr; up</span></nav>\n'


def _page(title: str, body: str, root: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="icon" href="data:,"><link rel="stylesheet" href="{root}atlas.css">'
            f'<script src="{root}atlas.js" defer></script></head>\n<body>\n{body}\n</body></html>\n')
