"""Feature visualization judged by a model the renders never saw: robust against pixel-space naive renders."""

import numpy as np
import pytest

from tfdream import renders
from tfdream.testing import digits


@pytest.fixture(scope="module")
def classifiers():
    return digits.classifier("plain", seed=0), digits.classifier("wide", seed=1)


def test_the_judge_reads_digits_and_the_high_frequency_measure_tells_noise_from_shapes():
    images, labels = digits.digits()
    assert images.shape == (1797, 32, 32, 3) and images.max() <= 255 and set(labels) == set(range(10))
    noise = np.random.default_rng(0).uniform(0, 255, (32, 32, 3))
    assert digits.high_frequency_energy(noise) > 0.4 > 0.1 > digits.high_frequency_energy(images[0])


def test_robust_renders_are_smoother_and_reach_further_than_naive_ones_at_the_same_steps():
    """The fast sibling of the judged test below: one briefly trained classifier, 16 steps of each recipe."""
    model = digits.classifier("plain", seed=0, epochs=2)
    naive = digits.render_classes(model, model, {**renders.options("naive"), "steps": 16})
    robust = digits.render_classes(model, model, {**renders.options("robust"), "steps": 16})
    assert robust.high_frequency.mean() < 0.8 * naive.high_frequency.mean()
    assert robust.objective.mean() > naive.objective.mean()


@pytest.mark.large  # two classifiers trained and 60 renders: about 2 minutes on 2 cores
def test_robust_class_renders_are_recognized_by_an_independent_classifier_more_than_naive_ones(classifiers):
    model, judge = classifiers
    images, labels = digits.digits()
    assert digits.recognized(judge, images.round().astype(np.uint8), labels).mean() > 0.9
    naive = digits.render_classes(model, judge, renders.options("naive"), seeds=range(3))
    robust = digits.render_classes(model, judge, renders.options("robust"), seeds=range(3))
    assert robust.recognized.mean() > naive.recognized.mean()
    assert robust.high_frequency.mean() < naive.high_frequency.mean()
    assert robust.objective.mean() > naive.objective.mean()
