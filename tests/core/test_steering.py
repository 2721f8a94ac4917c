"""Steering a dream: masks, colour preservation, guides, class logits, through the one Dreamer."""

import json

import keras
import numpy as np
import PIL.Image
import pytest
import tensorflow as tf
from absl.testing import flagsaver

from tfdream import Dreamer, cli, objectives, testing
from tfdream.core import steering, steps
from tfdream.io import files, images
from tfdream.models import classifiers, metadata

CLASSES = ("bedroom", "kitchen", "library")


def _classifier() -> keras.Model:
    """conv -> global average -> softmax Dense "predictions", like the saved MIT Indoor classifiers."""
    init = keras.initializers.GlorotUniform(seed=1)
    inputs = keras.Input((None, None, 3), name="image")
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", kernel_initializer=init, name="conv1")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax", kernel_initializer=init,
                                 bias_initializer="ones", name="predictions")(x)
    return keras.Model(inputs, outputs, name="classifier")


@pytest.fixture
def saved_classifier(tmp_path):
    path = tmp_path / "classifier.keras"
    _classifier().save(path)
    metadata.ModelMetadata(architecture="tiny", preprocessing="inception", image_size=(32, 32),
                           class_names=CLASSES).save(path)
    return path


def _dream(dreamer, image, **options):
    return dreamer.dream(image, steps=2, octaves=(0,), tile_size=32, seed=0, **options).image


def test_zero_mask_leaves_the_image_and_half_mask_changes_only_its_half(tiny_dreamer, tiny_image):
    height, width = tiny_image.shape[:2]
    unchanged = tiny_dreamer.dream(tiny_image, steps=2, octaves=(-1, 0), tile_size=32, seed=0,
                                   mask=np.zeros((10, 10), np.float32)).image
    np.testing.assert_array_equal(unchanged, tiny_image)
    half = np.zeros((height, width), np.uint8)
    half[:, width // 2 :] = 255
    dreamed = _dream(tiny_dreamer, tiny_image, mask=half)
    np.testing.assert_array_equal(dreamed[:, : width // 2], tiny_image[:, : width // 2])
    assert np.abs(dreamed[:, width // 2 :].astype(int) - tiny_image[:, width // 2 :]).mean() > 1


def test_mask_file_is_recorded_in_the_config_and_colour_masks_are_refused(tiny_dreamer, tiny_image, tmp_path):
    path = tmp_path / "mask.png"
    PIL.Image.fromarray(np.full((6, 9), 255, np.uint8)).save(path)
    result = tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), seed=0, mask=str(path))
    assert result.config.mask == str(path.resolve())
    np.testing.assert_array_equal(result.image, tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), seed=0).image)
    colour = tmp_path / "colour.png"
    PIL.Image.fromarray(testing.sample_image(8, 8)).save(colour)
    with pytest.raises(ValueError, match="mask must be a greyscale image"):
        tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), mask=str(colour))
    with pytest.raises(ValueError, match=r"mask must be greyscale, shape \(H, W\) or \(H, W, 1\). Received: "
                                         r"mask.shape=\(4, 4, 3\)"):
        tiny_dreamer.dream(tiny_image, steps=1, octaves=(0,), mask=np.zeros((4, 4, 3)))


