"""Objectives: normalization by size, weights, channels, composition."""

import json

import numpy as np
import PIL.Image
import pytest
import tensorflow as tf

from tfdream import objectives


def activations():
    a = np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4)
    return {"a": tf.constant(a), "b": tf.constant(-a)}, a


def test_mean_and_l2_are_normalized_by_size():
    acts, a = activations()
    total, per = objectives.layer("a")(acts)
    np.testing.assert_allclose(per["a"].numpy(), a.reshape(2, -1).mean(axis=1))
    np.testing.assert_allclose(total.numpy(), a.reshape(2, -1).mean(axis=1))
    _, per = objectives.layer("b", reduction="l2")(acts)
    np.testing.assert_allclose(per["b"].numpy(), (a**2).reshape(2, -1).mean(axis=1))


def test_weighted_sum_and_channels():
    acts, a = activations()
    objective = objectives.layer("a", channels=[1, 3]) + 2.0 * objectives.layer("b")
    assert objective.labels == ("a[1,3]", "b") and objective.layers == ("a", "b")
    total, per = objective(acts)
    expected_a = a[..., [1, 3]].reshape(2, -1).mean(axis=1)
    np.testing.assert_allclose(per["a[1,3]"].numpy(), expected_a)
    np.testing.assert_allclose(total.numpy(), expected_a - 2.0 * a.reshape(2, -1).mean(axis=1), rtol=1e-6)


def test_from_layers_mapping_and_errors():
    objective = objectives.from_layers({"a": 1.0, "b": 0.5}, channels={"b": [0]})
    assert [(t.layer, t.weight, t.channels) for t in objective.terms] == [("a", 1.0, None), ("b", 0.5, (0,))]
    with pytest.raises(ValueError, match=r"channels names layers that are not dreamed: \['c'\]"):
        objectives.from_layers(["a"], channels={"c": [0]})
    with pytest.raises(ValueError, match="reduction must be one of"):
        objectives.layer("a", reduction="max")
    with pytest.raises(ValueError, match="channels must be a non-empty list"):
        objectives.layer("a", channels=[])
    with pytest.raises(ValueError, match="Received twice"):
        objectives.layer("a") + objectives.layer("a")
    with pytest.raises(TypeError, match=r"layers\['a'\]='x'"):
        objectives.from_layers({"a": "x"})


def test_channel_beyond_layer_is_refused():
    with pytest.raises(ValueError, match=r"channels for layer 'a' must be < 4"):
        objectives.layer("a", channels=[4]).check_channels({"a": 4})


def _gradient(objective, activations, **inputs):
    """(value per image, gradient of the summed total w.r.t. each activation) of `objective`."""
    tensors = {name: tf.constant(value, tf.float32) for name, value in activations.items()}
    with tf.GradientTape() as tape:
        tape.watch(list(tensors.values()))
        total, per_term = objective(objectives.TermInputs(tensors, **inputs))
        summed = tf.reduce_sum(total)
    return per_term, dict(zip(tensors, tape.gradient(summed, list(tensors.values()))))


def test_neuron_value_and_gradient_are_one_unit():
    _, a = activations()
    per, grads = _gradient(objectives.neuron("a", 2), {"a": a})
    np.testing.assert_array_equal(per["a:2"].numpy(), a[:, 1, 1, 2])  # the centre (h // 2, w // 2)
    expected = np.zeros_like(a)
    expected[:, 1, 1, 2] = 1.0
    np.testing.assert_array_equal(grads["a"].numpy(), expected)
    per, _ = _gradient(objectives.neuron("a", 3, position=(0.0, 1.0)), {"a": a})
    np.testing.assert_array_equal(per["a:3@0,1"].numpy(), a[:, 0, 2, 3])


def test_neuron_and_direction_reduce_to_layer():
    rng = np.random.default_rng(0)
    unit_map = rng.normal(size=(3, 1, 1, 5)).astype(np.float32)  # one position: the neuron is the channel mean
    neuron, _ = _gradient(objectives.neuron("a", 4), {"a": unit_map})
    layer, _ = _gradient(objectives.layer("a", channels=[4]), {"a": unit_map})
    np.testing.assert_allclose(neuron["a:4"].numpy(), layer["a[4]"].numpy())
    feature_map = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    one_hot = objectives.direction("a", [0, 0, 1, 0, 0])
    per, grads = _gradient(one_hot, {"a": feature_map})
    layer, layer_grads = _gradient(objectives.layer("a", channels=[2]), {"a": feature_map})
    np.testing.assert_allclose(per[one_hot.labels[0]].numpy(), layer["a[2]"].numpy(), rtol=1e-6)
    np.testing.assert_allclose(grads["a"].numpy(), layer_grads["a"].numpy(), rtol=1e-6)


