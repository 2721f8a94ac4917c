"""Several models dreamed together: one image, the objective summed over models seen in their own spaces."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdream import Dreamer, models, objectives, renders, testing
from tfdream.core import sidecar
from tfdream.io import images
from tfdream.models import ensemble, metadata

INCEPTION, CAFFE = models.PREPROCESSING["inception"], models.PREPROCESSING["caffe"]


def named(model: keras.Model, name: str) -> keras.Model:
    return keras.Model(model.inputs, model.outputs, name=name)


@pytest.fixture(scope="module")
def pair():
    """Two different tiny networks, the first in [-1, 1] and the second in Caffe's BGR-minus-mean space."""
    return named(testing.tiny_model(seed=0), "first"), named(testing.tiny_model(seed=1), "second")


def saved_tiny(path, seed, preprocessing):
    testing.tiny_model(seed=seed).save(path)
    metadata.ModelMetadata(architecture="tiny", preprocessing=preprocessing, image_size=(32, 32),
                           default_layers=("conv3",), layer_presets={"low": ("conv1",)}).save(path)
    return str(path)


def test_the_gradient_is_the_sum_of_each_models_own_gradient(pair):
    first, second = pair
    together = Dreamer([first, second], {"first/conv2": 1.0, "second/conv3": 0.5},
                       preprocessing=["inception", "caffe"], precision="float32")
    alone_first = Dreamer(first, {"conv2": 1.0}, preprocessing="inception", precision="float32")
    alone_second = Dreamer(second, {"conv3": 0.5}, preprocessing="caffe", precision="float32")
    tiles = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, 24, 32, 3)), tf.float32)  # the first's space
    no_blur = tf.constant(0.0)
    gradient, values = together.gradient_fn(tiles, no_blur)

    first_gradient, first_values = alone_first.gradient_fn(tiles, no_blur)
    with tf.GradientTape() as tape:  # the second sees the tiles converted to its space; pull its gradient back
        tape.watch(tiles)
        converted = CAFFE.preprocess(INCEPTION.deprocess(tiles))
    second_gradient, second_values = alone_second.gradient_fn(converted, no_blur)
    pulled_back = tape.gradient(converted, tiles, output_gradients=second_gradient)

    np.testing.assert_allclose(values["first/conv2"], first_values["conv2"], rtol=1e-5)
    np.testing.assert_allclose(values["second/conv3"], second_values["conv3"], rtol=1e-5)
    np.testing.assert_allclose(gradient, first_gradient + pulled_back, rtol=1e-4, atol=1e-9)
    assert np.abs(pulled_back).max() > 0.1 * np.abs(first_gradient).max()  # both models count


def test_a_dream_records_every_model_and_its_losses_by_model(pair):
    first, second = pair
    dreamer = Dreamer([first, second], ["first/conv2", "second/conv3"], preprocessing=["inception", "caffe"])
    result = dreamer.dream(testing.sample_image(32, 40), steps=3, octaves=(0,), seed=0)
    assert result.history.labels == ("first/conv2", "second/conv3")
    assert result.history.values("total")[-1] > result.history.values("total")[0]
    assert result.dreamer["model"] == ["first", "second"] and result.dreamer["preprocessing"] == ["inception", "caffe"]
    assert result.summary().startswith("first+second · first/conv2+second/conv3")
    assert [info.name for info in models.list_layers(dreamer.loaded)] == [
        f"{model}/conv{index}" for model in ("first", "second") for index in (1, 2, 3)]


def test_a_rerun_of_saved_models_is_bit_identical(tmp_path, tiny_image):
    paths = [saved_tiny(tmp_path / "a.keras", 0, "inception"), saved_tiny(tmp_path / "b.keras", 1, "caffe")]
    photo = images.save_image(tiny_image, tmp_path / "photo.png")
    dreamer = Dreamer(paths)  # the default layers: each model's own
    assert dreamer.objective.labels == ("a/conv3", "b/conv3")
    assert models.resolve_layers(dreamer.loaded, "b/low") == ("b/conv1",)
    result = dreamer.dream(photo, steps=2, octaves=(-1, 0), seed=3)
    record = json.loads(sidecar.write(result, tmp_path / "dream.png", sidecar.describe_input(photo)).read_text())
    assert record["dreamer"]["model"] == paths and record["dreamer"]["preprocessing"] == ["inception", "caffe"]
    np.testing.assert_array_equal(sidecar.rerun(tmp_path / "dream.json").image, result.image)


def test_tiles_the_robust_render_and_a_caricature_through_several_models_rerun_bit_identically(tmp_path, tiny_image):
    paths = [saved_tiny(tmp_path / "a.keras", 0, "inception"), saved_tiny(tmp_path / "b.keras", 1, "caffe")]
    photo = images.save_image(tiny_image, tmp_path / "photo.png")
    objective = objectives.layer("a/conv2") + objectives.caricature(str(photo), "b/conv3")
    result = Dreamer(paths, objective).dream(photo, **dict(renders.options("robust"), steps=3, tile_size=32))
    assert result.history.labels == ("a/conv2", "caricature:b/conv3")
    assert result.history.values("total")[-1] > result.history.values("total")[0]
    sidecar.write(result, tmp_path / "dream.png", sidecar.describe_input(photo))
    np.testing.assert_array_equal(sidecar.rerun(tmp_path / "dream.json").image, result.image)


