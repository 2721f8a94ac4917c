"""The page: a Gradio `Blocks` of the input and settings, then the Dream, Compare and Atlas tabs, wired to the
handlers of `DreamApp` (which run without a browser too: each takes the controls' values and yields the
page's new values)."""

from __future__ import annotations

import dataclasses
import html
import pathlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr
import pandas as pd

from tfdream import models, renders
from tfdream.app import dreams, settings
from tfdream.app import workspace as workspace_lib
from tfdream.core import config as config_lib
from tfdream.io import display, samples
from tfdream.studies import compare as compare_lib

QUEUE = "dream"  # the concurrency group of every dream: one at a time, the others wait in line
_DEFAULTS = config_lib.DreamConfig()


@dataclasses.dataclass
class DreamApp:
    """The app's state and handlers: its workspace, the dreamer kept between dreams and the visitors' stops.

    Args:
        workspace: Where uploads and outputs go.
        model: The model chosen when the page opens (a name or a .keras path).
        weights: Its weights (named models).
        atlas: An atlas folder (with `index.html`, made by `tfdream atlas`) to open in the Atlas tab, or None.
        image_every: Steps between the images shown within an octave.
    """

    workspace: workspace_lib.Workspace
    model: str = "inception_v3"
    weights: str = "imagenet"
    atlas: pathlib.Path | None = None
    image_every: int = 4
    cache: dreams.DreamerCache = dataclasses.field(default_factory=dreams.DreamerCache)
    stops: dreams.Stops = dataclasses.field(default_factory=dreams.Stops)

    def layers(self, model: str, weights: str) -> dict[str, Any]:
        """The layer list of `model`, with shapes, none chosen (the model's defaults), and a status line."""
        try:
            choices = settings.layer_choices(model, weights)
        except dreams.VISITOR_ERRORS as error:
            return {"layers": gr.Dropdown(choices=[], value=None), "status": _status(dreams.problem(error))}
        return {"layers": gr.Dropdown(choices=choices, value=None), "status": ""}

    def upload(self, path: str | None) -> dict[str, Any]:
        """The uploaded photo shown and chosen as the input (so a Dream with an unreadable one says why again), or
        why it cannot be read."""
        if not path:
            return {"preview": None, "status": ""}
        try:
            return {"preview": settings.preview(path), "kind": "upload", "status": ""}
        except dreams.VISITOR_ERRORS as error:
            return {"preview": None, "kind": "upload", "status": _status(dreams.problem(error))}

    def sample(self, name: str) -> dict[str, Any]:
        """The bundled sample shown (and chosen as the input)."""
        return {"preview": settings.preview(samples.path(name)), "kind": "sample"}

    def dream(self, session: str, inputs: dict[str, Any], dream: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Dreams the input with the Dream tab's choices, yielding the page's values as it goes: progress with
        ETA, the image every few steps and after each octave, the loss curves; then the files to download.

        Args:
            session: The visitor (its Stop button stops this dream).
            inputs: The input and settings controls' values (`INPUT_CONTROLS`, `SETTINGS_CONTROLS`).
            dream: The Dream tab's values (`DREAM_CONTROLS`).
        """
        stop = self.stops.begin(session)
        feed = dreams.PageFeed(stop, self.image_every)
        try:
            yield {"status": _status("dreaming"), "downloads": None, "octave_images": [], "losses": None}
            source, config = self._input(inputs)
            choice = settings.dreamer_choice(
                dream["model"], dream["weights"], dream["layers"], channels=dream["channels"],
                target_class=dream["target_class"], guide=dream["guide"], workspace=self.workspace)

            def work():
                feed.note("loading the model")
                dreamer = self.cache.get(choice)
                feed.note("starting")
                return dreamer.dream(source, config=config, callbacks=[feed])

            started = time.monotonic()
            result = yield from _follow(dreams.stream(work, feed), _live)
            written = dreams.save(result, self.workspace.new_run(), source)
            yield {**_live(feed.read()), "live": result.image, "downloads": [str(path) for path in written],
                   "status": _status(_finished(result, time.monotonic() - started))}
        except Exception as error:  # noqa: BLE001  (shown as one line; the app keeps serving)
            yield {"status": _status(dreams.problem(error))}
        finally:
            self.stops.end(session, stop)

    def compare(self, session: str, inputs: dict[str, Any], runs: str, weights: str
                ) -> Iterator[dict[str, Any]]:
        """Dreams the input once per run of the Compare tab (one per line), yielding progress, then the contact
        sheet, the loss panels, the summary table and the comparison's files."""
        stop = self.stops.begin(session)
        feed = dreams.PageFeed(stop, self.image_every)
        try:
            yield {"compare_status": _status("dreaming"), "compare_files": None}
            source, config = self._input(inputs)
            chosen = settings.parse_runs(runs, self.model)
            folder = self.workspace.new_run()

            def per_run(stem: str) -> list:
                feed.prefix = f"{stem}: "
                return [feed]

            def work():
                return compare_lib.compare(source, chosen, folder, config=config, make_callbacks=per_run,
                                           dreamer_options={"weights": settings.weights_value(weights)})

            comparison = yield from _follow(dreams.stream(work, feed), _compare_live)
            stopped = " (stopped: later runs skipped)" if comparison.interrupted else ""
            yield {"sheet": str(comparison.files["contact_sheet.png"]),
                   "panels": str(comparison.files["losses.png"]),
                   "summary": comparison.files["summary.md"].read_text(encoding="utf-8"),
                   "compare_files": [str(path) for path in comparison.files.values()],
                   "compare_status": _status(f"compared {len(comparison.runs)} runs{stopped}")}
        except Exception as error:  # noqa: BLE001  (shown as one line; the app keeps serving)
            yield {"compare_status": _status(dreams.problem(error))}
        finally:
            self.stops.end(session, stop)

    def stop(self, session: str) -> bool:
        """The Stop button: the visitor's dream ends after its current step, with its result; False when the
        visitor has no dream running."""
        return self.stops.stop(session)

    def _input(self, inputs: dict[str, Any]):
        source = settings.source(inputs["kind"], upload=inputs["upload"], sample=inputs["sample"],
                                 noise_size=(inputs["noise_height"], inputs["noise_width"]),
                                 max_dim=inputs["max_dim"], workspace=self.workspace)
        mask = settings.keep_image(inputs["mask"], "mask", self.workspace) if inputs.get("mask") else None
        config = settings.dream_config(
            render=inputs["render"], steps=inputs["steps"], step_size=inputs["step_size"], octaves=inputs["octaves"],
            octave_scale=inputs["octave_scale"], tile_size=inputs["tile_size"], seed=inputs["seed"],
            preserve_colors=inputs["preserve_colors"], mask=mask)
        return source, config

    def atlas_html(self) -> str:
        """The Atlas tab: a link to the atlas folder's index.html and the page itself, or how to make one."""
        if self.atlas is None:
            return ("<p>No atlas folder given: make one with <code>tfdream atlas</code>, then start the app with "
                    "<code>tfdream app --atlas=FOLDER</code>.</p>")
        url = html.escape(f"/gradio_api/file={self.atlas / 'index.html'}", quote=True)
        return (f'<p><a id="atlas-link" href="{url}" target="_blank">Open the atlas in its own tab</a> '
                f"({html.escape(str(self.atlas))})</p>"
                f'<iframe src="{url}" style="width:100%;height:80vh;border:0"></iframe>')


def _follow(runner: Iterator[dreams.Snapshot], show) -> Iterator[dict[str, Any]]:
    """Yields `show(snapshot)` for each snapshot of `runner`; returns what `runner` returns."""
    while True:
        try:
            snapshot = next(runner)
        except StopIteration as finished:
            return finished.value
        yield show(snapshot)


def _progress(snapshot: dreams.Snapshot) -> str:
    return f'<div id="progress-line">{display.progress_html(snapshot.fraction, snapshot.text)}</div>'


def _live(snapshot: dreams.Snapshot) -> dict[str, Any]:
    values = {"progress": _progress(snapshot), "octave_images": snapshot.octaves}
    if snapshot.image is not None:
        values["live"] = snapshot.image
    if snapshot.losses:
        values["losses"] = pd.DataFrame(snapshot.losses)
    return values


def _compare_live(snapshot: dreams.Snapshot) -> dict[str, Any]:
    values = {"compare_progress": _progress(snapshot)}
    if snapshot.image is not None:
        values["compare_live"] = snapshot.image
    return values


def _finished(result, seconds: float) -> str:
    done = f"{len(result.history)} steps in {seconds:.1f} s, seed {result.seed}"
    if result.interrupted:
        return f"stopped after {done}: the image after the last finished step"
    return f"done: {done}"


def _status(text: str) -> str:
    text = html.escape(text, quote=False)
    return text if text.startswith(("dreaming", "done", "stopped", "compared")) else (
        f"**error:** {text}" if text else "")


INPUT_CONTROLS = ("kind", "upload", "sample", "noise_height", "noise_width", "max_dim")
SETTINGS_CONTROLS = ("render", "steps", "step_size", "octaves", "octave_scale", "tile_size", "seed",
                     "preserve_colors", "mask")
DREAM_CONTROLS = ("model", "weights", "layers", "channels", "target_class", "guide")


def build(app: DreamApp) -> gr.Blocks:
    """The page of `app`: call `.queue(...)` and `.launch(...)` on it (see `tfdream.app.server`)."""
    with gr.Blocks(title="tfdream", delete_cache=(600, 3600)) as page:
        c: dict[str, Any] = {}
        gr.Markdown("# tfdream\nDrop a photo, choose a model and layers, and watch it dream. Every dream has a "
                    "sidecar: `tfdream rerun dream.json again.png` makes the same image.")
        with gr.Row():
            _input_column(c)
            _settings_column(c)
        with gr.Tabs():
            with gr.Tab("Dream", id="dream"):
                _dream_tab(c, app)
            with gr.Tab("Compare", id="compare"):
                _compare_tab(c, app)
            with gr.Tab("Atlas", id="atlas"):
                gr.HTML(app.atlas_html(), elem_id="atlas")
        _wire(page, c, app)
    return page


def _input_column(c: dict[str, Any]) -> None:
    with gr.Column(scale=1):
        c["kind"] = gr.Radio(list(settings.INPUT_KINDS), value="sample", label="Input", elem_id="kind")
        c["upload"] = gr.File(label="Photo (upload)", file_types=["image"], type="filepath", elem_id="upload")
        c["sample"] = gr.Dropdown(list(samples.NAMES), value=samples.DEFAULT, label="Sample", elem_id="sample")
        with gr.Row():
            c["noise_height"] = gr.Number(224, label="Noise height", precision=0, minimum=1)
            c["noise_width"] = gr.Number(224, label="Noise width", precision=0, minimum=1)
        c["max_dim"] = gr.Slider(0, 4096, value=512, step=16, label="Longest side in pixels (0: as it is)",
                                 elem_id="max_dim")
        c["preview"] = gr.Image(label="Input", interactive=False, height=220, elem_id="preview")


def _settings_column(c: dict[str, Any]) -> None:
    with gr.Column(scale=1):
        c["render"] = gr.Dropdown([settings.NO_RENDER, *renders.RENDERS], value=settings.NO_RENDER,
                                  label="Render (fills the settings below)")
        c["steps"] = gr.Slider(1, 200, value=_DEFAULTS.steps, step=1, label="Steps per octave", elem_id="steps")
        c["step_size"] = gr.Number(_DEFAULTS.step_size, label="Step size", minimum=0.0001)
        c["octaves"] = gr.Textbox(",".join(map(str, _DEFAULTS.octaves)), label="Octaves", elem_id="octaves_text")
        c["octave_scale"] = gr.Number(_DEFAULTS.octave_scale, label="Octave scale", minimum=1.01)
        c["tile_size"] = gr.Slider(0, 1024, value=_DEFAULTS.tile_size, step=8, label="Tile size (0: untiled)")
        c["seed"] = gr.Number(0, label="Seed (recorded in the sidecar)", precision=0, minimum=0,
                              elem_id="seed")
        c["preserve_colors"] = gr.Checkbox(False, label="Preserve colours")
        c["mask"] = gr.File(label="Mask (greyscale: white dreams, black stays)", file_types=["image"],
                            type="filepath")


def _dream_tab(c: dict[str, Any], app: DreamApp) -> None:
    with gr.Row():
        c["model"] = gr.Dropdown(settings.model_choices(app.model), value=app.model, allow_custom_value=True,
                                 label="Model (a name or a .keras path)", elem_id="model")
        c["weights"] = gr.Dropdown(list(dict.fromkeys([app.weights, *settings.WEIGHTS])), value=app.weights,
                                   allow_custom_value=True, label="Weights (named models; or a file)")
    c["layers"] = gr.Dropdown([], value=[], multiselect=True, label="Layers (none chosen: the model's defaults)",
                              elem_id="layers")
    with gr.Accordion("Steering", open=False):
        c["channels"] = gr.Textbox("", label="Channels: LAYER:0-3,7 (; between layers)")
        c["target_class"] = gr.Textbox("", label="Class of a saved classifier (name or index)")
        c["guide"] = gr.File(label="Guide image (the layers dream toward it)", file_types=["image"],
                             type="filepath")
    with gr.Row():
        c["run"] = gr.Button("Dream", variant="primary", elem_id="dream-button")
        c["stop"] = gr.Button("Stop", variant="stop", elem_id="stop-button")
    c["status"] = gr.Markdown("", elem_id="status")
    c["progress"] = gr.HTML("", elem_id="progress")
    with gr.Row():
        c["live"] = gr.Image(label="Dream", interactive=False, elem_id="live", format="png")
        c["octave_images"] = gr.Gallery(label="After each octave", columns=4, elem_id="octave-gallery", format="png")
    c["losses"] = gr.LinePlot(x="step", y="loss", color="term", label="Loss per term", elem_id="losses")
    c["downloads"] = gr.File(label="Downloads: image, sidecar, loss CSV and plot", file_count="multiple",
                             interactive=False, elem_id="downloads")


def _compare_tab(c: dict[str, Any], app: DreamApp) -> None:
    default = models.MODELS.get(app.model)
    example = f"{app.model} {','.join(default.default_layers[:1])}" if default else app.model
    c["runs"] = gr.Textbox(example, lines=4, label="Runs, one a line: MODEL LAYERS, MODEL, or LAYERS (the "
                           "Dream tab's model), layers like mixed3,mixed5:2", elem_id="runs")
    with gr.Row():
        c["compare_run"] = gr.Button("Compare", variant="primary", elem_id="compare-button")
        c["compare_stop"] = gr.Button("Stop", variant="stop")
    c["compare_status"] = gr.Markdown("", elem_id="compare-status")
    c["compare_progress"] = gr.HTML("")
    c["compare_live"] = gr.Image(label="Dreaming", interactive=False, format="png")
    c["sheet"] = gr.Image(label="Side by side", interactive=False, elem_id="sheet")
    c["panels"] = gr.Image(label="Loss panels", interactive=False)
    c["summary"] = gr.Markdown("")
    c["compare_files"] = gr.File(label="Downloads: every run's image, sidecar and losses", file_count="multiple",
                                 interactive=False)


def _wire(page: gr.Blocks, c: dict[str, Any], app: DreamApp) -> None:
    """The events: what each control and button calls."""

    def named(names: Sequence[str]) -> list:
        return [c[name] for name in names]

    def as_outputs(handler_values: dict[str, Any]) -> dict:
        return {c[name]: value for name, value in handler_values.items()}

    def by_name(values: dict, names: Sequence[str]) -> dict[str, Any]:
        return {name: values[c[name]] for name in names}

    def dream(values: dict, request: gr.Request):
        chosen = by_name(values, INPUT_CONTROLS + SETTINGS_CONTROLS)
        for update in app.dream(request.session_hash, chosen, by_name(values, DREAM_CONTROLS)):
            yield as_outputs(update)

    def compare(values: dict, request: gr.Request):
        chosen = by_name(values, INPUT_CONTROLS + SETTINGS_CONTROLS)
        for update in app.compare(request.session_hash, chosen, values[c["runs"]], values[c["weights"]]):
            yield as_outputs(update)

    def stop(request: gr.Request):
        app.stop(request.session_hash)

    def render_values(render: str) -> list:
        values = {**dataclasses.asdict(_DEFAULTS), **settings.render_values(render)}
        return [values["steps"], values["step_size"], ",".join(map(str, values["octaves"])),
                values["octave_scale"], values["tile_size"] or 0]

    dream_outputs = named(("status", "progress", "live", "octave_images", "losses", "downloads"))
    compare_outputs = named(("compare_status", "compare_progress", "compare_live", "sheet", "panels", "summary",
                             "compare_files"))
    inputs = set(named(INPUT_CONTROLS + SETTINGS_CONTROLS))
    c["run"].click(dream, inputs | set(named(DREAM_CONTROLS)), dream_outputs, concurrency_id=QUEUE,
                   concurrency_limit=1, show_progress="minimal")
    c["compare_run"].click(compare, inputs | {c["runs"], c["weights"]}, compare_outputs, concurrency_id=QUEUE,
                           concurrency_limit=1, show_progress="minimal")
    for button in (c["stop"], c["compare_stop"]):
        button.click(stop, None, None, queue=False)
    layer_outputs = named(("layers", "status"))
    for trigger in (c["model"].change, c["weights"].change):
        trigger(lambda model, weights: as_outputs(app.layers(model, weights)), named(("model", "weights")),
                layer_outputs)
    page.load(lambda model, weights: as_outputs(app.layers(model, weights)), named(("model", "weights")),
              layer_outputs)
    page.load(lambda name: as_outputs(app.sample(name)), c["sample"], named(("preview", "kind")))
    c["upload"].upload(lambda path: as_outputs(app.upload(path)), c["upload"], named(("preview", "kind", "status")))
    c["sample"].input(lambda name: as_outputs(app.sample(name)), c["sample"], named(("preview", "kind")))
    c["render"].input(render_values, c["render"], named(("steps", "step_size", "octaves", "octave_scale",
                                                        "tile_size")))
