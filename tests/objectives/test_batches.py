"""Terms over a batch of images: per-image objectives, diversity, alignment, channel interpolation."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import objectives
from tfdream.objectives import TermInputs


def _inputs(activation, batch, members=None):
    activation = tf.constant(activation, tf.float32)
    if members is None:
        members = np.tile(np.arange(batch), activation.shape[0] // batch)
    return TermInputs({"a": activation}, members=tf.constant(members, tf.int32), batch=batch)


def test_per_image_gives_each_image_its_own_terms_with_their_weights_and_round_trips():
    objective = objectives.per_image([objectives.layer("a", channels=[1]),
                                      2.0 * objectives.layer("a", channels=[2]) + objectives.neuron("b", 3)])
    assert objective.labels == ("#0:a[1]", "#1:a[2]", "#1:b:3")
    assert [term.weight for term in objective.terms] == [1.0, 2.0, 1.0]
    assert [term.term.weight for term in objective.terms] == [1.0, 1.0, 1.0]
    assert objective.layers == ("a", "b") and objectives.batch_size(objective) == 2
    assert objectives.Objective.from_config(objective.get_config()) == objective
    combined = objective + 0.5 * objectives.diversity("a")
    assert objectives.image_labels(combined, 1) == {"#1:a[2]": "a[2]", "#1:b:3": "b:3", "diversity(a)": "diversity(a)"}
    assert objectives.batch_size(objectives.layer("a")) == 1


def test_an_image_term_counts_on_its_own_image_only():
    activation = np.arange(4 * 2 * 2 * 3, dtype=np.float32).reshape(4, 2, 2, 3)
    (term,) = objectives.per_image([objectives.layer("x"), objectives.layer("a", channels=[2])]).terms[1:]
    values = term.value(_inputs(activation, 2)).numpy()
    expected = activation[..., 2].mean(axis=(1, 2))
    np.testing.assert_allclose(values, [0, expected[1], 0, expected[3]])


@pytest.mark.parametrize("term", [objectives.guide(np.zeros((8, 8, 3)), "a").terms[0],
                                  objectives.diversity("a").terms[0]])
def test_an_image_term_refuses_guides_and_batch_terms(term):
    with pytest.raises(ValueError, match="an image's own term"):
        objectives.ImageTerm(0, term)


def test_diversity_is_minus_one_for_alike_images_and_zero_for_unlike_ones():
    alike = np.ones((2, 3, 3, 4), np.float32)
    np.testing.assert_allclose(objectives.Diversity("a").value(_inputs(alike, 2)).numpy(), [-1, -1], atol=1e-6)
    unlike = np.zeros((2, 3, 3, 4), np.float32)
    unlike[0, ..., 0], unlike[1, ..., 1] = 1.0, 1.0  # Gram matrices with no entry in common
    np.testing.assert_allclose(objectives.Diversity("a").value(_inputs(unlike, 2)).numpy(), [0, 0], atol=1e-6)
    # Groups are grid positions: the tiles at the second place are compared with each other only.
    both = np.concatenate([alike, unlike])
    np.testing.assert_allclose(objectives.Diversity("a").value(_inputs(both, 2)).numpy(), [-1, -1, 0, 0], atol=1e-6)
    single = objectives.Diversity("a").value(TermInputs({"a": tf.constant(alike)}, batch=1)).numpy()
    np.testing.assert_array_equal(single, [0, 0])


def test_alignment_is_minus_the_decayed_squared_difference_from_the_next_images():
    activation = np.stack([np.full((2, 2, 1), value, np.float32) for value in (0.0, 1.0, 3.0)])
    values = objectives.Alignment("a", decay=2.0).value(_inputs(activation, 3)).numpy()
    np.testing.assert_allclose(values, [-(1 / 2 + 9 / 4), -(4 / 2), 0.0])
    assert objectives.Alignment("a").value(_inputs(activation[:1], 1)).numpy().tolist() == [0.0]
    with pytest.raises(ValueError, match="decay must be a number >= 1"):
        objectives.alignment("a", decay=0.5)


def test_channel_interpolate_goes_from_the_first_channel_to_the_second_across_the_batch():
    activation = np.zeros((3, 2, 2, 4), np.float32)
    activation[..., 1], activation[..., 3] = 1.0, 5.0
    values = objectives.ChannelInterpolate("a", 1, 3).value(_inputs(activation, 3)).numpy()
    np.testing.assert_allclose(values, [1.0, 3.0, 5.0])
    alone = objectives.ChannelInterpolate("a", 1, 3).value(TermInputs({"a": tf.constant(activation)})).numpy()
    np.testing.assert_allclose(alone, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="channels for layer 'a' must be < 4"):
        objectives.channel_interpolate("a", 1, 4).check_channels({"a": 4})


def test_the_grammar_builds_the_batch_kinds_and_sidecars_read_them_back():
    objective = objectives.parse("layer('a', channels=[3]) + 100 * diversity('a') + alignment('a', decay=3) "
                                 "+ channel_interpolate('a', 1, 2)")
    assert objective.labels == ("a[3]", "diversity(a)", "alignment(a,3)", "a:1->2")
    assert {"diversity", "alignment", "channel_interpolate", "image_term"} <= set(objectives.KINDS)
    assert objectives.Objective.from_config(objective.get_config()) == objective
