"""Tests for tfdream.graphdef: frozen graphs in the DeepDream notebook's format, converted to Keras."""

import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl.testing import flagsaver

from tfdream import Dreamer, cli, models, testing
from tfdream.models import googlenet, graphdef, inference
from tfdream.models.graphdef import layers as graph_layers

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
    graph_def = testing.inception5h_graph_def(width=1 / 16, head="avgpool", preprocessing=False)
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


def _constant(rng, *shape, scale=1.0) -> tf.Tensor:
    return tf.constant(rng.normal(0, scale, shape).astype(np.float32))


def _op_cases():
    """(op under test, body building node "out" from the (batch, H, W, 3) placeholder), one tiny graph each."""
    rng = np.random.default_rng(3)
    return {
        "Mean": lambda x: tf.reduce_mean(x, [1, 2], name="out"),
        "Mean keep_dims": lambda x: tf.reduce_mean(x, [-2, 1], keepdims=True, name="out"),
        "Max": lambda x: tf.reduce_max(x, [1, 2], keepdims=True, name="out"),
        "Squeeze": lambda x: tf.squeeze(tf.reduce_mean(x, [1, 2], keepdims=True), [1, 2], name="out"),
        "Squeeze all": lambda x: tf.squeeze(tf.reduce_max(x, [1, 2], keepdims=True), name="out"),
        "Reshape": lambda x: tf.reshape(tf.nn.avg_pool2d(x, 2, 2, "VALID"), [-1, 2 * 2 * 3], name="out"),
        "Softmax": lambda x: tf.nn.softmax(x, name="out"),
        "Relu6": lambda x: tf.nn.relu6(x * 4.0, name="out"),
        "Sigmoid": lambda x: tf.sigmoid(x, name="out"),
        "AddV2": lambda x: tf.add(tf.nn.relu(x), x, name="out"),
        "AddV2 constant": lambda x: tf.add(_constant(rng, 5, 4, 3), x, name="out"),
        "Add": lambda x: tf.raw_ops.Add(x=x, y=_constant(rng, 3), name="out"),
        "Sub": lambda x: tf.subtract(tf.nn.relu(x), x, name="out"),
        "Sub constant": lambda x: tf.subtract(tf.nn.relu(x), _constant(rng, 3), name="out"),
        "Mul": lambda x: tf.multiply(x, tf.reduce_mean(x, [1, 2], keepdims=True), name="out"),  # broadcast
        "Mul constant": lambda x: tf.multiply(_constant(rng), x, name="out"),
        "Mul folded constants": lambda x: tf.multiply(x, _constant(rng, 3) + _constant(rng, 3), name="out"),
        "RealDiv": lambda x: tf.divide(x, tf.constant([2.0, -4.0, 0.5]), name="out"),
        "Pad": lambda x: tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]], name="out"),
        "MirrorPad": lambda x: tf.pad(x, [[0, 0], [2, 1], [0, 3], [0, 0]], mode="REFLECT", name="out"),
        "MirrorPad symmetric": lambda x: tf.pad(x, [[0, 0], [1, 1], [2, 2], [0, 0]], mode="SYMMETRIC", name="out"),
        "FusedBatchNormV3": lambda x: tf.compat.v1.nn.fused_batch_norm(
            x, _constant(rng, 3), _constant(rng, 3), _constant(rng, 3), tf.constant([0.5, 2.0, 1.5]),
            epsilon=1e-3, is_training=False, name="out")[0],
        "FusedBatchNorm": lambda x: tf.raw_ops.FusedBatchNorm(
            x=x, scale=_constant(rng, 3), offset=_constant(rng, 3), mean=_constant(rng, 3),
            variance=tf.constant([0.5, 2.0, 1.5]), epsilon=1e-3, is_training=False, name="out")[0],
        "DepthwiseConv2dNative": lambda x: tf.nn.bias_add(tf.nn.depthwise_conv2d(
            x, _constant(rng, 3, 3, 3, 2), [1, 2, 2, 1], "SAME"), _constant(rng, 6), name="out"),
        "Conv2D + AddV2 bias": lambda x: tf.add(tf.nn.conv2d(x, _constant(rng, 3, 3, 3, 4), 1, "VALID"),
                                                _constant(rng, 4), name="out"),
        "MatMul + AddV2 bias": lambda x: tf.add(tf.matmul(tf.reduce_mean(x, [1, 2]), _constant(rng, 3, 7)),
                                                _constant(rng, 7), name="out"),
        "ConcatV2 + MaxPool": lambda x: tf.concat([x, tf.nn.max_pool2d(x, 3, 1, "SAME")], -1, name="out"),
    }


