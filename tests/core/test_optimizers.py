"""Dreams through a parameterization: Adam and ascent on parameters, transforms in the step, reruns, memory."""

import dataclasses

import numpy as np
import pytest

from tfdream import DreamConfig, Dreamer, models, parameterizations
from tfdream.core import callbacks, checkpoints, memory, optimizers, sidecar
from tfdream.io import images

ROBUST = {"parameterization": "fourier", "decorrelate": True, "squash": "sigmoid", "optimizer": "adam",
          "step_size": 0.05, "transforms": "pad(4) + jitter(4) + scale(0.9, 1.1) + rotate(10) + jitter(2)"}


@pytest.mark.parametrize("options", [
    ROBUST,
    {"optimizer": "adam", "step_size": 0.02},
    {"parameterization": "fourier", "step_size": 0.05},
    {"decorrelate": True, "squash": "sigmoid", "step_size": 0.2},
    {"transforms": "jitter(3) + rotate(5)"},
], ids=["robust", "adam", "fourier", "colour", "transforms"])
def test_every_option_dreams_through_tiles_and_octaves_and_raises_the_objective(tiny_dreamer, options):
    result = tiny_dreamer.dream(None, size=(48, 48), seed=0, steps=6, octaves=(-1, 0), tile_size=32, **options)
    assert result.image.shape == (48, 48, 3) and len(result.history) == 12
    totals = result.history.values("total")
    assert totals[-1] > totals[6] and np.isfinite(totals).all()
    again = tiny_dreamer.dream(None, size=(48, 48), seed=0, steps=6, octaves=(-1, 0), tile_size=32, **options)
    np.testing.assert_array_equal(again.image, result.image)


def test_the_default_dream_is_the_pixel_ascent_and_options_change_it(tiny_dreamer, tiny_image):
    assert DreamConfig().pixel_ascent and not DreamConfig(optimizer="adam").pixel_ascent
    plain = tiny_dreamer.dream(tiny_image, steps=2, octaves=(0,), tile_size=32, seed=0)
    jittered = tiny_dreamer.dream(tiny_image, steps=2, octaves=(0,), tile_size=32, seed=0, transforms="jitter(4)")
    assert not np.array_equal(plain.image, jittered.image)


def test_a_sidecar_records_every_option_and_reruns_bit_identically(saved_tiny_model, tmp_path):
    from tfdream import Dreamer

    np.save(tmp_path / "colours.npy", parameterizations.color_correlation_sqrt([images.load_image(
        np.random.default_rng(0).uniform(0, 255, (16, 16, 3)).astype(np.uint8))]))
    config = DreamConfig(steps=3, octaves=(-1, 0), tile_size=32, seed=4, color_matrix=str(tmp_path / "colours.npy"),
                         decay=1.5, **ROBUST)
    result = Dreamer(str(saved_tiny_model)).dream(None, size=(40, 40), config=config)
    written = sidecar.save_run(result, tmp_path, "dream", sidecar.describe_input(None, size=(40, 40)))
    record = sidecar.read(written["dream.json"])
    assert record["config"] == {**config.get_config(), "overlap": 0} and record["config"]["decay"] == 1.5
    assert record["config"]["transforms"] == "pad(4) + jitter(4) + scale(0.9, 1.1) + rotate(10.0) + jitter(2)"
    np.testing.assert_array_equal(sidecar.rerun(written["dream.json"]).image, result.image)


def test_adam_follows_its_update_rule():
    preprocessing = models.PREPROCESSING["identity"]
    parameterization = parameterizations.Parameterization("pixel", preprocessing)
    image = np.full((2, 2, 3), 100.0, np.float32)
    step = optimizers.ParameterStep(parameterization, image, "adam", 0.01, "std")
    start = step.parameters.copy()
    gradient = np.linspace(-1, 1, 12, dtype=np.float32).reshape(2, 2, 3)
    step.step(image, gradient.copy())
    # The first bias-corrected Adam step moves every parameter by the learning rate in the gradient's direction.
    np.testing.assert_allclose(step.parameters - start, 0.01 * np.sign(gradient) * (gradient != 0), atol=1e-6)
    np.testing.assert_allclose(image, parameterization.decode(step.parameters, (2, 2)))


def test_bad_options_name_the_argument(tiny_dreamer, tmp_path):
    for options, message in [
        ({"parameterization": "wavelet"}, r"parameterization must be one of \('pixel', 'fourier'\)"),
        ({"optimizer": "sgd"}, r"optimizer must be one of \('ascent', 'adam'\). Received: optimizer='sgd'"),
        ({"squash": "tanh"}, r"squash must be one of"), ({"decay": -1}, r"decay must be in \[0, 4\]"),
        ({"transforms": "blur(3)"}, r"transforms must be \['jitter', 'pad', 'rotate', 'scale'\] calls"),
    ]:
        with pytest.raises(ValueError, match=message):
            DreamConfig(**options)
    with pytest.raises(ValueError, match=r"color_matrix must be \"imagenet\" or a .npy file"):
        tiny_dreamer.dream(None, size=(32, 32), decorrelate=True, color_matrix=str(tmp_path / "none.npy"))


