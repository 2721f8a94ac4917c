"""Objectives: normalization by size, weights, channels, composition."""

import numpy as np
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