_OP_CASES = _op_cases()


@pytest.mark.parametrize("case", _OP_CASES)
def test_each_op_converts_to_what_the_graph_computes(case):
    graph_def = _small_graph(_OP_CASES[case])
    op = case.split()[0]
    assert op in {node.op for node in graph_def.node}
    model = graphdef.convert(graph_def, outputs=["out"]).model
    inputs = np.random.default_rng(0).normal(0, 2, (2, 5, 4, 3)).astype(np.float32)
    expected = graphdef.run_graph_def(graph_def, inputs, ["out"])["out"]
    actual = model(inputs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_biases_added_with_add_fold_into_their_layer():
    model = graphdef.convert(_small_graph(_OP_CASES["MatMul + AddV2 bias"]), outputs=["out"]).model
    assert isinstance(model.get_layer("out"), keras.layers.Dense) and model.get_layer("out").use_bias
    model = graphdef.convert(_small_graph(_OP_CASES["DepthwiseConv2dNative"]), outputs=["out"]).model
    assert isinstance(model.get_layer("out"), keras.layers.DepthwiseConv2D) and model.get_layer("out").use_bias


def _mixed_graph() -> tf.compat.v1.GraphDef:
    """Conv2D + FusedBatchNormV3 + Relu6, a squeeze-and-excitation block (Mean, Sigmoid, Mul), MirrorPad, the
    constant layers and a Mean + Squeeze head: every custom layer in one graph."""
    rng = np.random.default_rng(5)

    def body(x):
        x = tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT"), _constant(rng, 3, 3, 3, 8),
                         1, "VALID", name="conv")
        x, _, _ = tf.compat.v1.nn.fused_batch_norm(x, _constant(rng, 8), _constant(rng, 8), _constant(rng, 8),
                                                   tf.constant(np.linspace(0.5, 2, 8, dtype=np.float32)),
                                                   is_training=False, name="conv_bn")
        x = tf.nn.relu6(x, name="conv_relu")
        gate = tf.sigmoid(tf.nn.conv2d(tf.reduce_mean(x, [1, 2], keepdims=True), _constant(rng, 1, 1, 8, 8), 1,
                                       "VALID"), name="se_gate")
        x = tf.add(tf.multiply(x, gate, name="se_scaled") * 0.5, 1.0, name="features")
        logits = tf.nn.conv2d(tf.reduce_mean(x, [1, 2], keepdims=True, name="pool"), _constant(rng, 1, 1, 8, 4), 1,
                              "VALID", name="logits")
        tf.nn.softmax(tf.squeeze(logits, [1, 2], name="logits/squeeze"), name="probabilities")

    return _small_graph(body)


def test_head_detection_finds_the_body_before_every_kind_of_head():
    for head in testing.graphs.HEADS:
        graph_def = testing.inception5h_graph_def(width=1 / 32, head=head, preprocessing=False)
        assert graphdef.default_outputs(graph_def) == ["mixed5b"], head
    classifier = graphdef.convert(graph_def, outputs=["output2"]).model  # the "squeeze" head, slim style
    inputs = np.random.default_rng(1).normal(0, 50, (1, 64, 64, 3)).astype(np.float32)
    np.testing.assert_allclose(classifier(inputs).numpy(), graphdef.run_graph_def(graph_def, inputs, ["output2"])[
        "output2"], rtol=1e-4, atol=1e-7)
    # the squeeze-and-excitation Mean multiplies back into the body: the head is the Mean + Squeeze after it
    assert graphdef.default_outputs(_mixed_graph()) == ["features"]


@pytest.fixture(scope="module")
def mean_head_graph_def():
    return testing.inception5h_graph_def(seed=4, width=1 / 16, head="mean", preprocessing=False)


