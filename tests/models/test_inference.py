"""Rebuilding the network: batch norms folded, mixed policies, "auto", 16-bit gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdream import Dreamer
from tfdream.core import steps
from tfdream.models import inference


@pytest.fixture(scope="module")
def reference(extractor, objective):
    """Tiles big enough that a mean objective's gradient underflows float16 without loss scaling."""
    tiles = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, 256, 256, 3)), tf.float32)
    return tiles, steps.make_gradient_fn(extractor, objective)(tiles, tf.constant(0.0))


@pytest.mark.parametrize("cpuinfo, expected", [
    ("flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512_vnni\n", True),
    ("flags\t\t: fpu amx_bf16 amx_tile\n", True),
    ("flags\t\t: fpu sse avx2 avx512f\n", False),
    ("Features\t: fp asimd\n", False),
    ("", False),
])
def test_bfloat16_cpu_flags(cpuinfo, expected):
    assert inference.cpu_has_bfloat16(cpuinfo, max_isa="") is expected


@pytest.mark.parametrize("max_isa, expected", [("", True), ("avx512_core_bf16", True), ("ALL", True),
                                               ("AVX512_CORE_AMX", True), ("AVX2", False), ("AVX512_CORE", False)])
def test_onednn_isa_cap_hides_bfloat16(max_isa, expected, monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", max_isa)
    assert inference.cpu_has_bfloat16("flags\t\t: fpu avx2 avx512f avx512_bf16\n") is expected


def test_resolve():
    assert inference.resolve("float32") == "float32"
    assert inference.resolve("mixed_float16") == "mixed_float16"
    auto = inference.resolve("auto")
    assert auto == ("mixed_bfloat16" if inference.cpu_has_bfloat16() and not tf.config.list_physical_devices("GPU")
                    else "float32")
    with pytest.raises(ValueError, match=r"precision must be one of .*Received: precision='half'"):
        inference.resolve("half")


def test_float32_without_batch_norms_keeps_the_model_as_built(extractor):
    assert inference.build(extractor, "float32") is extractor


def _batch_norm_model():
    """Conv -> BN pairs that fold (plain, scale-free, BN as output) and three that must not."""
    rng = np.random.default_rng(0)
    inputs = keras.Input((None, None, 3))
    a = keras.layers.Conv2D(6, 3, padding="same", use_bias=False, name="a")(inputs)
    a = keras.layers.BatchNormalization(name="a_bn")(a)
    a = keras.layers.Activation("relu", name="a_relu")(a)
    b = keras.layers.Conv2D(6, 3, padding="same", name="b")(a)
    b = keras.layers.BatchNormalization(scale=False, name="b_bn")(b)
    shared = keras.layers.Conv2D(6, 1, name="shared")(b)  # also read by `side`: must stay
    c = keras.layers.BatchNormalization(name="c_bn")(shared)
    side = keras.layers.Conv2D(6, 1, name="side")(shared)
    active = keras.layers.Conv2D(6, 1, activation="relu", name="active")(c)  # activation before the BN
    d = keras.layers.BatchNormalization(name="d_bn")(active)
    out = keras.layers.Conv2D(4, 1, name="out")(keras.layers.Concatenate(name="cat")([d, side]))
    e = keras.layers.BatchNormalization(name="e_bn")(out)  # an output: folds, the output is the same
    model = keras.Model(inputs, {"e": e, "out": out, "d": d})
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.5, 6 if layer.name != "e_bn" else 4))
            layer.moving_variance.assign(rng.uniform(0.3, 2.0, 6 if layer.name != "e_bn" else 4))
            if layer.scale:
                layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape))
            layer.beta.assign(rng.normal(0, 0.3, layer.beta.shape))
    return model


def test_batch_norms_fold_only_into_a_linear_conv_they_alone_read():
    model = _batch_norm_model()
    assert inference.foldable_batch_norms(model) == {"a_bn": "a", "b_bn": "b"}
    assert inference.foldable_batch_norms(keras.Sequential([keras.layers.Conv2D(2, 1)])) == {}


