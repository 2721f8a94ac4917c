"""Tests for tfdream.metadata."""

import json
import pathlib

import pytest

from tfdream.models import metadata


def _example() -> metadata.ModelMetadata:
    return metadata.ModelMetadata(
        architecture="vgg16",
        preprocessing="inception",
        image_size=[224, 192],
        class_names=["bar", "kitchen"],
        default_layers=["block4_conv3"],
        layer_presets={"block4": ["block4_conv3"], "all": ["block1_conv2", "block4_conv3"]},
        split="official TrainImages.txt/TestImages.txt",
        metrics={"test_accuracy": 0.5, "epochs": 3},
    )


def test_metadata_path_replaces_the_suffix():
    assert metadata.metadata_path("out/model.keras") == pathlib.Path("out/model.json")
    assert metadata.metadata_path(pathlib.Path("a/b/vgg.keras")) == pathlib.Path("a/b/vgg.json")


def test_containers_are_normalized():
    meta = _example()
    assert meta.image_size == (224, 192)
    assert meta.class_names == ("bar", "kitchen")
    assert meta.layer_presets["all"] == ("block1_conv2", "block4_conv3")
    assert meta.metrics == {"test_accuracy": 0.5, "epochs": 3.0}


def test_defaults_are_empty_and_not_shared():
    a = metadata.ModelMetadata("vgg11", "inception", (32, 32))
    b = metadata.ModelMetadata("vgg11", "inception", (32, 32))
    assert a.layer_presets == {} and a.metrics == {} and a.class_names == ()
    assert a.layer_presets is not b.layer_presets


def test_save_and_load_round_trip(tmp_path):
    model_path = tmp_path / "model.keras"
    written = _example().save(model_path)
    assert written == tmp_path / "model.json"
    assert json.loads(written.read_text())["image_size"] == [224, 192]
    assert metadata.ModelMetadata.load(model_path) == _example()
    assert not list(tmp_path.glob(".*.tmp"))


def test_get_config_round_trips_through_json():
    meta = _example()
    config = json.loads(json.dumps(meta.get_config()))
    assert config["image_size"] == [224, 192] and config["layer_presets"]["block4"] == ["block4_conv3"]
    assert metadata.ModelMetadata.from_config(config) == meta
    assert meta.layer_sets == meta.layer_presets


def test_save_overwrites(tmp_path):
    _example().save(tmp_path / "model.keras")
    replacement = metadata.ModelMetadata("resnet50", "inception", (64, 64))
    replacement.save(tmp_path / "model.keras")
    assert metadata.ModelMetadata.load(tmp_path / "model.keras") == replacement


def test_load_without_sidecar_returns_none(tmp_path):
    assert metadata.ModelMetadata.load(tmp_path / "model.keras") is None


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"architecture": "vgg16", "preprocessing": "inception"}',
        '{"architecture": "vgg16", "preprocessing": "inception", "image_size": [0, 3]}',
        '{"architecture": "", "preprocessing": "inception", "image_size": [3, 3]}',
    ],
)
def test_load_malformed_names_the_file(tmp_path, content):
    (tmp_path / "model.json").write_text(content)
    with pytest.raises(ValueError, match="model.json"):
        metadata.ModelMetadata.load(tmp_path / "model.keras")


def test_load_ignores_unknown_keys(tmp_path, caplog):
    data = json.loads(_example().to_json())
    data["added_later"] = 1
    (tmp_path / "model.json").write_text(json.dumps(data))
    assert metadata.ModelMetadata.load(tmp_path / "model.keras") == _example()
    assert "added_later" in caplog.text


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"architecture": None}, "architecture"),
        ({"preprocessing": ""}, "preprocessing"),
        ({"image_size": (32,)}, "image_size"),
        ({"image_size": (32, -1)}, "image_size"),
    ],
)
def test_invalid_fields_name_the_argument(kwargs, message):
    args = {"architecture": "vgg16", "preprocessing": "inception", "image_size": (32, 32)} | kwargs
    with pytest.raises(ValueError, match=message):
        metadata.ModelMetadata(**args)