def test_a_graph_whose_head_needs_an_unsupported_op_converts_its_body(mean_head_graph_def):
    assert "ArgMax" in {node.op for node in mean_head_graph_def.node}  # "predictions", after the Mean head
    model = graphdef.convert(mean_head_graph_def).model
    assert model.layers[-1].name == "mixed5b"
    assert not any(isinstance(layer, keras.layers.GlobalAveragePooling2D) for layer in model.layers)
    inputs = np.random.default_rng(1).normal(0, 50, (1, 64, 96, 3)).astype(np.float32)
    expected = graphdef.run_graph_def(mean_head_graph_def, inputs, ["mixed5b", "output2"])
    np.testing.assert_allclose(model(inputs).numpy(), expected["mixed5b"], rtol=1e-4,
                               atol=1e-5 * np.abs(expected["mixed5b"]).max())
    # the Mean head itself converts too, at any input size
    classifier = graphdef.convert(mean_head_graph_def, outputs=["output2"]).model
    assert isinstance(classifier.get_layer("avgpool0"), keras.layers.GlobalAveragePooling2D)
    np.testing.assert_allclose(classifier(inputs).numpy(), expected["output2"], rtol=1e-4, atol=1e-7)
    with pytest.raises(ValueError) as info:
        graphdef.convert(mean_head_graph_def, outputs=["predictions"])
    message = str(info.value)
    assert "unsupported op 'ArgMax'" in message and "'predictions'" in message and "\n" not in message


def _with_op(graph_def: tf.compat.v1.GraphDef, node: str, op: str) -> tf.compat.v1.GraphDef:
    """A copy of `graph_def` in which node `node` runs `op` instead (same inputs and attributes)."""
    changed = tf.compat.v1.GraphDef()
    changed.CopyFrom(graph_def)
    next(each for each in changed.node if each.name == node).op = op
    return changed


def test_an_unsupported_op_is_refused_only_where_an_output_needs_it(mean_head_graph_def):
    graph_def = _with_op(mean_head_graph_def, "mixed4b_1x1", "Elu")
    model = graphdef.convert(graph_def, outputs=["mixed4a", "maxpool4"]).model  # mixed4b is not needed
    assert model.get_layer("mixed4a") and "mixed4b_1x1" not in _layer_names(model)
    with pytest.raises(ValueError) as info:
        graphdef.convert(graph_def)
    message = str(info.value)
    assert message.startswith("cannot convert node 'mixed4b_1x1': unsupported op 'Elu', needed by output 'mixed5b'")
    assert "\n" not in message


def test_a_reference_to_another_output_is_refused_only_where_needed():
    def body(x):
        y, mean, _ = tf.compat.v1.nn.fused_batch_norm(x, tf.ones(3), tf.zeros(3), is_training=True, name="bn")
        tf.nn.relu(y, name="out")
        tf.identity(mean, name="batch_mean")

    graph_def = _small_graph(body)
    with pytest.raises(ValueError, match="only inference batch normalization"):
        graphdef.convert(graph_def, outputs=["out"])
    with pytest.raises(ValueError, match="reads output 1 of node 'bn'"):
        graphdef.convert(graph_def, outputs=["batch_mean"])


def test_custom_layers_save_reload_and_rebuild(tmp_path):
    graph_def = _mixed_graph()
    model = graphdef.convert(graph_def, outputs=["probabilities", "features"]).model
    kinds = {type(layer) for layer in model.layers}
    assert {graph_layers.ConstantOperand, graph_layers.Squeeze, graph_layers.MirrorPadding2D,
            keras.layers.BatchNormalization} <= kinds
    inputs = np.random.default_rng(2).normal(size=(2, 9, 7, 3)).astype(np.float32)
    expected = graphdef.run_graph_def(graph_def, inputs, ["probabilities", "features"])
    path = tmp_path / "mixed.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    for outputs in (model(inputs), reloaded(inputs), inference.build(model, "float32")(inputs)):
        for name, value in zip(("probabilities", "features"), outputs):
            np.testing.assert_allclose(value.numpy(), expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert inference.foldable_batch_norms(model) == {"conv_bn": "conv"}
    approximate = keras.ops.convert_to_numpy(inference.build(model, "mixed_bfloat16")(inputs)[1]).astype(np.float32)
    assert np.abs(approximate - expected["features"]).mean() < 0.05 * np.abs(expected["features"]).mean()


def _tfdream(*args) -> int:
    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *map(str, args)])
    return exit_info.value.code or 0