def test_folded_model_computes_the_same_function():
    model = _batch_norm_model()
    model = keras.Model(model.inputs, {"e": model.get_layer("e_bn").output, "d": model.get_layer("d_bn").output})
    assert inference.foldable_batch_norms(model) == {"a_bn": "a", "b_bn": "b", "e_bn": "out"}
    folded = inference.build(model, "float32")
    assert isinstance(folded.get_layer("a_bn"), inference.FoldedAway) and folded.get_layer("a").use_bias
    assert isinstance(folded.get_layer("c_bn"), keras.layers.BatchNormalization)
    x = tf.constant(np.random.default_rng(1).normal(size=(2, 12, 10, 3)), tf.float32)
    expected, actual = model(x, training=False), folded(x, training=False)
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], rtol=1e-4, atol=1e-5)
    assert len(folded.weights) < len(model.weights)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_rebuilt_model_computes_in_16_bits_keeps_float32_weights_and_no_global_state(extractor, policy):
    clone = inference.build(extractor, policy)
    assert keras.config.dtype_policy().name == "float32"
    assert all(layer.dtype_policy.name == "float32" for layer in extractor.layers)
    convs = [layer for layer in clone.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert convs and all(layer.dtype_policy.name == policy for layer in convs)
    assert all(weight.dtype == "float32" for weight in clone.weights)
    for mine, theirs in zip(clone.get_weights(), extractor.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    outputs = clone(tf.zeros([1, 16, 16, 3]))
    assert set(outputs) == {"conv2", "conv3"} and outputs["conv2"].dtype == policy.removeprefix("mixed_")


def test_nested_models_are_rebuilt_too():
    inner = keras.Sequential([keras.layers.Conv2D(4, 3, padding="same", name="inner_conv")], name="block")
    inputs = keras.Input((None, None, 3))
    outer = keras.Model(inputs, keras.layers.Conv2D(2, 1, name="head")(inner(inputs)))
    clone = inference.build(outer, "mixed_bfloat16")
    assert clone.get_layer("block").get_layer("inner_conv").dtype_policy.name == "mixed_bfloat16"
    assert clone(tf.zeros([1, 8, 8, 3])).dtype == "bfloat16"


@pytest.mark.parametrize("policy, tolerance", [("mixed_bfloat16", 0.1), ("mixed_float16", 0.04)])
@pytest.mark.parametrize("jit_compile", [False, True])
def test_mixed_gradients_match_float32(extractor, objective, reference, policy, tolerance, jit_compile):
    tiles, (expected, expected_values) = reference
    gradient_fn = steps.make_gradient_fn(inference.build(extractor, policy), objective, jit_compile=jit_compile)
    gradients, values = gradient_fn(tiles, tf.constant(0.0))
    assert gradients.dtype == tf.float32 and values["conv2"].dtype == tf.float32
    assert float(tf.norm(gradients - expected) / tf.norm(expected)) < tolerance
    for label in objective.labels:
        np.testing.assert_allclose(values[label], expected_values[label], rtol=0.02)


def test_float32_with_xla_matches_float32(extractor, objective, reference):
    tiles, (expected, _) = reference
    gradients, _ = steps.make_gradient_fn(extractor, objective, jit_compile=True)(tiles, tf.constant(1.0))
    blurred, _ = steps.make_gradient_fn(extractor, objective)(tiles, tf.constant(1.0))
    np.testing.assert_allclose(gradients, blurred, rtol=1e-3, atol=1e-4 * float(tf.reduce_max(tf.abs(expected))))


def test_dreamer_records_the_resolved_precision_and_rebuilds_from_config(saved_tiny_model, tiny_image):
    dreamer = Dreamer(saved_tiny_model, precision="mixed_bfloat16")
    assert dreamer.get_config()["precision"] == "mixed_bfloat16"
    assert Dreamer.from_config(dreamer.get_config()).precision == "mixed_bfloat16"
    assert Dreamer(saved_tiny_model, precision="auto").precision == inference.resolve("auto")
    options = dict(steps=3, octaves=(0,), tile_size=32, overlap=4, seed=0)
    mixed = dreamer.dream(tiny_image, **options).image.astype(float)
    exact = Dreamer(saved_tiny_model, precision="float32").dream(tiny_image, **options).image
    assert np.abs(mixed - exact).mean() < 1.0
    with pytest.raises(ValueError, match=r"Received: precision='float64'"):
        Dreamer(saved_tiny_model, precision="float64")


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_lambda_layers_are_shared_not_rebuilt(policy):
    inputs = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    norm = keras.layers.BatchNormalization(name="norm")(conv)
    doubled = keras.layers.Lambda(lambda x: 2.0 * x, name="double")(norm)
    model = keras.Model(inputs, doubled)
    rebuilt = inference.build(model, policy)
    assert rebuilt.get_layer("double") is model.get_layer("double")
    x = tf.ones([1, 8, 8, 3])
    np.testing.assert_allclose(tf.cast(rebuilt(x), tf.float32), model(x), rtol=2e-2, atol=1e-2)


def test_float32_keeps_each_layers_own_policy_when_folding():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.layers.Conv2D(2, 1, dtype="mixed_bfloat16", name="half")(x)
    rebuilt = inference.build(keras.Model(inputs, x), "float32")
    assert rebuilt.get_layer("conv").dtype_policy.name == "float32"
    assert rebuilt.get_layer("half").dtype_policy.name == "mixed_bfloat16"
