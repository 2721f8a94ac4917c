"""Dreamer end to end on a tiny model: history, determinism, noise, callbacks, validation, numerics."""

import dataclasses
import json
import logging

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdream import Callback, DreamConfig, Dreamer, objectives, testing
from tfdream.core import dreamer as dreamer_lib
from tfdream.io import images


def test_history_has_one_record_per_step_with_every_layer(tiny_dreamer, tiny_image):
    result = tiny_dreamer.dream(tiny_image, steps=3, octaves=(-1, 0), tile_size=32, overlap=4, seed=0)
    assert result.image.shape == tiny_image.shape and result.image.dtype == np.uint8
    assert len(result.history.records) == 6
    for record in result.history.records:
        assert set(record) == {"octave", "step", "total", "conv2", "conv3", "skipped"}
        assert record["total"] == pytest.approx(record["conv2"] + 0.5 * record["conv3"])


def test_loss_rises_and_image_changes(tiny_dreamer, tiny_image):
    result = tiny_dreamer.dream(tiny_image, steps=5, octaves=(0,), tile_size=None, random_roll=False,
                                step_size=0.05, seed=0)
    totals = result.history.values("total")
    assert np.all(np.diff(totals) > 0), totals
    assert np.abs(result.image.astype(int) - tiny_image).mean() > 1


def test_same_seed_is_bit_identical_and_seeds_differ(tiny_dreamer, tiny_image):
    options = dict(steps=3, octaves=(-1, 0), tile_size=24, overlap=4)
    first = tiny_dreamer.dream(tiny_image, seed=7, **options)
    again = tiny_dreamer.dream(tiny_image, seed=7, **options)
    other = tiny_dreamer.dream(tiny_image, seed=8, **options)
    np.testing.assert_array_equal(first.image, again.image)
    assert first.history.records == again.history.records
    assert not np.array_equal(first.image, other.image)


def test_seed_is_drawn_and_recorded_when_none(tiny_dreamer, tiny_image):
    result = tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), tile_size=None)
    assert isinstance(result.seed, int)
    again = tiny_dreamer.dream(tiny_image, config=result.config)
    np.testing.assert_array_equal(result.image, again.image)


def test_dream_from_seeded_noise(tiny_dreamer):
    first = tiny_dreamer.dream(None, size=(40, 50), steps=2, octaves=(0,), tile_size=None, seed=3)
    again = tiny_dreamer.dream(None, size=(40, 50), steps=2, octaves=(0,), tile_size=None, seed=3)
    assert first.image.shape == (40, 50, 3)
    np.testing.assert_array_equal(first.image, again.image)
    with pytest.raises(ValueError, match=r"size must be \(height, width\).*Received: size=\(40,\)"):
        tiny_dreamer.dream(None, size=(40,))
    with pytest.raises(ValueError, match="size is only for dreaming from noise"):
        tiny_dreamer.dream(np.zeros((8, 8, 3), np.uint8), size=(8, 8))


def test_upscaled_octaves_and_detail_reinjection_return_input_size(tiny_dreamer, tiny_image):
    result = tiny_dreamer.dream(tiny_image, steps=1, octaves=range(-1, 2), octave_scale=1.4, tile_size=40,
                                detail=True, smoothing=0.5, normalization="mean", seed=0)
    assert result.image.shape == tiny_image.shape
    assert [r["octave"] for r in result.history.records] == [0, 1, 2]


def test_small_octaves_are_skipped_with_a_warning(tiny_image, caplog):
    dreamer = Dreamer(testing.tiny_model(), layers="conv3", preprocessing="inception", min_size=40)
    with caplog.at_level(logging.WARNING):
        result = dreamer.dream(tiny_image, steps=1, octaves=(-2, 0), octave_scale=1.5, tile_size=None, seed=0)
    assert "skipping octave -2: 21x28 is below 40 px" in caplog.text
    assert len(result.history) == 1
    with pytest.raises(ValueError, match="every octave is smaller than 40 px"):
        dreamer.dream(tiny_image, octaves=(-3, -2), octave_scale=1.5)
    with pytest.raises(ValueError, match=r"tile_size must be >= 40.*Received: tile_size=32"):
        dreamer.dream(tiny_image, tile_size=32)


class Recorder(Callback):
    def __init__(self, stop_after=None):
        self.events, self.stop_after, self.steps = [], stop_after, 0

    def on_begin(self, config, shapes):
        self.events.append(("begin", tuple(shapes)))

    def on_octave_begin(self, octave, shape):
        self.events.append(("octave_begin", octave, shape))

    def on_step(self, record):
        self.steps += 1
        self.events.append(("step", record["octave"], record["step"]))

    def on_octave_end(self, octave, image):
        self.events.append(("octave_end", octave, image.shape, image.dtype))

    def on_end(self, result):
        self.events.append(("end", result.interrupted))

    def should_stop(self):
        return self.stop_after is not None and self.steps >= self.stop_after


