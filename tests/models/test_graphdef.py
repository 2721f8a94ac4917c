"""Tests for tfdream.graphdef: frozen graphs in the DeepDream notebook's format, converted to Keras."""

import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdream import models, testing
from tfdream.models import googlenet, graphdef, inference

_WIDTH = 0.125  # an eighth of the published channel counts: same structure, fast


@pytest.fixture(scope="module")
def graph_def():
    return testing.inception5h_graph_def(seed=1, width=_WIDTH)


@pytest.fixture(scope="module")
def conversion(graph_def):
    return graphdef.convert(graph_def, name="inception5h")


def _activations(model: keras.Model, names, inputs) -> dict:
    extractor = keras.Model(model.inputs, {name: model.get_layer(name).output for name in names})
    return {name: value.numpy() for name, value in extractor(inputs).items()}


def _layer_names(model: keras.Model) -> list[str]:
    return [layer.name for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def test_converted_activations_equal_the_graph_for_every_layer(graph_def, conversion):
    image = testing.sample_image(40, 56).astype(np.float32)  # the graph's own input: one RGB image in [0, 255]
    names = _layer_names(conversion.model)
    expected = graphdef.run_graph_def(graph_def, image, names)
    actual = _activations(conversion.model, names, models.PREPROCESSING["inception5h"].preprocess(image)[None])
    assert len(names) > 130
    assert all(np.abs(expected[name]).max() > 0 for name in names if name.endswith("_pre_relu"))
    for name in names:
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(actual[name], expected[name], rtol=1e-5, atol=1e-5 * scale, err_msg=name)


def test_layers_are_named_and_typed_like_the_graph(graph_def, conversion):
    model = conversion.model
    one, _, three, _, five, pool_reduce = googlenet.BLOCKS["mixed5b"]
    assert model.output.shape[-1] == sum(round(c * _WIDTH) for c in (one, three, five, pool_reduce))
    assert model.layers[-1].name == "mixed5b"  # the body, not the pools that only feed a classifier
    pre_relu = model.get_layer("mixed4d_3x3_bottleneck_pre_relu")
    assert isinstance(pre_relu, keras.layers.Conv2D) and pre_relu.get_config()["activation"] == "linear"
    assert pre_relu.use_bias and pre_relu.kernel.shape[-1] == round(144 * _WIDTH)
    assert isinstance(model.get_layer("mixed4d_3x3_bottleneck"), keras.layers.ReLU)
    assert isinstance(model.get_layer("mixed4c"), keras.layers.Concatenate)
    assert isinstance(model.get_layer("maxpool4"), keras.layers.MaxPooling2D)
    lrn = model.get_layer("localresponsenorm0")
    assert isinstance(lrn, googlenet.LocalResponseNormalization)
    assert (lrn.depth_radius, lrn.bias, lrn.beta) == (5, 2.0, 0.5) and lrn.alpha == pytest.approx(1e-4)
    node = {node.name: node for node in graph_def.node}
    np.testing.assert_array_equal(pre_relu.kernel.numpy(),
                                  tf.make_ndarray(node["mixed4d_3x3_bottleneck_w"].attr["value"].tensor))
    assert float(conversion.input_offset) == googlenet.MEAN  # the graph's Sub, left to the dreamer


def test_classifier_converts_when_named_as_output():
    graph_def = testing.inception5h_graph_def(width=1 / 16, head=True, preprocessing=False)
    assert graphdef.default_outputs(graph_def) == ["mixed5b"]
    conversion = graphdef.convert(graph_def, outputs=["softmax2", "mixed4c"])
    assert conversion.input_offset is None
    inputs = np.random.default_rng(0).normal(0, 50, (1, 224, 224, 3)).astype(np.float32)
    expected = graphdef.run_graph_def(graph_def, inputs, ["output2", "mixed4c"])
    softmax, mixed4c = conversion.model(inputs)
    assert isinstance(conversion.model.get_layer("softmax2_pre_activation"), keras.layers.Dense)
    np.testing.assert_allclose(softmax.numpy(), expected["output2"], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(mixed4c.numpy(), expected["mixed4c"], rtol=1e-4,
                               atol=1e-5 * np.abs(expected["mixed4c"]).max())


def _small_graph(body) -> tf.compat.v1.GraphDef:
    graph = tf.Graph()
    with graph.as_default():
        body(tf.compat.v1.placeholder(tf.float32, (None, None, None, 3), name="input"))
    return graph.as_graph_def()


def test_concat_v2_identity_and_legacy_bias_convert():
    def body(x):
        kernel = tf.identity(tf.constant(np.ones((1, 1, 3, 2), np.float32), name="k_w"), name="k_read")
        conv = tf.nn.conv2d(x, kernel, 1, "VALID", name="k")  # no BiasAdd: a Conv2D without bias
        old = tf.raw_ops.BiasAddV1(value=tf.nn.conv2d(x, kernel, 1, "SAME", name="old/conv"),
                                   bias=tf.constant([0.5, -1.0]), name="old")
        tf.concat([conv, old, tf.nn.avg_pool2d(x, 2, 1, "SAME", name="avg")], axis=-1, name="joined")

    graph_def = _small_graph(body)
    model = graphdef.convert(graph_def, outputs=["joined"]).model
    inputs = np.random.default_rng(0).normal(size=(2, 5, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(model(inputs).numpy(), graphdef.run_graph_def(graph_def, inputs, ["joined"])["joined"],
                               rtol=1e-6, atol=1e-6)
    assert not model.get_layer("k").use_bias and model.get_layer("old").use_bias


def test_unknown_op_error_names_the_op_and_the_node():
    graph_def = _small_graph(lambda x: tf.math.tanh(x, name="squash"))
    with pytest.raises(ValueError) as info:
        graphdef.convert(graph_def, outputs=["squash"])
    message = str(info.value)
    assert "'Tanh'" in message and "'squash'" in message and "\n" not in message


def test_read_graph_def_from_pb_and_zip(tmp_path, graph_def):
    pb = tmp_path / googlenet.GRAPH_FILE
    pb.write_bytes(graph_def.SerializeToString())
    archive = tmp_path / googlenet.ZIP_FILE
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("imagenet_comp_graph_label_strings.txt", "dummy\n")
        zipped.write(pb, googlenet.GRAPH_FILE)
    assert graphdef.read_graph_def(pb) == graph_def
    assert graphdef.read_graph_def(archive) == graph_def
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zipped:
        zipped.writestr("README", "no graph")
    with pytest.raises(ValueError, match="must hold one .pb graph"):
        graphdef.read_graph_def(empty)
    (tmp_path / "bad.pb").write_bytes(b"\xff\xfe not a graph")
    with pytest.raises(ValueError, match="bad.pb"):
        graphdef.read_graph_def(tmp_path / "bad.pb")
    with pytest.raises(ValueError, match="does not exist"):
        graphdef.read_graph_def(tmp_path / "missing.pb")


def test_converted_model_saves_reloads_and_rebuilds_in_mixed_precision(tmp_path, conversion):
    model = conversion.model
    inputs = np.random.default_rng(0).normal(0, 60, (1, 32, 32, 3)).astype(np.float32)
    expected = model(inputs).numpy()
    path = tmp_path / "converted.keras"
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path)(inputs).numpy(), expected, rtol=1e-6, atol=1e-6)
    rebuilt = inference.build(model, "mixed_bfloat16")
    assert rebuilt.get_layer("localresponsenorm1").compute_dtype == "bfloat16"
    assert rebuilt.get_layer("localresponsenorm1").get_config() | {"dtype": None} == (
        model.get_layer("localresponsenorm1").get_config() | {"dtype": None})
    approximate = keras.ops.convert_to_numpy(rebuilt(inputs)).astype(np.float32)
    assert np.abs(approximate - expected).mean() < 0.05 * np.abs(expected).mean()
