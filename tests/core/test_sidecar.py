"""Tests of the sidecar JSON: its fields, and re-running a dream from it bit-identically."""

import hashlib
import json

import numpy as np
import pytest

import tfdream
from tfdream import Dreamer
from tfdream.core import callbacks, sidecar
from tfdream.io import images, samples, sources


@pytest.fixture
def photo(tmp_path, tiny_image):
    return images.save_image(tiny_image, tmp_path / "photo.png")


def test_describe_input(photo):
    assert sidecar.describe_input(photo, max_dim=32) == {
        "path": str(photo), "sha256": hashlib.sha256(photo.read_bytes()).hexdigest(), "max_dim": 32}
    assert sidecar.describe_input(samples.path("coffee"))["sample"] == "coffee"
    assert sidecar.describe_input(None, size=(20, 30)) == {"noise_size": [20, 30]}
    with pytest.raises(images.ImageError, match="no such file"):
        sidecar.describe_input(photo.with_name("missing.png"))
    with pytest.raises(ValueError, match="size is required"):
        sidecar.describe_input(None)


def test_written_sidecar_records_every_parameter(saved_tiny_model, photo, tmp_path):
    result = Dreamer(str(saved_tiny_model), loss="l2").dream(photo, steps=2, octaves=(-1, 0), seed=7)
    output = result.save(tmp_path / "dream.png")
    path = sidecar.write(result, output, sidecar.describe_input(photo))
    assert path == tmp_path / "dream.json"
    data = json.loads(path.read_text())
    assert data["image"] == "dream.png"
    assert data["seed"] == 7 and data["config"] == result.config.get_config()
    assert data["dreamer"]["model"] == str(saved_tiny_model)
    assert [term["reduction"] for term in data["dreamer"]["terms"]] == ["l2", "l2"]
    assert data["input"]["path"] == str(photo)
    assert data["steps_completed"] == 4 and data["interrupted"] is False
    assert set(data["versions"]) == {"tfdream", "tensorflow", "keras", "python", "numpy"}
    assert data["versions"]["tfdream"] == tfdream.__version__
    with pytest.raises(images.OutputExistsError):
        sidecar.write(result, output, sidecar.describe_input(photo))


def test_sidecar_document_round_trips(saved_tiny_model, photo, tmp_path):
    result = Dreamer(str(saved_tiny_model)).dream(photo, steps=1, octaves=(0,), seed=2)
    path = sidecar.write(result, tmp_path / "dream.png", sources.Source.file(photo))
    document = json.loads(path.read_text())
    record = sidecar.Sidecar.from_config(document)
    assert record.get_config() == document
    assert record.source == sources.Source.from_config(document["input"]) and record.config == result.config
    assert record.steps_completed == 1 and record.image == "dream.png"


def test_rerun_reproduces_the_image_bit_identically(saved_tiny_model, photo, tmp_path):
    result = Dreamer(str(saved_tiny_model)).dream(photo, steps=3, octaves=(-1, 0), max_dim=40)
    sidecar.write(result, tmp_path / "dream.png", sidecar.describe_input(photo, max_dim=40))
    again = sidecar.rerun(tmp_path / "dream.json")
    assert again.image.shape == (30, 40, 3)
    np.testing.assert_array_equal(again.image, result.image)
    assert again.seed == result.seed


def test_rerun_from_noise(saved_tiny_model, tmp_path):
    result = Dreamer(str(saved_tiny_model), "high").dream(None, size=(24, 32), steps=2, octaves=(0,), seed=3)
    sidecar.write(result, tmp_path / "noise.png", sidecar.describe_input(None, size=(24, 32)))
    np.testing.assert_array_equal(sidecar.rerun(tmp_path / "noise.json").image, result.image)


def test_rerun_of_an_interrupted_dream_stops_at_the_same_step(saved_tiny_model, photo, tmp_path):
    stop = callbacks.StopOnInterrupt()
    stop.interrupted = True  # as after Ctrl-C: the dream ends after its first step
    result = Dreamer(str(saved_tiny_model)).dream(photo, steps=5, octaves=(0,), seed=1, callbacks=[stop])
    assert result.interrupted and len(result.history) == 1
    sidecar.write(result, tmp_path / "dream.png", sidecar.describe_input(photo))
    again = sidecar.rerun(tmp_path / "dream.json")
    assert len(again.history) == 1
    np.testing.assert_array_equal(again.image, result.image)


def test_rerun_finds_a_moved_input_beside_the_sidecar_and_checks_it(saved_tiny_model, photo, tmp_path, tiny_image):
    result = Dreamer(str(saved_tiny_model)).dream(photo, steps=2, octaves=(0,), seed=4)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    sidecar.write(result, moved / "dream.png", sidecar.describe_input(photo))
    photo.rename(moved / photo.name)  # the sidecar's folder now holds the photo; its recorded path is gone
    np.testing.assert_array_equal(sidecar.rerun(moved / "dream.json").image, result.image)
    images.save_image(255 - tiny_image, moved / photo.name, overwrite=True)
    with pytest.raises(ValueError, match="has changed since the dream"):
        sidecar.rerun(moved / "dream.json")
    (moved / photo.name).unlink()
    with pytest.raises(images.ImageError, match="no such file"):
        sidecar.rerun(moved / "dream.json")


def test_rerun_refuses_a_changed_input(saved_tiny_model, photo, tmp_path, tiny_image):
    result = Dreamer(str(saved_tiny_model)).dream(photo, steps=1, octaves=(0,), seed=1)
    sidecar.write(result, tmp_path / "dream.png", sidecar.describe_input(photo))
    images.save_image(255 - tiny_image, photo, overwrite=True)
    with pytest.raises(ValueError, match="has changed since the dream"):
        sidecar.rerun(tmp_path / "dream.json")


@pytest.mark.parametrize("text, message", [("{", "cannot read sidecar"), ("[1]", "not a JSON object"),
                                           ('{"input": {}}', "it lacks")])
def test_read_rejects_what_is_not_a_sidecar(tmp_path, text, message):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        sidecar.read(path)
