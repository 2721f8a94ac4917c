"""The caricature term: toward a photo's own activations, a dot product times a cosine to a power."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import Dreamer, models, objectives, testing
from tfdream.core import steering
from tfdream.io import images


def value(objective, activation, features):
    term = objective.terms[0]
    return term.value(objectives.TermInputs({term.layer: tf.constant(activation, tf.float32)},
                                            guides={term.label: tf.constant(features, tf.float32)})).numpy()


def test_value_by_hand():
    activation = np.array([[[[3.0, 4.0], [0.0, 2.0]]]], np.float32)  # positions (3, 4) and (0, 2)
    features = np.array([[1.0, 0.0], [0.0, 10.0]])  # (3, 4): cosines 0.6 and 0.8, so (0, 10) is its match
    np.testing.assert_allclose(value(objectives.caricature("p.png", "a", power=0.0), activation, features),
                               [(40.0 + 20.0) / 2])
    np.testing.assert_allclose(value(objectives.caricature("p.png", "a"), activation, features),
                               [(40.0 * 0.8 + 20.0 * 1.0) / 2], rtol=1e-6)
    # Pointing away, (-3, -4) is least unlike (1, 0) and its cosine -0.6 counts as the floor, 0.1.
    np.testing.assert_allclose(value(objectives.caricature("p.png", "a", power=2.0), -activation, features),
                               [(-3.0 * 0.1**2 + 0.0) / 2], rtol=1e-5)


def test_the_value_is_highest_along_the_photos_own_activations(tmp_path):
    extractor = models.feature_extractor(testing.tiny_model(), ["conv3"])
    photo = models.PREPROCESSING["inception"].preprocess(testing.sample_image(48, 48)).numpy()
    features = steering.guide_features(extractor, photo, "conv3", (48, 48), None, 1)
    own = features.reshape(1, 12, 12, -1)
    norms = np.linalg.norm(own, axis=-1, keepdims=True)
    rng = np.random.default_rng(0)
    objective = objectives.caricature(str(tmp_path / "p.png"), "conv3")
    best = value(objective, own, features)[0]
    for _ in range(5):
        directions = np.abs(rng.normal(size=own.shape))  # as non-negative as the ReLU's activations
        other = directions / np.linalg.norm(directions, axis=-1, keepdims=True) * norms  # the same strengths
        assert value(objective, other, features)[0] < best
        shuffled = rng.permutation(own.reshape(-1, own.shape[-1])).reshape(own.shape)
        assert value(objective, shuffled, features)[0] == pytest.approx(best, rel=1e-5)  # by content, not place


def test_config_and_grammar_round_trip(tmp_path):
    path = images.save_image(testing.sample_image(16, 16), tmp_path / "photo.png")
    objective = objectives.parse(f"caricature({str(path)!r}, 'conv3', power=2) - 0.1 * tv()")
    term = objective.terms[0]
    assert (term.kind, term.layer, term.power, term.label) == ("caricature", "conv3", 2.0, "caricature:conv3")
    config = objective.get_config()
    assert config[0]["image"]["path"] == str(path) and len(config[0]["image"]["sha256"]) == 64
    assert objectives.Objective.from_config(config) == objective
    assert 2 * objectives.caricature(str(path), "conv3") == objectives.caricature(str(path), "conv3", weight=2.0)
    with pytest.raises(ValueError, match="power must be a number >= 0"):
        objectives.caricature(str(path), "conv3", power=-1)


def test_a_dream_from_the_photo_exaggerates_what_the_network_sees_in_it(tmp_path):
    path = images.save_image(testing.sample_image(40, 40), tmp_path / "photo.png")
    dreamer = Dreamer(testing.tiny_model(), objectives.caricature(str(path), "conv2"), preprocessing="inception")
    result = dreamer.dream(path, steps=4, octaves=(-1, 0), seed=0)
    assert result.history.labels == ("caricature:conv2",)
    last = result.history.values("caricature:conv2")[-4:]
    assert last[-1] > last[0]