def test_term_masks_scale_each_terms_gradient(tiny_image):
    height, width = tiny_image.shape[:2]
    left = np.zeros((height, width), np.float32)
    left[:, : width // 2] = 1.0
    objective = objectives.layer("conv2", mask=left) + objectives.layer("conv3", mask=np.zeros((4, 4)))
    dreamer = Dreamer(testing.tiny_model(), objective, preprocessing="inception")
    dreamed = _dream(dreamer, tiny_image)
    np.testing.assert_array_equal(dreamed[:, width // 2 :], tiny_image[:, width // 2 :])
    assert np.abs(dreamed[:, : width // 2].astype(int) - tiny_image[:, : width // 2]).mean() > 1
    assert dreamer.gradient_fn.experimental_get_tracing_count() == 1


def test_preserve_colors_keeps_the_input_chroma(tiny_dreamer, tiny_image):
    def chroma(rgb):
        return tf.image.rgb_to_yuv(rgb.astype(np.float32) / 255.0).numpy()[..., 1:] * 255.0

    kept = _dream(tiny_dreamer, tiny_image, preserve_colors=True, step_size=0.05)
    free = _dream(tiny_dreamer, tiny_image, step_size=0.05)
    in_gamut = np.all((kept > 0) & (kept < 255), axis=-1)  # elsewhere clipping to [0, 255] moves the chroma
    assert in_gamut.mean() > 0.9
    assert np.abs(chroma(kept) - chroma(tiny_image))[in_gamut].max() <= 1.0  # rounding to uint8
    assert np.abs(chroma(free) - chroma(tiny_image)).max() > 5.0
    assert np.abs(kept.astype(int) - tiny_image).mean() > 1  # it still dreamed


def test_guide_features_are_computed_once_per_octave_and_never_retrace(tiny_image, monkeypatch):
    guide = testing.sample_image(40, 40, seed=5)
    dreamer = Dreamer(testing.tiny_model(), objectives.guide(guide, "conv3") + objectives.layer("conv2", 0.1),
                      preprocessing="inception")
    calls = []
    original = steering.guide_features
    monkeypatch.setattr(steering, "guide_features",
                        lambda *args, **kwargs: calls.append(args[3]) or original(*args, **kwargs))
    result = dreamer.dream(tiny_image, steps=3, octaves=(-2, -1, 0), octave_scale=1.3, tile_size=24, seed=0)
    assert calls == [(28, 38), (37, 49), (48, 64)]  # one per octave, not per step or tile
    assert dreamer.gradient_fn.experimental_get_tracing_count() == 1
    values = result.history.values("guide:conv3")
    assert values[-1] > 1.3 * values[0]  # the guide term rises over the dream (a step's roll makes it wobble)


def test_unreadable_guide_image_is_one_line_error(tmp_path):
    with pytest.raises(images.ImageError, match="no such file"):
        Dreamer(testing.tiny_model(), objectives.guide(tmp_path / "missing.png", "conv2"), preprocessing="inception")


def test_class_logit_is_the_pre_softmax_score(saved_classifier):
    dreamer = Dreamer(saved_classifier, objectives.class_logit("kitchen"), precision="float32")
    assert dreamer.objective.terms[0].index == 1
    model = keras.saving.load_model(saved_classifier)
    tiles = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, 20, 24, 3)), tf.float32)
    features = keras.Model(model.inputs, model.get_layer("avg_pool").output)
    kernel, bias = model.get_layer("predictions").get_weights()
    with tf.GradientTape() as tape:
        tape.watch(tiles)
        expected = tf.matmul(features(tiles), kernel)[:, 1] + bias[1]
    expected_gradient = tape.gradient(expected, tiles)
    gradients, values = dreamer.gradient_fn(tiles, tf.constant(0.0))
    np.testing.assert_allclose(values["class:kitchen"].numpy(), expected.numpy(), rtol=1e-5)
    assert not np.allclose(values["class:kitchen"].numpy(), model(tiles).numpy()[:, 1])  # not the probability
    np.testing.assert_allclose(gradients.numpy(), expected_gradient.numpy(), rtol=1e-4, atol=1e-8)
    result = dreamer.dream(testing.sample_image(32, 32), steps=3, octaves=(0,), tile_size=None, seed=0)
    scores = result.history.values("class:kitchen")
    assert scores[-1] > scores[0]
    rebuilt = Dreamer.from_config(dreamer.get_config())
    assert rebuilt.objective.terms[0].index == 1


def test_class_errors_are_one_line(saved_classifier):
    with pytest.raises(ValueError, match="unknown class 'kitchn'. Close matches: kitchen. List all with"):
        Dreamer(saved_classifier, objectives.class_logit("kitchn"))
    with pytest.raises(ValueError, match=r"class index must be < 3 .* Received: target=7"):
        Dreamer(saved_classifier, objectives.class_logit(7))
    with pytest.raises(ValueError, match="needs a classifier with a top .* ends in Conv2D 'conv3'"):
        Dreamer(testing.tiny_model(), objectives.class_logit(0), preprocessing="inception")


def test_fixed_size_classifier_gets_tiles_resized_in_the_step():
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Flatten()(keras.layers.Conv2D(2, 3, name="conv")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(4, name="predictions")(x))
    dreamer = Dreamer(model, objectives.class_logit(2) + objectives.layer("conv"), preprocessing="inception")
    result = dreamer.dream(testing.sample_image(30, 40), steps=2, octaves=(-1, 0), tile_size=24, seed=0)
    assert result.image.shape == (30, 40, 3) and set(result.history.labels) == {"class:2", "conv"}
    assert dreamer.gradient_fn.experimental_get_tracing_count() == 1


def test_step_signature_has_term_masks_then_guides():
    objective = objectives.guide(np.zeros((4, 4, 3)), "a") + objectives.layer("b", mask=np.ones((2, 2)))
    masks, guide = steps.step_signature(objective)
    assert masks.shape.as_list() == [None, None, None, 1] and guide.shape.as_list() == [None, None]


def _tfdream(*args) -> int:
    """Runs `tfdream ARGS` in this process (flags restored afterwards); returns the exit status."""
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *map(str, args)])
    return exit_info.value.code or 0