def test_hed_vgg16_with_a_second_model_in_another_space():
    tiny = named(testing.tiny_model(), "tiny")
    dreamer = Dreamer(["vgg16", tiny], {"vgg16/block3_conv3": 1.0, "tiny/conv3": 1.0}, weights=["hed", None],
                      preprocessing=[None, "inception"])
    assert dreamer.loaded.preprocessing.name == "hed" and dreamer.min_size == 32  # the first model's space
    assert dreamer.get_config()["weights"] == ["hed", None]
    result = dreamer.dream(testing.sample_image(40, 40), steps=2, octaves=(0,), seed=0)
    assert result.history.values("total")[-1] > result.history.values("total")[0]


@pytest.mark.large
def test_hed_vgg16_with_a_random_inception_v3():
    dreamer = Dreamer(["vgg16", "inception_v3"], {"vgg16/block3_conv3": 1.0, "inception_v3/mixed0": 1.0},
                      weights=["hed", None])
    assert dreamer.get_config()["preprocessing"] == ["hed", "inception"] and dreamer.min_size == 75
    result = dreamer.dream(testing.sample_image(80, 80), steps=2, octaves=(0,), seed=0)
    assert result.history.values("total")[-1] > result.history.values("total")[0]


def test_the_memory_estimate_counts_every_model(pair):
    first, second = pair
    bytes_of = {}
    for key, model, layers, space in (
            ("first", first, ["conv3"], "inception"), ("second", second, ["conv2"], "caffe"),
            ("both", [first, second], ["first/conv3", "second/conv2"], ["inception", "caffe"])):
        bytes_of[key] = Dreamer(model, layers, preprocessing=space, precision="float32")._activation_bytes
    # Both networks with the input counted once, not twice (12 bytes a pixel), and the conversion of the shared
    # input into the second's space: a reversal, a product and a sum (36).
    apart = bytes_of["first"] + bytes_of["second"]
    assert apart - 12 < bytes_of["both"] <= apart + 24


def test_models_fixed_in_size_are_fed_resized_tiles():
    inputs = keras.Input((16, 16, 3))
    fixed = keras.Model(inputs, keras.layers.Conv2D(4, 3, name="conv")(inputs), name="fixed")
    dreamer = Dreamer([named(testing.tiny_model(), "free"), fixed], ["free/conv1", "fixed/conv"],
                      preprocessing="inception", precision="float32")
    _, values = dreamer.gradient_fn(tf.zeros((1, 40, 24, 3)), tf.constant(0.0))
    assert values["fixed/conv"].shape == (1,)


@pytest.mark.parametrize("call, message", [
    (lambda a, b: Dreamer([a, "nope"], preprocessing="inception"), r"model must be one of .* model='nope'"),
    (lambda a, b: Dreamer([a, b], ["first/conv1", "third/conv1"], preprocessing="inception"),
     r"MODEL one of \['first', 'second'\]. Received: 'third/conv1'"),
    (lambda a, b: Dreamer([a, b], ["conv1"], preprocessing="inception"), r"named MODEL/LAYER"),
    (lambda a, b: Dreamer([a, b], ["second/conv9"], preprocessing="inception"),
     r"unknown layer 'conv9' for model 'second'"),
    (lambda a, b: Dreamer([a, a], ["first/conv1"], preprocessing="inception"), r"distinct names"),
    (lambda a, b: Dreamer([a, b], ["first/conv1"], preprocessing=["inception"]), r"one per model \(2\)"),
    (lambda a, b: Dreamer(a, ["conv1"], preprocessing=["inception", "caffe"]), r"only with a list of models"),
    (lambda a, b: Dreamer([a, b], objectives.class_logit(0), preprocessing="inception"), r"one classifier"),
    (lambda a, b: Dreamer([], preprocessing="inception"), r"at least one model"),
])
def test_bad_lists_of_models_are_refused(pair, call, message):
    with pytest.raises(ValueError, match=message):
        call(*pair)


def test_the_space_conversion_maps_one_input_space_into_another():
    conversion = ensemble.SpaceConversion(ensemble._fields(INCEPTION), ensemble._fields(CAFFE))
    rgb = np.random.default_rng(1).uniform(0, 255, (1, 4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(conversion(INCEPTION.preprocess(rgb)), CAFFE.preprocess(rgb), atol=1e-3)
    again = ensemble.SpaceConversion.from_config(conversion.get_config())
    np.testing.assert_allclose(again(INCEPTION.preprocess(rgb)), CAFFE.preprocess(rgb), atol=1e-3)