def test_callbacks_see_every_event_in_order(tiny_dreamer, tiny_image):
    recorder = Recorder()
    tiny_dreamer.dream(tiny_image, steps=2, octaves=(-1, 0), octave_scale=1.5, tile_size=None, seed=0,
                       callbacks=[recorder])
    assert recorder.events == [
        ("begin", ((32, 43), (48, 64))),
        ("octave_begin", 0, (32, 43)), ("step", 0, 0), ("step", 0, 1), ("octave_end", 0, (32, 43, 3), np.uint8),
        ("octave_begin", 1, (48, 64)), ("step", 1, 0), ("step", 1, 1), ("octave_end", 1, (48, 64, 3), np.uint8),
        ("end", False),
    ]


def test_a_callback_can_stop_the_dream(tiny_dreamer, tiny_image):
    result = tiny_dreamer.dream(tiny_image, steps=5, octaves=(-1, 0), tile_size=None, seed=0,
                                callbacks=[Recorder(stop_after=3)])
    assert result.interrupted and len(result.history) == 3
    assert result.image.shape == tiny_image.shape


def test_non_finite_gradients_are_skipped_and_never_reach_the_image(tiny_image):
    inputs = keras.Input((None, None, 3))
    features = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    broken = keras.layers.Lambda(lambda x: tf.math.log(x - 1e6), name="broken")(features)
    dreamer = Dreamer(keras.Model(inputs, broken), layers="broken", preprocessing="inception")
    result = dreamer.dream(tiny_image, steps=3, octaves=(0,), tile_size=None, seed=0)
    assert result.history.skipped_steps == 3
    assert np.abs(result.image.astype(int) - tiny_image).max() <= 1


def test_get_config_round_trip_rebuilds_the_same_dreamer(saved_tiny_model, tiny_image):
    dreamer = Dreamer(saved_tiny_model, layers={"conv1": 0.5, "conv3": 1.0}, loss="l2", channels={"conv3": [1, 2]})
    config = dreamer.get_config()
    assert config["model"] == str(saved_tiny_model.resolve())
    assert config["terms"][1] == {"kind": "layer", "layer": "conv3", "weight": 1.0, "channels": [1, 2],
                                  "reduction": "l2", "mask": None}
    rebuilt = Dreamer.from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(rebuilt.get_config())) == json.loads(json.dumps(config))
    a = dreamer.dream(tiny_image, steps=2, octaves=(0,), seed=1)
    b = rebuilt.dream(tiny_image, steps=2, octaves=(0,), seed=1)
    np.testing.assert_array_equal(a.image, b.image)


def test_relative_model_and_weights_paths_are_recorded_absolute(saved_tiny_model, monkeypatch):
    monkeypatch.chdir(saved_tiny_model.parent)
    assert Dreamer("tiny.keras").get_config()["model"] == str(saved_tiny_model.resolve())
    (saved_tiny_model.parent / "w.weights.h5").write_bytes(b"")
    assert dreamer_lib._weights_reference("w.weights.h5") == str(saved_tiny_model.parent / "w.weights.h5")
    assert dreamer_lib._weights_reference("imagenet") == "imagenet" and dreamer_lib._weights_reference(None) is None


def test_the_network_that_runs_is_the_extractor_built_for_inference():
    plain = Dreamer(testing.tiny_model(), "conv2", preprocessing="inception", precision="float32")
    assert plain.network is plain.extractor  # nothing to fold or cast
    mixed = Dreamer(testing.tiny_model(), "conv2", preprocessing="inception", precision="mixed_bfloat16")
    assert mixed.network is not mixed.extractor
    assert mixed.network.get_layer("conv2").dtype_policy.name == "mixed_bfloat16"


def test_objective_objects_are_accepted(tiny_image):
    objective = objectives.layer("conv2", channels=[0, 3]) + 0.1 * objectives.layer("conv3", reduction="l2")
    dreamer = Dreamer(testing.tiny_model(), objective, preprocessing="inception")
    result = dreamer.dream(tiny_image, steps=1, octaves=(0,), tile_size=None, seed=0)
    assert set(result.history.labels) == {"conv2[0,3]", "conv3"}


def test_result_save_is_atomic_and_refuses_to_overwrite(tiny_dreamer, tiny_image, tmp_path):
    result = tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), tile_size=None, seed=0)
    path = result.save(tmp_path / "out.png")
    np.testing.assert_array_equal(images.load_image(path).astype(np.uint8), result.image)
    with pytest.raises(images.OutputExistsError):
        result.save(tmp_path / "out.png")


