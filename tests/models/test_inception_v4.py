"""Tests for tfdream.inception_v4 and the GoogLeNet / Inception-v4 training architectures."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdream import models
from tfdream.models import inception_v4, metadata
from tfdream.training import architectures, train

_CLASSES = ("bar", "kitchen", "office")


def _dataset(size: int, count: int = 4) -> tf.data.Dataset:
    rng = np.random.default_rng(0)
    labels = np.arange(count) % len(_CLASSES)
    images = (rng.integers(0, 80, (count, size + 8, size + 8, 3)) + 80 * labels[:, None, None, None]).astype(np.uint8)
    return tf.data.Dataset.from_tensor_slices((images, labels))


def _train_one_step(tmp_path, architecture: str, size: int):
    config = train.TrainConfig(architecture=architecture, image_size=(size, size), epochs=1, batch_size=4,
                               warmup_epochs=0, learning_rate=1e-3)
    path = train.train(config, tmp_path, _dataset(size), None, _CLASSES, split="tiny", verbose=0)
    meta = metadata.ModelMetadata.load(path)
    model = models.load_model(path).model
    assert meta.architecture == architecture and meta.min_size == architectures.get(architecture).min_size
    assert set(meta.default_layers) <= {layer.name for layer in model.layers}
    assert model.output.shape[-1] == len(_CLASSES)
    assert all(np.isfinite(weights).all() for weights in model.get_weights())
    return meta


def test_inception_v4_has_the_papers_block_structure():
    model = inception_v4.InceptionV4(input_shape=(inception_v4.MIN_SIZE, inception_v4.MIN_SIZE, 3))
    blocks = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Concatenate)
              and "branch" not in layer.name]
    assert blocks == (["stem_mixed1", "stem_mixed2", "stem_mixed3"] + [f"inception_a{i}" for i in range(1, 5)]
                      + ["reduction_a"] + [f"inception_b{i}" for i in range(1, 8)] + ["reduction_b"]
                      + [f"inception_c{i}" for i in range(1, 4)])
    channels = {name: model.get_layer(name).output.shape[-1]
                for name in ("stem_mixed3", "inception_a4", "reduction_a", "inception_b7", "reduction_b",
                             "inception_c3")}
    assert channels == {"stem_mixed3": 384, "inception_a4": 384, "reduction_a": 1024, "inception_b7": 1024,
                        "reduction_b": 1536, "inception_c3": 1536}
    assert model.output.shape[1:3] == (1, 1)  # the smallest input reaches the last block at 1x1
    assert 41e6 < model.count_params() < 43e6  # the paper's network without its classifier


def test_inception_v4_refuses_imagenet_weights_before_building():
    with pytest.raises(ValueError, match="no downloadable ImageNet weights.*Received: weights='imagenet'"):
        models.load_model("inception_v4")


@pytest.mark.large  # writes and reads 170 MB of weights
def test_inception_v4_reads_a_weights_file(tmp_path):
    model = inception_v4.InceptionV4()
    model.save_weights(tmp_path / "v4.weights.h5")
    loaded = models.load_model("inception_v4", weights=tmp_path / "v4.weights.h5")
    np.testing.assert_array_equal(loaded.model.get_layer("inception_c3_branch1_1x1_conv").kernel.numpy(),
                                  model.get_layer("inception_c3_branch1_1x1_conv").kernel.numpy())


def test_googlenet_classifier_takes_one_training_step():
    architecture = architectures.get("googlenet")
    model = architecture.build(len(_CLASSES), 0.5)
    assert architecture.default_layers(model) == ("mixed4c",)
    # Eagerly: one step costs far less than tracing the training function.
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy", run_eagerly=True)
    images, labels = next(iter(_dataset(architecture.min_size).batch(4)))
    inputs = tf.cast(images[:, :32, :32], tf.float32) / 127.5 - 1
    before = model.get_layer("mixed4c_3x3_pre_relu").kernel.numpy()
    loss = model.train_on_batch(inputs, labels)
    assert np.isfinite(loss)
    assert not np.array_equal(model.get_layer("mixed4c_3x3_pre_relu").kernel.numpy(), before)


@pytest.mark.large
def test_googlenet_trains_one_step_on_indoor_scenes(tmp_path):
    meta = _train_one_step(tmp_path, "googlenet", 32)
    assert meta.default_layers == ("mixed4c",) and meta.layer_presets["mixed5"] == ("mixed5b",)


@pytest.mark.large
def test_inception_v4_trains_one_step_on_indoor_scenes(tmp_path):
    meta = _train_one_step(tmp_path, "inception_v4", inception_v4.MIN_SIZE)
    assert meta.default_layers == ("inception_b7",)
