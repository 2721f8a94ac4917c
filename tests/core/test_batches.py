"""A batch of images dreamed together: one compiled step through the same tiles, octaves, history, sidecars
and checkpoints as one image."""

import json

import numpy as np
import pytest

from tfdream import Dreamer, objectives, testing
from tfdream.core import callbacks, checkpoints, memory, sidecar, tiling
from tfdream.io import sources

CHANNELS = (0, 3, 5)
OPTIONS = {"steps": 3, "octaves": (-1, 0), "tile_size": 32, "seed": 0}


@pytest.fixture(scope="module")
def model():
    return testing.tiny_model()


def _channels_dreamer(model, channels=CHANNELS, **options):
    objective = objectives.per_image([objectives.layer("conv3", channels=[c]) for c in channels])
    return Dreamer(model, objective, preprocessing="inception", **options)


def _alone(model, channel):
    return Dreamer(model, objectives.layer("conv3", channels=[channel]), preprocessing="inception")


def test_each_image_of_a_batch_on_a_photo_is_the_dream_of_its_objective_alone(model):
    photo = testing.sample_image(48, 56)
    batch = _channels_dreamer(model).dream(photo, **OPTIONS)
    assert batch.image.shape == (3, 48, 56, 3) and len(batch.members) == 3
    for member, channel in zip(batch.members, CHANNELS):
        alone = _alone(model, channel).dream(photo, **OPTIONS)
        assert np.abs(member.image.astype(int) - alone.image).max() <= 2  # batched arithmetic may round apart
        assert member.history.labels == alone.history.labels == (f"conv3[{channel}]",)
        np.testing.assert_allclose(member.history.values("total"), alone.history.values("total"), rtol=1e-3)
        assert member.member == channel_index(channel) and member.config == batch.config


def channel_index(channel):
    return CHANNELS.index(channel)


def test_from_noise_the_first_image_starts_as_one_dream_and_the_others_from_their_own_noise(model):
    batch = _channels_dreamer(model, channels=(2, 2, 2)).dream(None, size=(40, 40), **OPTIONS)
    alone = _alone(model, 2).dream(None, size=(40, 40), **OPTIONS)
    assert np.abs(batch.members[0].image.astype(int) - alone.image).max() <= 2
    images = batch.image.astype(int)
    assert np.abs(images[1] - images[0]).mean() > 5 and np.abs(images[2] - images[1]).mean() > 5
    again = _channels_dreamer(model, channels=(2, 2, 2)).dream(None, size=(40, 40), **OPTIONS)
    np.testing.assert_array_equal(again.image, batch.image)
    for member in batch.members:
        totals = member.history.values("total")
        assert totals[-1] > totals[0]


def test_the_history_has_every_term_and_each_image_its_shared_terms_values(model):
    objective = objectives.per_image([objectives.layer("conv3", channels=[1])] * 2) + objectives.diversity("conv2")
    result = Dreamer(model, objective, preprocessing="inception").dream(None, size=(32, 32), **OPTIONS)
    assert result.history.labels == ("#0:conv3[1]", "#1:conv3[1]", "diversity(conv2)", "#0:diversity(conv2)",
                                     "#1:diversity(conv2)")
    last = result.history.records[-1]
    shared = (last["#0:diversity(conv2)"] + last["#1:diversity(conv2)"]) / 2
    assert last["diversity(conv2)"] == pytest.approx(shared)
    own = result.members[1].history.records[-1]
    assert own["conv3[1]"] == last["#1:conv3[1]"] and own["diversity(conv2)"] == last["#1:diversity(conv2)"]
    assert own["total"] == pytest.approx(own["conv3[1]"] + own["diversity(conv2)"])


def test_diversity_pushes_the_images_of_one_unit_apart(model):
    unit = objectives.layer("conv3", channels=[4])
    options = dict(OPTIONS, steps=8, octaves=(0,), tile_size=None)
    plain = Dreamer(model, unit + 0.0 * objectives.diversity("conv2"), preprocessing="inception", batch=3)
    diverse = Dreamer(model, unit + 1.0 * objectives.diversity("conv2"), preprocessing="inception", batch=3)
    without = plain.dream(None, size=(32, 32), **options).history.values("diversity(conv2)")
    with_it = diverse.dream(None, size=(32, 32), **options).history.values("diversity(conv2)")
    assert with_it[-1] > without[-1] and with_it[-1] > with_it[0]


