"""Tests of `steered`: a layer choice with a guide image or a class added."""

import numpy as np
import pytest

from tfdream import objectives
from tfdream.io import images


def test_without_steering_the_layers_come_back_as_given():
    assert objectives.steered(("conv2",)) == ("conv2",)
    assert objectives.steered(None) is None


def test_a_guide_steers_every_layer_with_its_weight(tmp_path):
    path = tmp_path / "guide.png"
    images.save_image(np.zeros((8, 8, 3), np.uint8), path)
    objective = objectives.steered({"conv2": 1.0, "conv3": 0.5}, guide=path)
    assert [(term.kind, term.layer, term.weight) for term in objective.terms] == [
        ("guide", "conv2", 1.0), ("guide", "conv3", 0.5)]


def test_a_class_is_added_to_the_layers_and_digits_are_an_index():
    objective = objectives.steered(["conv2"], target_class="3", channels={"conv2": [1]})
    assert [term.kind for term in objective.terms] == ["class_logit", "layer"]
    assert objective.terms[0].target == 3 and objective.terms[1].channels == (1,)
    assert objectives.steered(None, target_class="kitchen").terms[0].target == "kitchen"


def test_a_guide_needs_layers_and_takes_no_channels(tmp_path):
    with pytest.raises(ValueError, match="a guide needs the layers"):
        objectives.steered(None, guide=tmp_path / "guide.png")
    with pytest.raises(ValueError, match="takes no channels"):
        objectives.steered(["conv2"], guide=tmp_path / "guide.png", channels={"conv2": [0]})
