"""Checkpoints: a dream stopped in the middle of an octave or between octaves goes on to the same image."""

import numpy as np
import pytest

from tfdream import Dreamer
from tfdream.core import callbacks, checkpoints, sidecar
from tfdream.io import images

OPTIONS = dict(steps=3, octaves=(-1, 0), octave_scale=1.3, detail=True, seed=5)


@pytest.fixture
def dreamer(saved_tiny_model):
    return Dreamer(saved_tiny_model, layers={"conv2": 1.0, "conv3": 0.5})


@pytest.fixture
def photo(tmp_path, tiny_image):
    return images.save_image(tiny_image, tmp_path / "photo.png")


def _checkpointer(tmp_path, photo, every=None):
    return checkpoints.Checkpointer(checkpoints.checkpoint_path(tmp_path / "d.png"), every=every,
                                    source=sidecar.describe_input(photo), image_path=tmp_path / "d.png")


@pytest.mark.parametrize(("stopped_after", "where"), [(2, (0, 2)), (3, (0, 3)), (4, (1, 1))])
def test_a_resumed_dream_ends_bit_identical_to_an_uninterrupted_one(dreamer, photo, tmp_path, stopped_after, where):
    whole = dreamer.dream(photo, **OPTIONS)
    stopped = dreamer.dream(photo, callbacks=[callbacks.StopAfterSteps(stopped_after)],
                            checkpoint=_checkpointer(tmp_path, photo), **OPTIONS)
    assert stopped.interrupted and len(stopped.history) == stopped_after
    saved = checkpoints.load(tmp_path / "d.checkpoint.npz")
    assert (saved.state.octave, saved.state.step) == where  # (0, 3): between octaves, before detail reinjection
    assert saved.image_path == str((tmp_path / "d.png").resolve()) and saved.config["seed"] == 5

    resumed, checkpointer = sidecar.resume(tmp_path / "d.checkpoint.npz", checkpoint_every=None)
    assert not resumed.interrupted
    np.testing.assert_array_equal(resumed.image, whole.image)
    assert resumed.history.records == whole.history.records
    assert checkpointer.path == tmp_path / "d.checkpoint.npz"


def test_a_sidecar_names_the_checkpoint_to_resume_from(dreamer, photo, tmp_path):
    checkpointer = _checkpointer(tmp_path, photo)
    stopped = dreamer.dream(photo, callbacks=[callbacks.StopAfterSteps(1)], checkpoint=checkpointer, **OPTIONS)
    stopped.save(tmp_path / "d.png")
    sidecar.write(stopped, tmp_path / "d.png", checkpointer.source, checkpoint=checkpointer.path)
    assert sidecar.read(tmp_path / "d.json")["checkpoint"] == "d.checkpoint.npz"
    assert sidecar.find_checkpoint(tmp_path / "d.json") == tmp_path / "d.checkpoint.npz"
    finished = dreamer.dream(photo, **OPTIONS)
    sidecar.write(finished, tmp_path / "done.png", checkpointer.source)
    with pytest.raises(ValueError, match="names no checkpoint"):
        sidecar.find_checkpoint(tmp_path / "done.json")


def test_checkpoints_are_written_periodically(dreamer, photo, tmp_path):
    checkpointer = _checkpointer(tmp_path, photo, every=1e-9)  # due after every step
    dreamer.dream(photo, checkpoint=checkpointer, **OPTIONS)
    saved = checkpoints.load(checkpointer.path)
    assert (saved.state.octave, saved.state.step) == (1, 3) and len(saved.state.records) == 6
    checkpointer.remove()
    assert not checkpointer.path.exists()


def test_a_state_of_another_dream_is_refused(dreamer, photo, tmp_path):
    state = checkpoints.DreamState(0, 1, np.zeros((5, 5, 3), np.float32), {}, ())
    with pytest.raises(ValueError, match=r"resume_from does not fit this dream: octave 0, step 1, image \(5, 5, 3\)"):
        dreamer.dream(photo, resume_from=state, **OPTIONS)


def test_bad_checkpoint_files_and_arguments_are_named(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="cannot read checkpoint .*x.npz"):
        checkpoints.load(tmp_path / "x.npz")
    with pytest.raises(ValueError, match=r"every must be None or > 0 seconds\. Received: every=0"):
        checkpoints.Checkpointer(tmp_path / "c.npz", source={}, image_path=tmp_path / "d.png", every=0)