def test_a_batch_member_sidecar_reruns_its_batch_bit_identically(model, tmp_path):
    path = tmp_path / "tiny.keras"
    model.save(path)
    objective = objectives.per_image([objectives.layer("conv3", channels=[c]) for c in CHANNELS])
    result = Dreamer(str(path), objective, preprocessing="inception").dream(None, size=(40, 40), **OPTIONS)
    written = sidecar.save_run(result.members[2], tmp_path, "c5", sources.as_source(None, size=(40, 40)))
    record = json.loads(written["c5.json"].read_text())
    assert record["member"] == 2 and record["dreamer"]["batch"] == 3
    again = sidecar.rerun(written["c5.json"])
    assert again.member == 2
    np.testing.assert_array_equal(again.image, result.members[2].image)


@pytest.mark.parametrize("options", [{}, {"parameterization": "fourier", "optimizer": "adam", "step_size": 0.05}],
                         ids=["pixels", "fourier-adam"])
def test_a_stopped_batch_resumes_to_the_uninterrupted_images(model, tmp_path, options):
    dreamer = _channels_dreamer(model, channels=(1, 6))
    options = dict(OPTIONS, **options)
    whole = dreamer.dream(None, size=(40, 40), **options)
    noise = sources.as_source(None, size=(40, 40)).get_config()
    checkpointer = checkpoints.Checkpointer(tmp_path / "c.npz", source=noise, image_path=tmp_path / "c.png",
                                            every=None)
    stopped = dreamer.dream(None, size=(40, 40), callbacks=[callbacks.StopAfterSteps(4)], checkpoint=checkpointer,
                            **options)
    assert stopped.interrupted
    saved = checkpoints.load(tmp_path / "c.npz")
    assert saved.state.image.shape[0] == 2
    resumed = dreamer.dream(None, size=(40, 40), resume_from=saved.state, **options)
    np.testing.assert_array_equal(resumed.image, whole.image)
    assert resumed.history.records == whole.history.records


def test_batch_options_are_checked(model):
    with pytest.raises(ValueError, match=r"batch must be an int >= 3"):
        _channels_dreamer(model, batch=2)
    with pytest.raises(ValueError, match=r"batch must be an int >= 1"):
        Dreamer(model, "conv3", preprocessing="inception", batch=0)
    one = Dreamer(model, "conv3", preprocessing="inception")
    four = Dreamer(model, "conv3", preprocessing="inception", batch=4)
    shapes, config = [(64, 64)], one._dream_config(None, {"tile_size": None})[0]
    assert four.memory_estimate((64, 64), shapes, config).image_arrays == 4 * one.memory_estimate(
        (64, 64), shapes, config).image_arrays
    assert "batch=4" in repr(four) and four.get_config()["batch"] == 4
    with pytest.raises(memory.InsufficientMemoryError, match="a batch of 4 dreams of 2000x2000 pixels needs .* fewer "
                       "images in the batch"):
        memory.check(four.memory_estimate((2000, 2000), [(2000, 2000)], config), 10**8,
                     memory.dream_size((2000, 2000), 4), 4)


def test_the_tiles_of_a_batch_come_grid_position_by_position_with_their_images():
    images = [np.full((20, 20, 3), value, np.float32) for value in (1.0, 2.0, 3.0)]
    outs = [np.empty_like(image) for image in images]
    grid = tiling.make_grid((20, 20), 10)
    calls = []

    def gradient_fn(tiles, members):
        calls.append(members.tolist())
        assert np.array_equal(tiles[:, 0, 0, 0], members + 1.0)  # each tile read from its own image
        return tiles * 2, {"v": tiles.mean(axis=(1, 2, 3))}

    values, batch_size = tiling.tiled_gradient(images, gradient_fn, grid, (3, 7), 5, outs)
    assert batch_size == 3 and calls == [[0, 1, 2]] * 4  # 5 rounded down to whole positions of 3 images
    np.testing.assert_allclose(values["v"], [1.0, 2.0, 3.0])
    for image, out in zip(images, outs):
        np.testing.assert_allclose(out, image * 2)
