"""Tests for tfdream.googlenet and the "inception5h" model: native network, notebook graph, convert command."""

import keras
import numpy as np
import pytest
from absl.testing import flagsaver

from tfdream import Dreamer, cli, models, testing
from tfdream.models import googlenet, graphdef, metadata


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    """A full-size graph in the published format (random weights), as the notebook's .pb file."""
    path = tmp_path_factory.mktemp("inception5h") / googlenet.GRAPH_FILE
    return testing.write_inception5h_graph(path, seed=2)


@pytest.fixture(scope="module")
def converted(graph_file):
    return googlenet.convert_graph(graph_file)


def test_native_and_converted_networks_share_layer_names_and_weight_shapes(converted):
    native = googlenet.GoogLeNet()
    assert graphdef.layer_weights(native) == graphdef.layer_weights(converted)
    assert [layer.name for layer in native.layers] == [layer.name for layer in converted.layers]
    assert native.get_layer("mixed4d_3x3_bottleneck_pre_relu").output.shape[-1] == 144
    assert [native.get_layer(name).output.shape[-1] for name in googlenet.BLOCKS] == [
        256, 480, 508, 512, 512, 528, 832, 832, 1024]


def test_converted_weights_load_into_the_native_network_by_name(tmp_path, converted):
    weights = tmp_path / "googlenet.weights.h5"
    converted.save_weights(weights)
    dreamer = Dreamer("inception5h", "mixed4d_3x3_bottleneck_pre_relu", weights=weights)
    inputs = np.random.default_rng(0).normal(0, 60, (1, 40, 48, 3)).astype(np.float32)
    layer = "mixed4d_3x3_bottleneck_pre_relu"
    expected = keras.Model(converted.inputs, converted.get_layer(layer).output)(inputs).numpy()
    actual = dreamer.extractor(inputs)[layer].numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_dreams_the_notebook_channel_from_the_graph_file(graph_file):
    dreamer = Dreamer("inception5h", {"mixed4d_3x3_bottleneck_pre_relu": 1.0},
                      weights=graph_file, channels={"mixed4d_3x3_bottleneck_pre_relu": [139]}, precision="float32")
    assert dreamer.loaded.preprocessing == models.PREPROCESSING["inception5h"]
    result = dreamer.dream(testing.sample_image(40, 40), steps=3, octaves=(0,), tile_size=None, seed=0)
    (label,) = result.history.labels
    losses = [record[label] for record in result.history.records]
    assert losses[-1] > losses[0]
    assert result.image.shape == (40, 40, 3)


def test_named_model_without_weights_is_the_native_network():
    loaded = models.load_model("inception5h", weights=None)
    assert loaded.default_layers == ("mixed4c",) and loaded.min_size == googlenet.MIN_SIZE
    low, high = loaded.preprocessing.value_range
    np.testing.assert_allclose(low, -117.0)
    np.testing.assert_allclose(high, 138.0)
    names = {info.name: info.shape for info in models.list_layers("inception5h")}
    assert names["mixed4d_3x3_bottleneck_pre_relu"][-1] == 144 and names["localresponsenorm0"][-1] == 64
    assert "conv2d0_pre_relu" in names and "mixed5b" in names


def test_offline_download_error_names_the_zip_and_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    requested = {}

    def unreachable(**kwargs):
        requested.update(kwargs)
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", unreachable)
    with pytest.raises(models.WeightsUnavailableError) as info:
        Dreamer("inception5h")
    assert requested == {"fname": googlenet.ZIP_FILE, "origin": googlenet.URL, "file_hash": googlenet.ZIP_SHA256,
                         "cache_subdir": "models"}
    message = str(info.value)
    assert "'inception5h.zip'" in message and str(tmp_path / "models") in message and "weights=PATH" in message


def test_weights_file_that_is_not_a_graph_is_refused(tmp_path):
    bad = tmp_path / "broken.pb"
    bad.write_bytes(b"not a graph")
    with pytest.raises(ValueError, match="broken.pb"):
        Dreamer("inception5h", weights=bad)


def test_local_response_normalization_round_trips_its_config():
    layer = googlenet.LocalResponseNormalization(depth_radius=2, bias=1.5, alpha=0.01, beta=0.75, name="lrn")
    clone = googlenet.LocalResponseNormalization.from_config(layer.get_config())
    inputs = np.random.default_rng(0).normal(size=(1, 3, 3, 8)).astype(np.float32)
    np.testing.assert_allclose(clone(inputs).numpy(), layer(inputs).numpy())
    assert keras.saving.get_registered_object("tfdream>LocalResponseNormalization") is (
        googlenet.LocalResponseNormalization)


def test_convert_command_writes_a_model_that_loads_like_any_saved_model(tmp_path, graph_file):
    output = tmp_path / "inception5h.keras"
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", "convert", graph_file, str(output)])
    assert not exit_info.value.code
    meta = metadata.ModelMetadata.load(output)
    assert (meta.architecture, meta.preprocessing, meta.default_layers) == ("inception5h", "inception5h", ("mixed4c",))
    assert meta.min_size == googlenet.MIN_SIZE
    loaded = models.load_model(output)
    assert loaded.preprocessing == models.PREPROCESSING["inception5h"]
    assert loaded.layer_sets["notebook_channel"] == ("mixed4d_3x3_bottleneck_pre_relu",)
    assert isinstance(loaded.model.get_layer("localresponsenorm1"), googlenet.LocalResponseNormalization)
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:  # no silent overwrite
        cli.run(["tfdream", "convert", graph_file, str(output)])
    assert exit_info.value.code == cli.EXIT_USAGE


@pytest.mark.large
def test_imagenet_weights_download_the_published_graph():
    dreamer = Dreamer("inception5h", weights="imagenet")
    assert dreamer.loaded.model.get_layer("mixed4d_3x3_bottleneck_pre_relu").output.shape[-1] == 144
