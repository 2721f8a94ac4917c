"""Tests of comparison runs and their contact sheet, loss figure and summary table."""

import csv
import json

import numpy as np
import PIL.Image
import pytest

from tfdream import DreamConfig, studies
from tfdream.core import callbacks
from tfdream.io import images, sheets
from tfdream.studies import compare

CONFIG = DreamConfig(steps=2, octaves=(-1, 0), seed=0)


@pytest.fixture
def runs(saved_tiny_model):
    return [studies.Run(str(saved_tiny_model), "low"), studies.Run(str(saved_tiny_model), ("conv2", "conv3"))]


@pytest.fixture
def photo(tmp_path, tiny_image):
    return images.save_image(tiny_image, tmp_path / "photo.png")


def test_compare_writes_every_output(runs, photo, tmp_path):
    out = tmp_path / "out"
    comparison = compare.compare(photo, runs, out, config=CONFIG)
    assert not comparison.interrupted and len(comparison.results) == 2
    assert sorted(path.name for path in out.iterdir()) == sorted(path.name for path in compare.output_files(out, runs))
    assert set(comparison.files.values()) == set(compare.output_files(out, runs))
    assert compare.run_stems(runs) == ["01_tiny_low", "02_tiny_conv2_conv3"]
    for stem, result in zip(compare.run_stems(runs), comparison.results):
        assert np.array_equal(np.asarray(PIL.Image.open(out / f"{stem}.png")), result.image)
        assert json.loads((out / f"{stem}.json").read_text())["seed"] == 0
    with open(out / "02_tiny_conv2_conv3_history.csv") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["octave", "step", "total", "conv2", "conv3", "skipped"] and len(rows) == 4
    histories = json.loads((out / "histories.json").read_text())["runs"]
    assert [run["label"] for run in histories] == ["tiny: low", "tiny: conv2+conv3"]
    assert histories[0]["layers"] == "low" and histories[1]["history"]["labels"] == ["conv2", "conv3"]
    with open(out / "summary.csv") as file:
        summary = list(csv.DictReader(file))
    assert [(row["run"], row["layer"]) for row in summary] == [
        ("tiny: low", "conv1"), ("tiny: low", "total"),
        ("tiny: conv2+conv3", "conv2"), ("tiny: conv2+conv3", "conv3"), ("tiny: conv2+conv3", "total")]
    first = comparison.results[0].history.values("conv1")
    assert float(summary[0]["min"]) == first.min() and float(summary[0]["final"]) == first[-1]
    markdown = (out / "summary.md").read_text().splitlines()
    assert markdown[0] == "| run | layer | first | min | max | final |" and len(markdown) == 7
    sheet = PIL.Image.open(out / "contact_sheet.png")
    assert sheet.width == 3 * 256  # the input and two dreams
    assert PIL.Image.open(out / "losses.png").width > 400


def test_compare_checks_every_output_before_dreaming(runs, photo, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.md").write_text("keep me")
    with pytest.raises(images.OutputExistsError, match="summary.md"):
        compare.compare(photo, runs, out, config=CONFIG)
    assert [path.name for path in out.iterdir()] == ["summary.md"]
    compare.compare(photo, runs, out, config=CONFIG, overwrite=True)
    assert (out / "summary.md").read_text().startswith("| run |")


def test_interrupted_comparison_keeps_the_runs_made(runs, tmp_path):
    stop = callbacks.StopOnInterrupt()
    stop.interrupted = True
    comparison = compare.compare(None, runs, tmp_path, config=CONFIG, size=(24, 32), make_callbacks=lambda stem: [stop])
    assert comparison.interrupted and len(comparison.runs) == 1
    assert len(comparison.results[0].history) == 1
    assert not (tmp_path / "02_tiny_conv2_conv3.png").exists()
    assert PIL.Image.open(tmp_path / "contact_sheet.png").width == 256  # noise: no input tile
    assert len(json.loads((tmp_path / "histories.json").read_text())["runs"]) == 1


def test_compare_draws_one_seed_for_all_runs(runs, tmp_path):
    config = DreamConfig(steps=1, octaves=(0,))
    comparison = compare.compare(None, runs, tmp_path, config=config, size=(24, 32))
    assert comparison.results[0].seed == comparison.results[1].seed


def test_contact_sheet_grid_and_labels():
    tiles = [np.zeros((10, 20, 3), np.uint8), np.full((40, 40, 3), 255, np.uint8), np.zeros((20, 20, 3))]
    sheet = sheets.contact_sheet(tiles, ["a", "a very long label " * 10, "c"], columns=2, width=100)
    assert sheet.dtype == np.uint8 and sheet.shape[1] == 200
    assert sheet.shape[0] % 2 == 0 and sheet.shape[0] > 2 * 100  # two rows of (100 px image + label strip)
    with pytest.raises(ValueError, match="tiles and labels"):
        sheets.contact_sheet(tiles, ["a"])


def test_compare_needs_runs(tmp_path):
    with pytest.raises(ValueError, match="runs must name at least one"):
        compare.compare(None, [], tmp_path, config=CONFIG, size=(8, 8))