def test_direction_dot_and_cosine_by_hand():
    a = np.array([[[[3.0, 4.0], [1.0, 0.0]]]], np.float32)  # (1, 1, 2, 2): two positions
    dot = objectives.direction("a", [1.0, 2.0])
    per, grads = _gradient(dot, {"a": a})
    np.testing.assert_allclose(per[dot.labels[0]].numpy(), [(11.0 + 1.0) / 2])
    np.testing.assert_allclose(grads["a"].numpy(), np.broadcast_to([0.5, 1.0], a.shape))
    cosine = objectives.direction("a", [0.0, 2.0], similarity="cosine")
    per, _ = _gradient(cosine, {"a": a})
    np.testing.assert_allclose(per[cosine.labels[0]].numpy(), [(0.8 + 0.0) / 2], rtol=1e-6)


def test_guide_matches_each_position_to_its_best_guide_feature():
    a = np.array([[[[1.0, 0.0], [0.0, 2.0]]]], np.float32)  # positions (1, 0) and (0, 2)
    features = tf.constant([[1.0, 1.0], [3.0, 0.0], [0.0, 1.0]])  # dots: (1, 3, 0) and (2, 0, 2)
    objective = objectives.guide(np.zeros((4, 4, 3), np.uint8), "a")
    per, grads = _gradient(objective, {"a": a}, guides={"guide:a": features})
    np.testing.assert_allclose(per["guide:a"].numpy(), [(1 * 3 + 0 * 0 + 0 * 1 + 2 * 1) / 4])
    np.testing.assert_allclose(grads["a"].numpy(), [[[[0.75, 0.0], [0.25, 0.25]]]])


def test_image_regularizers_by_hand():
    tiles = tf.constant(np.array([[[[0.0], [1.0]], [[3.0], [3.0]]]], np.float32).repeat(3, axis=-1))
    with tf.GradientTape() as tape:
        tape.watch(tiles)
        total, per = (objectives.total_variation(-1.0) + 0.5 * objectives.l2())(objectives.TermInputs({}, tiles))
    np.testing.assert_allclose(per["total_variation"].numpy(), [(3 + 2) / 2 + (1 + 0) / 2])
    np.testing.assert_allclose(per["l2"].numpy(), [(0 + 1 + 9 + 9) / 4])
    np.testing.assert_allclose(total.numpy(), [-3.0 + 0.5 * 4.75])
    expected_l2 = 0.5 * 2 * tiles.numpy() / 12
    tv_only = tape.gradient(total, tiles).numpy() - expected_l2
    # -d(TV): rows (3-0, 3-1) and columns (1-0, 3-3, whose sign is 0), each a mean over 6 values
    np.testing.assert_allclose(tv_only[0, :, :, 0], [[2 / 6, 0.0], [-1 / 6, -1 / 6]], atol=1e-7)


def test_composition_subtracts_negates_and_scales():
    objective = objectives.layer("a") - 0.5 * objectives.neuron("b", 1) + -objectives.total_variation(0.2)
    assert [term.weight for term in objective.terms] == [1.0, -0.5, -0.2]
    assert objective.labels == ("a", "b:1", "total_variation") and objective.layers == ("a", "b")


def test_every_kind_round_trips_through_its_config(tmp_path):
    guide_path, mask_path = tmp_path / "guide.png", tmp_path / "mask.png"
    PIL.Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(guide_path)
    PIL.Image.fromarray(np.full((8, 8), 200, np.uint8)).save(mask_path)
    objective = (objectives.layer("a", channels=[1], reduction="l2", mask=str(mask_path))
                 + objectives.neuron("a", 2, (0.25, 0.75), weight=0.5)
                 + objectives.direction("b", [1, -2], similarity="cosine")
                 + objectives.class_logit("kitchen", weight=2.0) + objectives.class_logit(3)
                 + objectives.guide(str(guide_path), "b") - objectives.total_variation(0.1) + objectives.l2(-0.01))
    config = json.loads(json.dumps(objective.get_config()))
    assert [term["kind"] for term in config] == ["layer", "neuron", "direction", "class_logit", "class_logit",
                                                 "guide", "total_variation", "l2"]
    assert config[5]["image"]["path"] == str(guide_path) and len(config[5]["image"]["sha256"]) == 64
    rebuilt = objectives.Objective.from_config(config)
    assert rebuilt == objective and rebuilt.get_config() == config
    old_style = {"layer": "a", "weight": 2.0, "channels": None, "reduction": "mean"}  # sidecars before kinds
    assert objectives.Objective.from_config([old_style]) == objectives.layer("a", 2.0)
    PIL.Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(guide_path)
    with pytest.raises(ValueError, match="has changed since the config was written"):
        objectives.Objective.from_config(config)


def test_parse_reads_the_command_line_grammar():
    objective = objectives.parse("mixed3 + 0.5 * neuron('mixed4', 7) - tv(0.1) + class_logit('kitchen', weight=2)")
    assert objective.labels == ("mixed3", "mixed4:7", "total_variation", "class:kitchen")
    assert [term.weight for term in objective.terms] == [1.0, 0.5, -0.1, 2.0]
    assert objectives.parse("-2 * layer('a', channels=[1, 2])").terms[0].weight == -2.0
    for bad, message in [("__import__('os')", "calls or layer names"), ("a * b", "multiplied by a number"),
                         ("a +", "not a valid expression"), ("neuron('a', x)", "must be literals"),
                         ("neuron('a')", "bad arguments")]:
        with pytest.raises(ValueError, match=message):
            objectives.parse(bad)
