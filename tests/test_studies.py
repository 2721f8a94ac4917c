"""Tests of the studies' layer-set presets."""

import pytest

from tfdream import models, presets


def test_every_preset_names_layers_its_model_has():
    by_model = {}
    for runs in presets.PRESETS.values():
        for run in runs:
            by_model.setdefault(run.model, set()).update(run.layers or models.MODELS[run.model].default_layers)
    for model, layers in by_model.items():
        available = {info.name for info in models.list_layers(model)}
        assert layers <= available, (model, layers - available)


def test_study_presets():
    assert presets.PRESETS["inception_v3_low"] == (presets.Run("inception_v3", ("mixed0", "mixed1", "mixed2")),)
    assert presets.PRESETS["inception_v3_high"][0].layers == ("mixed8", "mixed9", "mixed10")
    assert [run.layers for run in presets.PRESETS["inception_v3_low_vs_high"]] == [
        ("mixed0", "mixed1", "mixed2"), ("mixed6", "mixed7", "mixed8"), ("mixed8", "mixed9", "mixed10")]
    assert presets.PRESETS["inception_resnet_v2_high"][0].layers == (
        "block35_5_mixed", "block35_6_mixed", "block35_8_mixed", "block35_9_mixed")
    assert [run.model for run in presets.PRESETS["models_side_by_side"]] == ["vgg19", "resnet50", "inception_v3"]


def test_resolve_concatenates_in_order():
    runs = presets.resolve(["inception_v3_high", "inception_resnet_v2_low"])
    assert [run.model for run in runs] == ["inception_v3", "inception_resnet_v2"]


def test_resolve_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"presets must be names in .*inception_v3_low.*Received: presets=\['nope'\]"):
        presets.resolve(["nope"])


@pytest.mark.parametrize("run, label, slug", [
    (presets.Run("inception_v3"), "inception_v3: default layers", "inception_v3_default_layers"),
    (presets.Run("vgg16", ("block4_conv3",)), "vgg16: block4_conv3", "vgg16_block4_conv3"),
    (presets.Run("/m/tiny.keras", "high"), "tiny: high", "tiny_high"),
    (presets.Run("vgg16", {"a": 1.0, "b": 2.5}), "vgg16: a+b*2.5", "vgg16_a_b_2.5"),
])
def test_labels_and_file_stems(run, label, slug):
    assert run.label == label
    assert run.slug == slug
