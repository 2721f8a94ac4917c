"""Transforms: text and config round trips, seeded draws, shapes, gradients through them, bad input."""

import numpy as np
import pytest
import tensorflow as tf

from tfdream import transforms
from tfdream.transforms import ops


def test_text_and_config_round_trip():
    stack = transforms.pad(12) + transforms.jitter(8) + transforms.scale(0.9, 1.1) + transforms.rotate(10)
    assert stack.text == "pad(12) + jitter(8) + scale(0.9, 1.1) + rotate(10.0)"
    assert transforms.parse(stack.text) == stack == transforms.Stack.from_config(stack.get_config())
    assert stack.get_config()[2] == {"kind": "scale", "low": 0.9, "high": 1.1}
    assert transforms.parse("") == transforms.Stack() and not transforms.parse("  ")
    assert transforms.parse(transforms.STANDARD.text) == transforms.STANDARD


@pytest.mark.parametrize("text, message", [
    ("pad(12) * 2", r"transforms must be \['jitter', 'pad', 'rotate', 'scale'\] calls joined by \+"),
    ("blur(2)", r"Received: 'blur\(2\)'"),
    ("scale(1.2, 0.8)", r"bad transform 'scale\(1.2, 0.8\)': scale needs 0 < low <= high"),
    ("pad(0)", r"pad pixels must be an int >= 1. Received: 0"),
    ("rotate(x)", r"bad transform 'rotate\(x\)'"),
    ("pad(", r"transforms is not a valid expression"),
])
def test_bad_text_names_the_offending_part(text, message):
    with pytest.raises(ValueError, match=message):
        transforms.parse(text)


def test_draws_follow_the_seed_and_sizes_follow_the_transforms():
    images = tf.random.stateless_normal([2, 20, 24, 3], [0, 1])
    stack = transforms.STANDARD
    first = ops.apply(stack, images, tf.constant([1, 2]))
    np.testing.assert_array_equal(first.numpy(), ops.apply(stack, images, tf.constant([1, 2])).numpy())
    assert not np.array_equal(first.numpy(), ops.apply(stack, images, tf.constant([1, 3])).numpy())
    padded = ops.apply(transforms.parse("pad(3)"), images, tf.constant([0, 0]))
    assert padded.shape == (2, 26, 30, 3)
    np.testing.assert_array_equal(padded[:, 3:-3, 3:-3].numpy(), images.numpy())  # the tile inside its mirror
    assert ops.apply(transforms.parse("jitter(4)"), images, tf.constant([0, 0])).shape == (2, 16, 20, 3)
    assert ops.apply(transforms.parse("pad(30)"), images, tf.constant([0, 0])).shape == (2, 58, 62, 3)  # capped
    sizes = {tuple(ops.apply(transforms.parse("scale(0.5, 2)"), images, tf.constant([0, s])).shape[1:3])
             for s in range(6)}
    assert len(sizes) > 1 and all(10 <= h <= 40 for h, _ in sizes)


def test_a_rotation_turns_about_the_centre():
    image = np.zeros((1, 9, 9, 1), np.float32)
    image[0, 4, 1] = 1.0  # left of the centre
    turned = ops.apply(transforms.parse("rotate(180)"), tf.constant(image), tf.constant([0, 0])).numpy()
    # a draw in [-180, 180] turns the point around the centre: it stays at distance 3 from (4, 4)
    y, x = np.unravel_index(np.argmax(turned[0, ..., 0]), (9, 9))
    assert abs(np.hypot(y - 4, x - 4) - 3) < 1.01 and turned.sum() == pytest.approx(1.0, abs=0.05)


def test_gradients_flow_through_every_transform():
    images = tf.random.stateless_normal([1, 16, 16, 3], [2, 3])
    for text in ("pad(4)", "jitter(3)", "scale(0.8, 1.2)", "rotate(20)", transforms.STANDARD.text):
        with tf.GradientTape() as tape:
            tape.watch(images)
            loss = tf.reduce_mean(tf.square(ops.apply(transforms.parse(text), images, tf.constant([5, 6]))))
        gradient = tape.gradient(loss, images)
        assert gradient is not None and float(tf.reduce_sum(tf.abs(gradient))) > 0, text