@pytest.mark.parametrize("stopped_after", [3, 7])  # inside the first octave; inside the second
def test_a_stopped_robust_dream_resumes_to_the_uninterrupted_bits(saved_tiny_model, tmp_path, stopped_after):
    dreamer = Dreamer(saved_tiny_model, layers={"conv2": 1.0, "conv3": 0.5})
    options = dict(ROBUST, steps=5, octaves=(-1, 0), tile_size=32, seed=3)
    whole = dreamer.dream(None, size=(48, 48), **options)
    checkpointer = checkpoints.Checkpointer(checkpoints.checkpoint_path(tmp_path / "d.png"), every=None,
                                            source=sidecar.describe_input(None, size=(48, 48)),
                                            image_path=tmp_path / "d.png")
    stopped = dreamer.dream(None, size=(48, 48), callbacks=[callbacks.StopAfterSteps(stopped_after)],
                            checkpoint=checkpointer, **options)
    assert stopped.interrupted
    saved = checkpoints.load(checkpointer.path)
    assert set(saved.state.optimizer) == {"parameters", "steps", "first_moment", "second_moment"}
    resumed, _ = sidecar.resume(checkpointer.path, checkpoint_every=None)
    np.testing.assert_array_equal(resumed.image, whole.image)
    assert resumed.history.records == whole.history.records


def test_a_parameterized_dream_refuses_a_state_without_its_optimizer(tiny_dreamer):
    state = checkpoints.DreamState(0, 1, np.zeros((32, 32, 3), np.float32), {}, ())
    with pytest.raises(ValueError, match=r"resume_from holds no optimizer state"):
        tiny_dreamer.dream(None, size=(32, 32), steps=2, octaves=(0,), seed=0, optimizer="adam", resume_from=state)
    step = optimizers.ParameterStep(parameterizations.Parameterization("pixel", models.PREPROCESSING["inception"]),
                                    np.zeros((4, 4, 3), np.float32), "adam", 0.1, "std")
    with pytest.raises(ValueError, match=r"does not fit this dream's adam over parameters of shape"):
        step.restore({"parameters": np.zeros((2, 2, 3)), "steps": np.asarray(1)})


def test_the_memory_estimate_counts_the_parameters_and_holds_a_fourier_step():
    plain = memory.estimate((10, 10), [(10, 10)], 25, 1, 0)
    adam = memory.estimate((10, 10), [(10, 10)], 25, 1, 0, parameters="adam")
    assert adam.image_arrays - plain.image_arrays == 12 * memory.PARAMETER_ARRAYS["adam"] * 100

    import tracemalloc

    shape = (384, 384)
    parameterization = parameterizations.Parameterization(
        "fourier", models.PREPROCESSING["inception"], color=parameterizations.IMAGENET_COLOR_SQRT, squash="sigmoid")
    for optimizer in ("ascent", "adam"):
        image = np.random.default_rng(0).uniform(-0.9, 0.9, (*shape, 3)).astype(np.float32)
        gradient = np.random.default_rng(1).normal(size=(*shape, 3)).astype(np.float32)
        tracemalloc.start()
        step = optimizers.ParameterStep(parameterization, image, optimizer, 0.05, "std")
        for _ in range(2):
            step.step(image, gradient)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        budget = 12 * memory.PARAMETER_ARRAYS[optimizer] * shape[0] * shape[1]
        assert 0.6 * budget < peak <= budget, (optimizer, peak / (12 * shape[0] * shape[1]))


def test_a_4096_fourier_dream_is_bounded_by_its_tiles_not_its_size(tiny_dreamer):
    config = dataclasses.replace(DreamConfig(**ROBUST), octaves=(0,), tile_size=512)
    shapes = [(4096, 4096)]
    fourier = tiny_dreamer.memory_estimate((4096, 4096), shapes, config)
    untiled = tiny_dreamer.memory_estimate((4096, 4096), shapes, dataclasses.replace(config, tile_size=None))
    assert fourier.tiles < untiled.tiles / 10  # one batch of four 512-pixel tiles, not one 4096^2 tile
    assert fourier.image_arrays == pytest.approx(12 * 4096**2 * (1 + 3 + memory.PARAMETER_ARRAYS["adam"]), rel=0.01)
