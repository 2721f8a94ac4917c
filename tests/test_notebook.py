"""The tour notebook runs top to bottom in a fresh kernel; results, histories and progress show in notebooks."""

import base64
import io
import pathlib
import sys
import types

import nbclient
import nbformat
import numpy as np
import PIL.Image
import pytest

from tfdream.core import callbacks, config, history
from tfdream.core.result import DreamResult
from tfdream.io import display

TOUR = pathlib.Path(__file__).parents[1] / "examples" / "tour.ipynb"
SMOKE_PARAMETERS = 'MAX_DIM = 64\nSTEPS = 1\nZOOM_FRAMES = 2\nOCTAVES = (0,)\nOUTPUT_DIR = "tour_output"'


def _run_tour(folder: pathlib.Path, parameters: str | None) -> nbformat.NotebookNode:
    notebook = nbformat.read(TOUR, as_version=4)
    if parameters is not None:
        (cell,) = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
        cell.source = parameters
    nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def _outputs(notebook, mime: str) -> list[str]:
    return [output["data"][mime] for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if mime in output.get("data", {})]


def test_the_tour_is_stored_without_outputs():
    notebook = nbformat.read(TOUR, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_tour_runs_at_small_sizes(tmp_path):
    notebook = _run_tour(tmp_path, SMOKE_PARAMETERS)
    html = "\n".join(_outputs(notebook, "text/html"))
    assert "<progress" in html  # the live bar, rendered as HTML in the kernel
    assert html.count("data:image/png;base64,") >= 5  # dreams and the octave shown by the bar
    assert "vgg16 · block4_conv3+block5_conv3 · octaves 0 · 1 steps · seed 0" in html
    assert len(_outputs(notebook, "image/png")) >= 4  # histories and the comparison's pictures
    written = {path.name for path in (tmp_path / "tour_output").iterdir()}
    assert {"dream.png", "dream.json", "dream_losses.csv", "layers", "zoom.gif"} <= written


@pytest.mark.large
def test_the_tour_runs_with_its_own_parameters(tmp_path):
    notebook = _run_tour(tmp_path, None)
    assert len(_outputs(notebook, "image/png")) >= 4


def _result(shape=(600, 1000, 3)) -> DreamResult:
    records = history.LossHistory(("conv2",))
    records.append(0, 0, 1.5, {"conv2": 1.5}, False)
    records.append(0, 1, 2.5, {"conv2": 2.5}, False)
    return DreamResult(np.full(shape, 200, np.uint8), records, config.DreamConfig(steps=2, octaves=(-1, 0), seed=7),
                       {"model": "/models/indoor.keras"}, elapsed=3.25)


def test_a_result_shows_as_a_thumbnail_with_its_summary():
    result = _result()
    assert result.summary() == "indoor · conv2 · octaves -1,0 · 2 steps · seed 7 · 3.2 s · 1000x600"
    html = result._repr_html_()  # pylint: disable=protected-access
    assert result.summary() in html
    data = html.split("base64,", 1)[1].split('"', 1)[0]
    thumbnail = PIL.Image.open(io.BytesIO(base64.b64decode(data)))
    assert thumbnail.size == (display.THUMBNAIL_SIDE, 307)
    assert repr(result) == f"DreamResult({result.summary()})"


def test_a_history_shows_as_its_plot():
    png = _result().history._repr_png_()  # pylint: disable=protected-access
    assert png.startswith(b"\x89PNG") and PIL.Image.open(io.BytesIO(png)).width > 100
    assert history.LossHistory(("a",))._repr_png_() is None  # pylint: disable=protected-access
    assert repr(_result().history) == "LossHistory(labels=['conv2'], steps=2)"


def test_a_dreamer_shows_its_model_layers_and_precision(tiny_dreamer):
    text = repr(tiny_dreamer)
    assert text.startswith("Dreamer(model='tiny', layers=['conv2', 'conv3'], preprocessing='inception', ")
    assert f"precision={tiny_dreamer.precision!r}" in text


class _FakeIPython:
    """Just enough of IPython for `display`: a kernel shell and display handles that record their content."""

    def __init__(self):
        self.shown = []
        module = types.ModuleType("IPython")
        module.get_ipython = lambda: types.SimpleNamespace(kernel=object())
        module.display = types.SimpleNamespace(HTML=lambda markup: markup, display=self._display)
        self.module = module

    def _display(self, content, display_id=False):
        self.shown.append(["new", content])
        entry = self.shown[-1]
        return types.SimpleNamespace(update=lambda markup: entry.append(markup)) if display_id else None


def test_progress_updates_one_html_bar_in_a_notebook(tiny_dreamer, tiny_image, monkeypatch):
    fake = _FakeIPython()
    monkeypatch.setitem(sys.modules, "IPython", fake.module)
    assert display.in_notebook()
    tiny_dreamer.dream(tiny_image, steps=2, octaves=(-1, 0), seed=0,
                       callbacks=[callbacks.ProgressBar(interval=0, show_octaves=True)])
    bar, *octave_images = fake.shown
    assert len(bar) == 2 + 3  # "new", the first state, then one update per later step
    assert '<progress value="1.0000"' in bar[-1] and "octave 2/2 step 2/2" in bar[-1]
    assert [entry[1].count("data:image/png") for entry in octave_images] == [1, 1]
    assert "octave 2/2: 64x48" in octave_images[1][1]


def test_no_notebook_means_no_ipython_import(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not display.in_notebook()
    _result()._repr_html_()  # pylint: disable=protected-access
    assert "IPython" not in sys.modules
