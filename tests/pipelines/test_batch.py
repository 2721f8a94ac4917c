"""A batch of photos: one recipe, a broken photo reported in the summary while the others go on, reruns skip."""

import json

import numpy as np
import PIL.Image
import pytest
from absl.testing import flagsaver

from tests.pipelines.conftest import IN_PROCESS
from tfdream import cli, testing
from tfdream.core import sidecar
from tfdream.pipelines import photos

pytest.importorskip("apache_beam", reason="the pipelines run on Apache Beam: pip install 'tfdream[beam]'")


@pytest.fixture
def photo_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(3):
        image = np.roll(testing.sample_image(40, 48), 10 * index, axis=1)
        PIL.Image.fromarray(np.asarray(image, np.uint8)).save(folder / f"p{index}.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    return folder


def batch(model, pattern, out_dir, *extra) -> int:
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", "batch", str(pattern), str(out_dir), f"--model={model}", "--layers=conv2,conv3:0.5",
                 "--steps=2", "--octaves=-1,0", "--tile_size=32", "--weights=none", "--preprocessing=inception",
                 "--precision=float32", *extra, "--", *IN_PROCESS])
    return exit_info.value.code


def test_a_broken_photo_is_reported_and_the_others_are_dreamed(tiny_keras, photo_folder, tmp_path, caplog):
    out = tmp_path / "out"
    assert batch(tiny_keras, photo_folder / "*.png", out) == 1
    summary = json.loads((out / photos.SUMMARY).read_text())
    assert summary["photos"] == 4 and summary["skipped"] == []
    assert summary["done"] == [str(photo_folder / f"p{index}.png") for index in range(3)]
    (failed,) = summary["failed"]
    assert failed["photo"] == str(photo_folder / "broken.png") and "broken.png" in failed["error"]
    assert any("broken.png" in record.getMessage() for record in caplog.records if record.levelname == "WARNING")
    assert not list(out.glob("broken*")) and not list(out.glob(".*"))
    seeds = set()
    for index in range(3):
        record = json.loads((out / f"p{index}.json").read_text())
        assert record["input"]["path"] == str(photo_folder / f"p{index}.png") and record["input"]["sha256"]
        seeds.add(record["seed"])
        assert (out / f"p{index}_history.csv").is_file()
    assert len(seeds) == 3  # each photo its own seed, from its name
    again = sidecar.rerun(out / "p1.json")
    np.testing.assert_array_equal(again.image, np.asarray(PIL.Image.open(out / "p1.png")))
    before = {path.name: path.read_bytes() for path in out.glob("p*")}
    assert batch(tiny_keras, photo_folder / "*.png", out) == 1  # the broken one is tried again
    summary = json.loads((out / photos.SUMMARY).read_text())
    assert summary["done"] == [] and len(summary["skipped"]) == 3 and len(summary["failed"]) == 1
    assert {path.name: path.read_bytes() for path in out.glob("p*")} == before


def test_a_batch_of_good_photos_exits_0(tiny_keras, photo_folder, tmp_path):
    assert batch(tiny_keras, photo_folder / "p[01].png", tmp_path / "out") == 0
    assert sorted(path.name for path in (tmp_path / "out").glob("*.png")) == ["p0.png", "p1.png"]


@pytest.mark.parametrize("pattern, message", [
    ("nothing/*.jpg", "photos must match at least one file"),
    ("**/p0.png", "photos must have distinct file names"),
])
def test_bad_photo_globs_are_refused(photo_folder, tmp_path, monkeypatch, pattern, message):
    monkeypatch.chdir(tmp_path)
    (photo_folder / "again").mkdir()
    (photo_folder / "again" / "p0.png").write_bytes((photo_folder / "p0.png").read_bytes())
    with pytest.raises(ValueError, match=message):
        photos.find_photos(pattern)
