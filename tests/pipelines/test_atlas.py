"""An atlas: one unit's render as a pure function, the Beam pipeline (in process) giving the same bits, a
stopped run gone on with, the examples' top-k, and the command."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import PIL.Image
import pytest
from absl.testing import flagsaver

from tests.pipelines.conftest import IN_PROCESS, make_spec, tree
from tfdream import cli
from tfdream.core import sidecar
from tfdream.pipelines import examples, render, units

BEAM = "the pipelines run on Apache Beam: pip install 'tfdream[beam]'"
engine = pytest.importorskip("tfdream.pipelines.engine", reason=BEAM)


def test_a_unit_renders_alone_as_it_does_after_others(tiny_keras, tmp_path):
    spec = make_spec(tiny_keras)
    unit = units.Unit("conv3", 2)
    written = render.render_unit(spec, unit, tmp_path / "alone")
    assert sorted(written) == sorted(units.RENDER_FILES)
    renderer = render.UnitRenderer(spec)
    for other in (units.Unit("conv2", 0), units.Unit("conv3", 1), unit):
        render.render_unit(spec, other, tmp_path / "after", renderer)
    for ending in units.RENDER_FILES:
        assert unit.path(tmp_path / "alone", ending).read_bytes() == unit.path(tmp_path / "after", ending).read_bytes()
    record = json.loads(unit.path(tmp_path / "alone", ".json").read_text())
    assert record["seed"] == unit.seed(0) and record["dreamer"]["model"] == str(tiny_keras)
    assert record["dreamer"]["terms"][0]["channels"] == [2] and record["config"]["steps"] == 2
    with PIL.Image.open(unit.path(tmp_path / "alone", ".png")) as image:
        assert image.size == (32, 32)


def test_a_units_sidecar_makes_its_render_again(tiny_keras, tmp_path):
    unit = units.Unit("conv2", 1)
    render.render_unit(make_spec(tiny_keras), unit, tmp_path)
    again = sidecar.rerun(unit.path(tmp_path, ".json"))
    np.testing.assert_array_equal(again.image, np.asarray(PIL.Image.open(unit.path(tmp_path, ".png"))))


def test_the_pipeline_writes_what_the_pure_function_does_and_goes_on_after_a_stop(tiny_keras, tmp_path):
    spec = make_spec(tiny_keras)
    whole = engine.atlas(spec, tmp_path / "whole", pipeline_args=IN_PROCESS)
    assert len(whole.units) == len(whole.rendered) == 6 and whole.index == tmp_path / "whole" / "index.html"
    for unit in whole.units:
        assert units.is_complete(unit, tmp_path / "whole")
    alone = units.Unit("conv3", 1)
    render.render_unit(spec, alone, tmp_path / "alone")
    assert tree(alone.folder(tmp_path / "alone")) == {
        name: data for name, data in tree(alone.folder(tmp_path / "whole")).items()
        if name.startswith(alone.stem()) and not name.endswith(".html")}
    # A stopped run: two units done, one with its image only, a temporary file of a write cut short.
    stopped, renderer = tmp_path / "stopped", render.UnitRenderer(spec)
    half = units.Unit("conv2", 1)
    for unit in (units.Unit("conv2", 0), units.Unit("conv3", 0), half):
        render.render_unit(spec, unit, stopped, renderer)
    half.path(stopped, ".json").unlink()
    (half.folder(stopped) / ".c0002.png.1234abcd.tmp").write_bytes(b"cut short")
    went_on = engine.atlas(spec, stopped, pipeline_args=IN_PROCESS, overwrite=False)
    assert went_on.rendered == [half, units.Unit("conv2", 2), units.Unit("conv3", 1), units.Unit("conv3", 2)]
    assert tree(stopped) == tree(tmp_path / "whole")
    assert engine.atlas(spec, stopped, pipeline_args=IN_PROCESS).rendered == []  # all there: nothing to do


def test_an_out_dir_of_other_settings_is_refused(tiny_keras, tmp_path):
    engine.atlas(make_spec(tiny_keras, channels="0"), tmp_path, pipeline_args=IN_PROCESS)
    with pytest.raises(ValueError, match=r"OUT_DIR holds an atlas made with other settings \(channels differ"):
        engine.atlas(make_spec(tiny_keras, channels="0-1"), tmp_path, pipeline_args=IN_PROCESS)


def test_examples_keep_each_channels_top_images_and_their_peak_patches(tiny_keras, example_folder, tmp_path):
    spec = make_spec(tiny_keras, layers=("conv3",), channels="0-3", examples=example_folder)
    run = engine.atlas(spec, tmp_path, pipeline_args=IN_PROCESS)
    assert run.examples == 4
    scorer = examples.ExampleScorer(spec, run.units)
    keys = examples.folder_keys(example_folder)
    assert keys[-1] == "sub/photo5.png" and len(keys) == 6
    scores = [score for key in keys for score in scorer.score(key, (example_folder / key).read_bytes())]
    for unit in run.units:
        expected = sorted((score for found, score in scores if found == (unit.layer, unit.channel)), reverse=True)[:3]
        record = json.loads(unit.path(tmp_path, "_examples.json").read_text())
        assert [(entry["score"], entry["image"]) for entry in record["examples"]] == [s[:2] for s in expected]
        for entry, (_, key, (top, left, side)) in zip(record["examples"], expected):
            with PIL.Image.open(unit.folder(tmp_path) / entry["patch"]) as patch:
                assert patch.size == (side, side) and entry["box"] == {"top": top, "left": left, "side": side}


def test_a_peak_box_is_a_square_inside_the_image():
    assert examples.peak_box(0, 0, (8, 8), (64, 64)) == (0, 0, 64)  # 8 cells of stride 8: the whole image
    assert examples.peak_box(15, 0, (16, 20), (64, 80)) == (32, 0, 32)
    assert examples.peak_box(3, 3, (56, 56), (224, 224)) == (0, 0, 32)


def test_the_atlas_command_builds_the_page_and_passes_beam_options_through(tiny_keras, tmp_path):
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", "atlas", str(tiny_keras), str(tmp_path / "atlas"), "--layers=conv2", "--channels=0-1",
                 "--render=lapnorm", "--steps=1", "--octaves=0", "--tile_size=32", "--size=32,32", "--weights=none",
                 "--preprocessing=inception", "--precision=float32", "--", *IN_PROCESS])
    assert exit_info.value.code == 0
    assert (tmp_path / "atlas" / "units" / "conv2" / "c0001.html").is_file()
    record = json.loads((tmp_path / "atlas" / "atlas.json").read_text())
    assert record["spec"]["config"]["steps"] == 1 and record["channel_counts"] == {"conv2": 16}


@pytest.mark.parametrize("args, message", [
    (["--layers=conv2:2"], "atlas needs --layers=L1,L2 (names, no weights)"),
    (["--layers=nope"], "nope"),
    (["--layers=conv2", "--channels=0-99"], "channels must be below the layer's 16 channels"),
])
def test_bad_atlas_arguments_are_one_line_and_exit_2(tiny_keras, tmp_path, caplog, args, message):
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", "atlas", str(tiny_keras), str(tmp_path / "atlas"), "--weights=none",
                 "--preprocessing=inception", *args])
    assert exit_info.value.code == 2
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert message in error and "\n" not in error and not (tmp_path / "atlas" / "units").exists()



def test_examples_from_the_mit_indoor67_split_are_keyed_by_class(tiny_keras, tmp_path):
    """`--examples=mit_indoor67:test` reads the split prepared in TFDS's data folder (`TFDS_DATA_DIR`), here
    built from the bundled dummy data, in a fresh command as a user runs it."""
    tfds = pytest.importorskip("tensorflow_datasets")
    from tfdream.training.mit_indoor67 import mit_indoor67_dataset_builder as builder_lib

    manual = pathlib.Path(builder_lib.__file__).parent / "dummy_data"
    builder_lib.Builder(data_dir=str(tmp_path / "tfds")).download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual)))
    atlas = tmp_path / "atlas"
    done = subprocess.run(
        [sys.executable, "-m", "tfdream.cli", "atlas", str(tiny_keras), str(atlas), "--layers=conv3",
         "--channels=0-1", "--render=lapnorm", "--steps=1", "--octaves=0", "--size=32,32", "--weights=none",
         "--preprocessing=inception", "--precision=float32", "--examples=mit_indoor67:test", "--", *IN_PROCESS],
        env={**os.environ, "TFDS_DATA_DIR": str(tmp_path / "tfds")}, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    for unit in (units.Unit("conv3", 0), units.Unit("conv3", 1)):
        record = json.loads(unit.path(atlas, "_examples.json").read_text())
        assert sorted(entry["image"].split("/")[0] for entry in record["examples"]) == ["bakery", "kitchen",
                                                                                      "winecellar"]
        for entry in record["examples"]:
            assert (unit.folder(atlas) / entry["patch"]).stat().st_size > 0
