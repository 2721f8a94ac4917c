"""The page's handlers without a browser: a dream streams its progress and gives files that `rerun` makes again
bit for bit; Stop gives the result so far; bad input is one line in the status box and the app goes on."""

import json

import numpy as np
import pytest

from tfdream.app import dreams
from tfdream.core import memory, sidecar
from tfdream.io import images

page = pytest.importorskip("tfdream.app.page", reason="the app needs gradio (pip install 'tfdream[app]')")


@pytest.fixture
def app(workspace, saved_tiny_model):
    return page.DreamApp(workspace, model=str(saved_tiny_model), image_every=2)


def _inputs(**changes):
    values = dict(kind="upload", upload=None, sample="coffee", noise_height=40, noise_width=40, max_dim=0,
                  render="(none)", steps=4, step_size=0.05, octaves="-1,0", octave_scale=1.3, tile_size=32, seed=3,
                  preserve_colors=False, mask=None)
    return {**values, **changes}


def _dream_tab(app, **changes):
    return {**dict(model=app.model, weights="imagenet", layers=[], channels="", target_class="", guide=None),
            **changes}


def test_a_dream_streams_progress_and_octaves_then_files_rerun_makes_again(app, photo):
    updates = list(app.dream("visitor", _inputs(upload=str(photo)), _dream_tab(app, layers=["conv2"])))
    progress = [update["progress"] for update in updates if "progress" in update]
    assert any("ETA" in line and "octave 2/2" in line for line in progress)
    assert max(len(update.get("octave_images", [])) for update in updates) == 2
    final = updates[-1]
    assert final["status"].startswith("done: 8 steps")
    names = [path.rsplit("/", 1)[-1] for path in final["downloads"]]
    image_path, sidecar_path, kept_photo = final["downloads"][0], final["downloads"][1], final["downloads"][4]
    assert names[:4] == ["dream.png", "dream.json", "dream_history.csv", "dream_losses.png"] and len(names) == 5
    assert json.loads(open(sidecar_path).read())["input"]["path"] == kept_photo
    assert kept_photo.startswith(str(app.workspace.inputs))
    again = sidecar.rerun(sidecar_path)
    assert np.array_equal(again.image, images.to_uint8(images.load_image(image_path)))
    assert set(final["losses"]["term"]) == {"total", "conv2"}


def test_stop_ends_after_the_current_step_with_the_result(app, monkeypatch):
    on_step = dreams.PageFeed.on_step

    def press_stop_at_the_third_step(feed, record):  # as the visitor's Stop button does, from another thread
        on_step(feed, record)
        if record["step"] == 2:
            assert app.stop("visitor")

    monkeypatch.setattr(dreams.PageFeed, "on_step", press_stop_at_the_third_step)
    dreaming = app.dream("visitor", _inputs(kind="noise", steps=50, octaves="0"), _dream_tab(app))
    final = list(dreaming)[-1]
    assert final["status"].startswith("stopped after") and len(final["downloads"]) == 4
    record = json.loads(open(final["downloads"][1]).read())
    assert record["interrupted"] and record["steps_completed"] == 3
    assert app.stop("visitor") is False  # the dream is over


@pytest.mark.parametrize("inputs, tab, message", [
    (dict(upload="BROKEN"), {}, "the uploaded photo cannot be read"),
    (dict(kind="sample"), dict(layers=["conv9"]), "unknown layer 'conv9'"),
    (dict(kind="sample", octaves="x"), {}, "octaves must be whole numbers"),
    (dict(kind="sample"), dict(model="nowhere.keras"), "model file does not exist"),
])
def test_bad_input_is_one_line_in_the_status_box(app, broken, inputs, tab, message):
    inputs = {key: str(broken) if value == "BROKEN" else value for key, value in inputs.items()}
    final = list(app.dream("visitor", _inputs(**inputs), _dream_tab(app, **tab)))[-1]
    assert final["status"].startswith("**error:**") and message in final["status"]
    assert "Traceback" not in final["status"] and "\n" not in final["status"]


def test_too_large_for_memory_is_refused_before_any_work_and_the_app_goes_on(app, monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 10_000)
    refused = list(app.dream("visitor", _inputs(kind="noise"), _dream_tab(app)))[-1]
    assert "needs at least" in refused["status"] and "is available" in refused["status"]
    monkeypatch.undo()
    assert list(app.dream("visitor", _inputs(kind="noise"), _dream_tab(app)))[-1]["status"].startswith("done")


def test_an_internal_error_is_one_line_and_logged(app, monkeypatch, caplog):
    monkeypatch.setattr(dreams, "save", lambda *args: 1 / 0)
    final = list(app.dream("visitor", _inputs(kind="noise"), _dream_tab(app)))[-1]
    assert final["status"] == ("**error:** internal error (ZeroDivisionError: division by zero); the app goes on, "
                               "details are in its log")
    assert "Traceback" in caplog.text or any(record.exc_info for record in caplog.records)


def test_compare_gives_the_sheet_panels_and_summary(app):
    updates = list(app.compare("visitor", _inputs(kind="sample", max_dim=48, steps=2), "conv1\nconv3", "imagenet"))
    final = updates[-1]
    assert final["compare_status"] == "compared 2 runs"
    assert final["sheet"].endswith("contact_sheet.png") and final["panels"].endswith("losses.png")
    assert "| run | layer |" in final["summary"] and "tiny: conv3" in final["summary"]
    assert any("01_tiny_conv1: octave" in update.get("compare_progress", "") for update in updates)


def test_the_layer_list_follows_the_model(app):
    listed = app.layers(app.model, "imagenet")
    assert listed["status"] == "" and listed["layers"].choices[1] == ("conv2 (?, ?, 16)", "conv2")
    assert "model must be one of" in app.layers("no_such_model", "imagenet")["status"]


def test_the_atlas_tab_links_the_folder_or_says_how_to_make_one(app, tmp_path):
    assert "tfdream atlas" in app.atlas_html()
    app.atlas = tmp_path
    assert f'href="/gradio_api/file={tmp_path}/index.html"' in app.atlas_html()