def test_command_line_guide_mask_and_colours_rerun_bit_identically(saved_tiny_model, tiny_image, tmp_path):
    photo = images.save_image(tiny_image, tmp_path / "photo.png")
    guide = images.save_image(testing.sample_image(32, 32, seed=9), tmp_path / "guide.png")
    mask = np.zeros(tiny_image.shape[:2], np.uint8)
    mask[:, 32:] = 255
    mask_path = images.save_image(np.repeat(mask[..., None], 3, axis=-1), tmp_path / "mask.png")
    args = (f"--model={saved_tiny_model}", "--layers=conv2,conv3:0.5", f"--guide={guide}", f"--mask={mask_path}",
            "--preserve_colors", "--steps=2", "--octaves=-1,0", "--tile_size=32", "--noprogress")
    assert _tfdream("dream", photo, tmp_path / "a.png", *args) == 0
    side = json.loads((tmp_path / "a.json").read_text())
    assert [term["kind"] for term in side["dreamer"]["terms"]] == ["guide", "guide"]
    assert side["dreamer"]["terms"][0]["image"] == {"path": str(guide), "sha256": files.sha256(guide)}
    assert side["config"]["mask"] == str(mask_path) and side["config"]["preserve_colors"] is True
    assert _tfdream("rerun", tmp_path / "a.json", tmp_path / "b.png", "--noprogress") == 0
    first, second = (np.asarray(PIL.Image.open(tmp_path / name)) for name in ("a.png", "b.png"))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first[:, :32], tiny_image[:, :32])


def test_command_line_objective_class_and_classes(saved_classifier, saved_tiny_model, tmp_path, capsys, caplog):
    assert _tfdream("classes", saved_classifier) == 0
    assert capsys.readouterr().out.splitlines() == ["0\tbedroom", "1\tkitchen", "2\tlibrary"]
    quick = ("--steps=1", "--octaves=0", "--noprogress", "--precision=float32")
    assert _tfdream("dream", tmp_path / "c.png", f"--model={saved_classifier}", "--class=library",
                    "--layers=conv1:0.1", "--size=24,24", *quick) == 0
    terms = json.loads((tmp_path / "c.json").read_text())["dreamer"]["terms"]
    assert [(term["kind"], term["weight"]) for term in terms] == [("class_logit", 1.0), ("layer", 0.1)]
    assert _tfdream("dream", tmp_path / "o.png", f"--model={saved_tiny_model}", "--size=24,24", *quick,
                    "--objective=conv2 - 0.5 * neuron('conv3', 1) + tv(-0.1)") == 0
    labels = [term["kind"] for term in json.loads((tmp_path / "o.json").read_text())["dreamer"]["terms"]]
    assert labels == ["layer", "neuron", "total_variation"]
    assert _tfdream("dream", tmp_path / "x.png", f"--model={saved_classifier}", "--class=libary", "--size=24,24",
                    *quick) == 2
    assert "unknown class 'libary'. Close matches: library." in caplog.text
    assert _tfdream("classes", saved_tiny_model) == 2
    assert "needs a classifier with a top" in caplog.text


def test_a_named_model_dreams_a_class_with_its_imagenet_top():
    dreamer = Dreamer("resnet50", objectives.class_logit(3), weights=None, precision="float32")
    assert tuple(dreamer.extractor.inputs[0].shape) == (None, 224, 224, 3)  # tiles are resized to it in the step
    assert classifiers.classifier_top(dreamer.loaded.model).units == 1000
    rebuilt = Dreamer.from_config(dreamer.get_config())
    assert tuple(rebuilt.extractor.inputs[0].shape) == (None, 224, 224, 3)
    with pytest.raises(ValueError, match="weights='hed' has no classifier top"):
        Dreamer("vgg16", objectives.class_logit(3), weights="hed")
