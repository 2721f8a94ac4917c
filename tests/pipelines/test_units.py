"""Units of an atlas: enumeration, channel lists, seeds, the spec's record; TensorFlow-free."""

import json
import subprocess
import sys

import pytest

from tfdream import DreamConfig, renders
from tfdream.pipelines import units


def test_units_go_layer_by_layer_then_channel_by_channel():
    found = units.enumerate_units(["b", "a"], {"a": 3, "b": 2})
    assert found == [units.Unit("b", 0), units.Unit("b", 1), units.Unit("a", 0), units.Unit("a", 1), units.Unit("a", 2)]
    assert units.enumerate_units(["a"], {"a": 64}, "0-3,10") == [units.Unit("a", c) for c in (0, 1, 2, 3, 10)]


@pytest.mark.parametrize("text, count, expected", [("all", 3, [0, 1, 2]), (" ALL ", 1, [0]),
                                                  ("2-4,0", 5, [2, 3, 4, 0])])
def test_parse_channels(text, count, expected):
    assert units.parse_channels(text, count) == expected


@pytest.mark.parametrize("layers, channels, message", [
    (["a"], "0-8", r"channels must be below the layer's 8 channels\. Received: channels='0-8'"),
    (["a"], "x", r"channels must be indices and ranges"),
    (["a", "a"], "all", r"layers must be distinct names"),
    ([], "all", r"layers must be distinct names, at least one"),
    (["a/b", "a_b"], "all", r"layers must have distinct file names"),
])
def test_bad_units_name_the_problem(layers, channels, message):
    with pytest.raises(ValueError, match=message):
        units.enumerate_units(layers, {"a": 8, "a/b": 8, "a_b": 8}, channels)


def test_a_units_seed_depends_on_the_unit_and_base_seed_alone():
    seeds = {units.Unit(layer, channel).seed(0) for layer in ("a", "b") for channel in range(50)}
    assert len(seeds) == 100 and all(0 <= seed < 2**31 for seed in seeds)
    assert units.Unit("a", 3).seed(0) != units.Unit("a", 3).seed(1)
    other_process = subprocess.run([sys.executable, "-c", "from tfdream.pipelines import units; "
                                    "print(units.Unit('a', 3).seed(0))"], capture_output=True, text=True, check=True)
    assert int(other_process.stdout) == units.Unit("a", 3).seed(0)  # not Python's salted hash


def test_unit_files_sit_in_their_layers_folder(tmp_path):
    unit = units.Unit("mixed4a/pool", 7)
    assert unit.path(tmp_path, ".png") == tmp_path / "units" / "mixed4a_pool" / "c0007.png"
    assert not units.is_complete(unit, tmp_path)
    unit.folder(tmp_path).mkdir(parents=True)
    for ending in units.RENDER_FILES[:-1]:
        unit.path(tmp_path, ending).write_bytes(b"x")
    assert not units.is_complete(unit, tmp_path)  # the sidecar is missing
    unit.path(tmp_path, ".json").write_bytes(b"x")
    assert units.is_complete(unit, tmp_path) and not units.is_complete(unit, tmp_path, units.EXAMPLE_FILES)


def test_the_spec_takes_the_render_under_overrides_and_round_trips_through_json():
    spec = units.AtlasSpec.with_render("vgg16", ["block4_conv3"], "lapnorm", {"steps": 3}, channels="0-63",
                                       dreamer_options={"weights": "hed"}, examples="photos")
    assert spec.config == DreamConfig(**{**renders.options("lapnorm"), "steps": 3, "seed": 0})
    assert units.AtlasSpec.from_config(json.loads(json.dumps(spec.get_config()))) == spec
    assert units.AtlasSpec("m", ["a"], config=DreamConfig()).config.seed == 0  # never a drawn seed


def test_the_default_render_is_robust_where_that_recipe_exists():
    assert units.DEFAULT_RENDER == ("robust" if "robust" in renders.RENDERS else "lapnorm")


@pytest.mark.parametrize("fields, message", [
    ({"dreamer_options": {"channels": {"a": [1]}}}, "dreamer_options cannot hold channels"),
    ({"top_k": 0}, r"top_k must be an int >= 1\. Received: top_k=0"),
])
def test_bad_specs_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        units.AtlasSpec("m", ["a"], **fields)