BAD_DREAM_OPTIONS = [
    ({"steps": 0}, ValueError, r"steps must be an int >= 1\. Received: steps=0"),
    ({"steps": 2.5}, ValueError, r"Received: steps=2\.5"),
    ({"steps": True}, ValueError, r"Received: steps=True"),
    ({"step_size": -0.1}, ValueError, r"step_size must be > 0\. Received: step_size=-0\.1"),
    ({"step_size": float("nan")}, ValueError, r"Received: step_size=nan"),
    ({"octave_scale": 0.8}, ValueError, r"octave_scale must be > 1\. Received: octave_scale=0\.8"),
    ({"octave_scale": 1}, ValueError, r"Received: octave_scale=1"),
    ({"octaves": []}, ValueError, r"octaves must be a non-empty sequence"),
    ({"octaves": "012"}, ValueError, r"Received: octaves='012'"),
    ({"octaves": [0.5]}, ValueError, r"octaves must hold ints\. Received: octaves=\[0\.5\]"),
    ({"tile_size": 0}, ValueError, r"tile_size must be None or an int >= 1\. Received: tile_size=0"),
    ({"tile_size": "512"}, ValueError, r"Received: tile_size='512'"),
    ({"overlap": -1}, ValueError, r"overlap must be None or an int in \[0, tile_size // 2 = 256\)\. Received: overlap=-1"),
    ({"tile_size": 64, "overlap": 32}, ValueError, r"Received: overlap=32"),
    ({"random_roll": "yes"}, ValueError, r"random_roll must be True or False\. Received: random_roll='yes'"),
    ({"smoothing": -1}, ValueError, r"smoothing must be >= 0\. Received: smoothing=-1"),
    ({"normalization": "max"}, ValueError, r"normalization must be one of \('std', 'mean', 'laplacian'\)\. Received"),
    ({"seed": -3}, ValueError, r"seed must be None or an int >= 0\. Received: seed=-3"),
    ({"batch_pixels": 0}, ValueError, r"Received: batch_pixels=0"),
    ({"stepz": 3}, TypeError, r"unknown options \['stepz'\]"),
]


@pytest.mark.parametrize(("options", "error", "message"), BAD_DREAM_OPTIONS)
def test_bad_dream_options_name_the_argument(tiny_dreamer, tiny_image, options, error, message):
    with pytest.raises(error, match=message) as info:
        tiny_dreamer.dream(tiny_image, **options)
    assert "\n" not in str(info.value)


BAD_DREAMER_ARGUMENTS = [
    (dict(model="inceptionv3"), r"model must be one of .*Received: model='inceptionv3'"),
    (dict(model="inception_v3", loss="max"), r"loss must be one of \('mean', 'l2'\)\. Received: loss='max'"),
    (dict(model="inception_v3", layers=[]), r"layers must name at least one layer"),
    (dict(model="inception_v3", layers={"mixed3": 1.0}, channels={"mixed3": [9999]}),
     r"channels for layer 'mixed3' must be < 768"),
    (dict(model="inception_v3", preprocessing="bgr"), r"preprocessing must be one of .*Received: preprocessing='bgr'"),
    (dict(model="missing.keras"), r"model file does not exist: 'missing.keras'"),
    (dict(model="vgg16", jit_compile="no"), r"jit_compile must be True or False\. Received: jit_compile='no'"),
    (dict(model="vgg16", min_size=0), r"min_size must be None or an int >= 1\. Received: min_size=0"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_DREAMER_ARGUMENTS)
def test_bad_dreamer_arguments_name_the_argument(arguments, message):
    with pytest.raises(ValueError, match=message):
        Dreamer(**dict(arguments, weights=None))


def test_config_is_frozen_and_round_trips():
    config = DreamConfig(octaves=range(-2, 3), tile_size=None, seed=4)
    assert config.octaves == (-2, -1, 0, 1, 2) and config.get_config()["octaves"] == [-2, -1, 0, 1, 2]
    assert DreamConfig.from_config(json.loads(json.dumps(config.get_config()))) == config
    assert config.seeded() is config
    seeded = DreamConfig().seeded()
    assert isinstance(seeded.seed, int) and seeded.seed != DreamConfig().seeded().seed
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.steps = 3


def test_default_overlap_is_none_with_the_roll_and_tile_size_over_16_without():
    assert DreamConfig().tile_overlap == 0
    assert DreamConfig(random_roll=False).tile_overlap == 32
    assert DreamConfig(random_roll=False, tile_size=256).tile_overlap == 16
    assert DreamConfig(overlap=8).tile_overlap == 8 and DreamConfig(tile_size=None, overlap=None).tile_overlap == 0


def test_a_dream_records_the_overlap_it_used(tiny_dreamer, tiny_image):
    for roll, used in ((True, 0), (False, 2)):
        result = tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), tile_size=32, random_roll=roll, seed=0)
        assert result.config.overlap == used


def test_a_stored_config_without_an_overlap_reads_as_tile_size_over_16():
    stored = DreamConfig(tile_size=256, seed=1).get_config()
    assert stored["overlap"] is None and DreamConfig.from_record(stored).overlap == 16
    assert DreamConfig.from_record(dict(stored, overlap=0)).overlap == 0
    assert DreamConfig.from_record(dict(stored, tile_size=None)).overlap is None
