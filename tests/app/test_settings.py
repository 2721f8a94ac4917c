"""Tests of the page's values turned into a dream's config, input, dreamer and runs, and of the workspace."""

import pytest

from tfdream.app import settings
from tfdream.io import files, images, sources


def test_dream_config_takes_the_render_under_the_page_values():
    config = settings.dream_config(render="lapnorm", steps=3, step_size=0.02, octaves="-1, 0", octave_scale=1.4,
                                   tile_size=0, seed=7, preserve_colors=True)
    assert (config.steps, config.step_size, config.octaves, config.tile_size, config.seed) == (3, 0.02, (-1, 0),
                                                                                               None, 7)
    assert config.normalization == "laplacian" and config.noise == "grey" and config.preserve_colors
    assert settings.dream_config(render=settings.NO_RENDER, steps=8, step_size=0.04, octaves="0", octave_scale=1.3,
                                 tile_size=512, seed=None).normalization == "std"


@pytest.mark.parametrize("text, message", [("a,b", "whole numbers"), (" ", "at least one octave")])
def test_bad_octaves_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        settings.parse_octaves(text)


def test_channels_read_per_layer():
    assert settings.parse_channels("conv2:0-2,5; conv3:1") == {"conv2": [0, 1, 2, 5], "conv3": [1]}
    assert settings.parse_channels("") is None
    with pytest.raises(ValueError, match="LAYER:CHANNELS"):
        settings.parse_channels("0-3")


def test_an_upload_is_kept_by_content_and_recorded_with_its_sha256(workspace, photo):
    source = settings.source("upload", upload=str(photo), sample=None, noise_size=(1, 1), max_dim=32,
                             workspace=workspace)
    assert source.path.parent == workspace.inputs and source.max_dim == 32
    assert source.sha256 == files.sha256(photo) and source.path.name.startswith(source.sha256[:16])
    again = settings.source("upload", upload=str(photo), sample=None, noise_size=(1, 1), max_dim=0,
                            workspace=workspace)
    assert again.path == source.path and again.max_dim is None and len(list(workspace.inputs.iterdir())) == 1


def test_samples_and_noise_are_sources(workspace):
    assert settings.source("sample", upload=None, sample="astronaut", noise_size=(1, 1), max_dim=64,
                           workspace=workspace).get_config()["sample"] == "astronaut"
    assert settings.source("noise", upload=None, sample=None, noise_size=(30.0, 40.0), max_dim=64,
                           workspace=workspace) == sources.Source.noise((30, 40))


def test_an_unreadable_upload_or_none_says_so(workspace, broken):
    with pytest.raises(images.ImageError, match="the uploaded photo cannot be read"):
        settings.source("upload", upload=str(broken), sample=None, noise_size=(1, 1), max_dim=0, workspace=workspace)
    with pytest.raises(ValueError, match="no photo uploaded"):
        settings.source("upload", upload=None, sample=None, noise_size=(1, 1), max_dim=0, workspace=workspace)
    assert not list(workspace.inputs.iterdir())


def test_layer_choices_show_shapes(saved_tiny_model):
    assert settings.layer_choices(str(saved_tiny_model), "imagenet") == [
        ("conv1 (?, ?, 8)", "conv1"), ("conv2 (?, ?, 16)", "conv2"), ("conv3 (?, ?, 24)", "conv3")]
    with pytest.raises(ValueError, match="does not exist"):
        settings.layer_choices("missing.keras", "imagenet")


def test_dreamer_choice_steers_and_drops_weights_of_saved_models(saved_tiny_model, workspace, photo):
    choice = settings.dreamer_choice(str(saved_tiny_model), "imagenet", ["conv2"], guide=str(photo),
                                     workspace=workspace)
    assert choice.weights is None and [term.kind for term in choice.layers.terms] == ["guide"]
    assert choice.layers.terms[0].image.startswith(str(workspace.inputs))
    plain = settings.dreamer_choice("vgg16", "none", [], channels="block1_conv1:0-1")
    assert (plain.layers, plain.weights, plain.channels) == (None, None, {"block1_conv1": [0, 1]})


def test_runs_one_a_line(saved_tiny_model):
    runs = settings.parse_runs(f"{saved_tiny_model} conv1\nconv2,conv3:0.5\n\nvgg16", str(saved_tiny_model))
    assert [(run.layers) for run in runs] == ["conv1", {"conv2": 1.0, "conv3": 0.5}, None]
    assert [str(run.model) for run in runs] == [str(saved_tiny_model)] * 2 + ["vgg16"]
    with pytest.raises(ValueError, match="runs is empty"):
        settings.parse_runs(" \n", "vgg16")


def test_workspace_numbers_runs_and_is_removed_on_close(tmp_path, photo):
    from tfdream.app import workspace as workspace_lib

    with workspace_lib.Workspace(tmp_path / "parent" if (tmp_path / "parent").mkdir() is None else None) as folder:
        assert [folder.new_run().name, folder.new_run().name] == ["0001", "0002"]
        folder.keep(photo)
    assert not folder.root.exists() and not list((tmp_path / "parent").iterdir())
