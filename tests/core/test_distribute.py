"""Tile batches spread over two replicas (two logical CPUs, set up in a fresh process) equal one device."""

import json
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tfdream import Dreamer, models, objectives, testing
    from tfdream.models import inference
    from tfdream.core import steps

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    objective = objectives.from_layers({"conv2": 1.0, "conv3": 0.5})
    extractor = models.feature_extractor(testing.tiny_model(), objective.layers)
    single = steps.make_gradient_fn(extractor, objective)
    spread = steps.make_gradient_fn(inference.build(extractor, "float32", strategy), objective, strategy=strategy)
    report = {"replicas": strategy.num_replicas_in_sync, "batches": {}}
    rng = np.random.default_rng(0)
    for n, size, sigma in [(1, 32, 0.0), (2, 40, 0.0), (3, 32, 1.0), (5, 24, 0.5)]:
        tiles = tf.constant(rng.uniform(-1, 1, (n, size, size, 3)), tf.float32)
        (g1, v1), (g2, v2) = single(tiles, tf.constant(sigma)), spread(tiles, tf.constant(sigma))
        report["batches"][n] = {
            "shape": list(g2.shape),
            "gradient_error": float(np.abs(g2 - g1).max() / np.abs(g1).max()),
            "value_error": max(float(np.abs(v2[k] - v1[k]).max()) for k in v1),
        }
    report["traces"] = spread.experimental_get_tracing_count()

    image = testing.sample_image(60, 80)
    options = dict(steps=2, octaves=(-1, 0), tile_size=32, overlap=4, seed=0)
    layers = {"conv2": 1.0, "conv3": 0.5}
    one = Dreamer(testing.tiny_model(), layers, preprocessing="inception", precision="float32").dream(image, **options)
    two = Dreamer(testing.tiny_model(), layers, preprocessing="inception", precision="float32",
                  strategy=strategy).dream(image, **options)
    report["dream_max_difference"] = int(np.abs(one.image.astype(int) - two.image).max())
    report["history_equal"] = bool(np.allclose(one.history.values("total"), two.history.values("total"), rtol=1e-5))

    units = objectives.per_image([objectives.layer("conv3", channels=[c]) for c in (1, 4, 7)])
    one = Dreamer(testing.tiny_model(), units, preprocessing="inception", precision="float32").dream(image, **options)
    two = Dreamer(testing.tiny_model(), units, preprocessing="inception", precision="float32",
                  strategy=strategy).dream(image, **options)
    report["batch_max_difference"] = int(np.abs(one.image.astype(int) - two.image).max())
    try:
        Dreamer(testing.tiny_model(), units + objectives.diversity("conv2"), preprocessing="inception",
                strategy=strategy)
    except ValueError as error:
        report["diversity_refused"] = str(error)
    print("REPORT" + json.dumps(report))
""")


@pytest.fixture(scope="module")
def report():
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("REPORT"))
    return json.loads(line.removeprefix("REPORT"))


def test_two_replicas_give_one_devices_gradients_in_order(report):
    assert report["replicas"] == 2
    for n, batch in report["batches"].items():
        assert batch["shape"][0] == int(n)
        assert batch["gradient_error"] < 1e-5 and batch["value_error"] < 1e-6


def test_spread_function_traces_once(report):
    assert report["traces"] == 1


def test_dream_on_two_replicas_equals_one_device(report):
    assert report["dream_max_difference"] <= 1 and report["history_equal"]


def test_a_batch_of_images_on_two_replicas_equals_one_device_and_comparisons_are_refused(report):
    assert report["batch_max_difference"] <= 1
    assert "compare the images of a batch cannot be combined with a strategy" in report["diversity_refused"]
