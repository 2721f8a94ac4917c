"""Tests of the studies: named comparisons of (model, layers) runs."""

import pytest

from tfdream import models, studies


def test_every_study_names_layers_its_model_has():
    by_model = {}
    for runs in studies.STUDIES.values():
        for run in runs:
            by_model.setdefault(run.model, set()).update(run.layers or models.MODELS[run.model].default_layers)
    for model, layers in by_model.items():
        available = {info.name for info in models.list_layers(model)}
        assert layers <= available, (model, layers - available)


def test_studies():
    assert studies.STUDIES["inception_v3_low"] == (studies.Run("inception_v3", ("mixed0", "mixed1", "mixed2")),)
    assert studies.STUDIES["inception_v3_high"][0].layers == ("mixed8", "mixed9", "mixed10")
    assert [run.layers for run in studies.STUDIES["inception_v3_low_vs_high"]] == [
        ("mixed0", "mixed1", "mixed2"), ("mixed6", "mixed7", "mixed8"), ("mixed8", "mixed9", "mixed10")]
    assert studies.STUDIES["inception_resnet_v2_high"][0].layers == (
        "block35_5_mixed", "block35_6_mixed", "block35_8_mixed", "block35_9_mixed")
    assert [run.model for run in studies.STUDIES["models_side_by_side"]] == ["vgg19", "resnet50", "inception_v3"]


def test_resolve_concatenates_in_order():
    runs = studies.resolve(["inception_v3_high", "inception_resnet_v2_low"])
    assert [run.model for run in runs] == ["inception_v3", "inception_resnet_v2"]


def test_resolve_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"studies must be names in .*inception_v3_low.*Received: studies=\['nope'\]"):
        studies.resolve(["nope"])


@pytest.mark.parametrize("run, label, slug", [
    (studies.Run("inception_v3"), "inception_v3: default layers", "inception_v3_default_layers"),
    (studies.Run("vgg16", ("block4_conv3",)), "vgg16: block4_conv3", "vgg16_block4_conv3"),
    (studies.Run("/m/tiny.keras", "high"), "tiny: high", "tiny_high"),
    (studies.Run("vgg16", {"a": 1.0, "b": 2.5}), "vgg16: a+b*2.5", "vgg16_a_b_2.5"),
])
def test_labels_and_file_stems(run, label, slug):
    assert run.label == label
    assert run.slug == slug