def test_convert_command_on_a_graph_with_a_mean_head(tmp_path, caplog):
    graph = testing.write_inception5h_graph(tmp_path / "mean_head.pb", seed=6, width=1 / 16, head="mean")
    output = tmp_path / "mean_head.keras"
    assert _tfdream("convert", graph, output) == 0
    loaded = models.load_model(output)
    assert loaded.model.layers[-1].name == "mixed5b" and loaded.default_layers == googlenet.DEFAULT_LAYERS
    broken = tmp_path / "broken.pb"
    broken.write_bytes(_with_op(graphdef.read_graph_def(graph), "mixed5a_3x3", "Elu").SerializeToString())
    caplog.clear()
    assert _tfdream("convert", broken, tmp_path / "broken.keras") == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert "unsupported op 'Elu'" in error and "'mixed5a_3x3'" in error and "output 'mixed5b'" in error
    assert "\n" not in error
    other = tmp_path / "other.pb"  # converts, but has none of the layers the metadata would name
    other.write_bytes(_small_graph(_OP_CASES["Relu6"]).SerializeToString())
    caplog.clear()
    assert _tfdream("convert", other, tmp_path / "other.keras") == cli.EXIT_USAGE
    (error,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert "does not follow the inception5h naming scheme" in error and "'mixed4c'" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.pb", "mean_head.json", "mean_head.keras",
                                                                "mean_head.pb", "other.pb"]


def test_what_keras_refuses_is_one_line_naming_the_node():
    graph = tf.Graph()
    with graph.as_default():  # a placeholder of unknown rank: TensorFlow accepts the concatenation, Keras cannot
        x = tf.compat.v1.placeholder(tf.float32, None, name="input")
        tf.concat([x, tf.reduce_mean(x, [1, 2])], -1, name="out")
    with pytest.raises(ValueError) as info:
        graphdef.convert(graph.as_graph_def(), outputs=["out"])
    message = str(info.value)
    assert message.startswith("cannot convert node 'out' (op ConcatV2), needed by output 'out': ")
    assert "\n" not in message
    graph_def = _small_graph(_OP_CASES["Pad"])
    del next(node for node in graph_def.node if node.name == "out").input[1:]  # a malformed graph
    with pytest.raises(ValueError, match="node 'out' .* it has 1 inputs, too few for its op"):
        graphdef.convert(graph_def, outputs=["out"])


def test_constants_are_computed_from_what_they_need_only():
    def body(x):
        tf.multiply(x, tf.fill([3], 2.5) + 1.0, name="out")  # Fill and AddV2 of constants: computed once
        tf.nn.relu(x, name="elsewhere")

    graph_def = _with_op(_small_graph(body), "elsewhere", "NoSuchOpInTensorFlow")
    model = graphdef.convert(graph_def, outputs=["out"]).model
    inputs = np.random.default_rng(0).normal(size=(1, 3, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(model(inputs).numpy(), inputs * 3.5, rtol=1e-6)
    assert [type(layer) for layer in model.layers[1:]] == [graph_layers.ConstantOperand]
    unknown = r"cannot compute the constant nodes \['Fill', 'add'\] of the graph: .*'NoSuchOpInTensorFlow'"
    with pytest.raises(ValueError, match=unknown):
        graphdef.convert(_with_op(graph_def, "Fill", "NoSuchOpInTensorFlow"), outputs=["out"])


def test_a_converted_model_with_the_new_layers_dreams(tmp_path):
    model = graphdef.convert(_mixed_graph(), outputs=["features"]).model
    model.save(tmp_path / "mixed.keras")
    dreamer = Dreamer(str(tmp_path / "mixed.keras"), {"features": 1.0}, preprocessing="inception", precision="float32")
    assert "conv_bn" in inference.foldable_batch_norms(dreamer.extractor)
    result = dreamer.dream(testing.sample_image(24, 32), steps=3, octaves=(0,), tile_size=None, seed=0)
    losses = [record["features"] for record in result.history.records]
    assert losses[-1] > losses[0] and result.image.shape == (24, 32, 3)
