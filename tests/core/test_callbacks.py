"""Tests of the progress bar, TensorBoard and Ctrl-C callbacks on a tiny dreamer."""

import io
import signal

import pytest
import tensorflow as tf

from tfdream.core import callbacks


class _RaiseSigintAt(callbacks.Callback):
    def __init__(self, step):
        self.step = step

    def on_step(self, record):
        if record["step"] == self.step:
            signal.raise_signal(signal.SIGINT)


def test_progress_bar_reports_each_octave_with_eta(tiny_dreamer, tiny_image):
    stream = io.StringIO()
    tiny_dreamer.dream(tiny_image, steps=3, octaves=(-1, 0), seed=0,
                       callbacks=[callbacks.ProgressBar(stream, interval=0, prefix="run ")])
    lines = stream.getvalue().splitlines()
    assert len(lines) == 6  # not a terminal: one line per update
    assert lines[0].startswith("run octave 1/2 step 1/3 [")
    assert "ETA" in lines[0] and "loss " in lines[0]
    assert lines[-1].startswith("run octave 2/2 step 3/3 [####################] 100%")
    assert lines[-1].endswith("ETA 0:00:00")


def test_progress_bar_throttles_but_shows_octave_ends(tiny_dreamer, tiny_image):
    stream = io.StringIO()
    tiny_dreamer.dream(tiny_image, steps=5, octaves=(0,), seed=0,
                       callbacks=[callbacks.ProgressBar(stream, interval=3600)])
    assert [line.split(" [")[0] for line in stream.getvalue().splitlines()] == [
        "octave 1/1 step 1/5", "octave 1/1 step 5/5"]


def test_tensorboard_logs_losses_and_images(tiny_dreamer, tiny_image, tmp_path):
    tiny_dreamer.dream(tiny_image, steps=2, octaves=(-1, 0), seed=0,
                       callbacks=[callbacks.TensorBoard(tmp_path / "logs")])
    (events,) = (tmp_path / "logs").glob("events.out.tfevents.*")
    tags = {}
    for event in tf.compat.v1.train.summary_iterator(str(events)):
        for value in event.summary.value:
            tags.setdefault(value.tag, []).append(event.step)
    assert tags["loss/total"] == [0, 1, 2, 3]
    assert tags["loss/conv2"] == tags["loss/conv3"] == [0, 1, 2, 3]
    assert tags["octave"] == [2, 4]
    assert tags["dream"] == [4]


def test_stop_on_interrupt_ends_after_the_current_step(tiny_dreamer, tiny_image):
    before = signal.getsignal(signal.SIGINT)
    with callbacks.StopOnInterrupt() as stop:
        result = tiny_dreamer.dream(tiny_image, steps=10, octaves=(-1, 0), seed=0,
                                    callbacks=[_RaiseSigintAt(1), stop])
    assert stop.interrupted and result.interrupted
    assert len(result.history) == 2
    assert result.image.shape == tiny_image.shape
    assert signal.getsignal(signal.SIGINT) is before


class _Log(callbacks.Callback):
    def __init__(self, name, log, stop=False):
        self.name, self.log, self.stop = name, log, stop

    def on_begin(self, config, shapes):
        self.log.append((self.name, "begin"))

    def on_step(self, record):
        self.log.append((self.name, record["step"]))

    def should_stop(self):
        return self.stop


def test_callback_list_calls_each_in_order_and_stops_when_any_asks():
    log = []
    both = callbacks.CallbackList([_Log("a", log), _Log("b", log)])
    both.on_begin(None, [(8, 8)])
    both.on_step({"step": 0})
    both.on_octave_end(0, None)  # a default hook: nothing happens
    assert log == [("a", "begin"), ("b", "begin"), ("a", 0), ("b", 0)]
    assert not both.should_stop() and callbacks.CallbackList([_Log("a", log), _Log("c", log, stop=True)]).should_stop()
    assert not callbacks.CallbackList() and both


def test_step_timer_measures_the_steps_after_the_first(tiny_dreamer, tiny_image):
    timer = callbacks.StepTimer()
    tiny_dreamer.dream(tiny_image, steps=3, octaves=(0,), seed=0, callbacks=[timer])
    assert len(timer.times) == 3 and timer.seconds_per_step > 0
    with pytest.raises(ValueError, match="at least two steps"):
        callbacks.StepTimer().seconds_per_step


def test_second_interrupt_aborts():
    with callbacks.StopOnInterrupt() as stop:
        signal.raise_signal(signal.SIGINT)
        assert stop.should_stop()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_termination_signals_stop_like_ctrl_c_and_restore_their_handlers(signum, status):
    before = signal.getsignal(signum)
    with callbacks.StopOnInterrupt() as stop:
        assert stop.exit_status == 0
        signal.raise_signal(signum)
        assert stop.should_stop() and stop.signum == signum and stop.exit_status == status
        with pytest.raises(callbacks.Aborted, match="aborted by SIGINT") as info:  # any second signal aborts
            signal.raise_signal(signal.SIGINT)
        assert info.value.signum == signal.SIGINT
    assert signal.getsignal(signum) is before


class _Images(callbacks.Callback):
    image_every = 2

    def __init__(self):
        self.seen = []

    def on_image(self, octave, step, image):
        self.seen.append((octave, step, image.shape, str(image.dtype)))


def test_on_image_gets_every_few_steps_image_at_the_octave_size_and_leaves_the_dream_alone(tiny_dreamer, tiny_image):
    plain = tiny_dreamer.dream(tiny_image, steps=5, octaves=(-1, 0), seed=0)
    watcher = _Images()
    watched = tiny_dreamer.dream(tiny_image, steps=5, octaves=(-1, 0), seed=0,
                                 callbacks=[callbacks.CallbackList([watcher])])
    small = tuple(round(side / 1.3) for side in tiny_image.shape[:2])
    assert [seen[:2] for seen in watcher.seen] == [(0, 1), (0, 3), (1, 1), (1, 3)]
    assert watcher.seen[0][2] == (*small, 3) and watcher.seen[-1][2] == (*tiny_image.shape[:2], 3)
    assert {seen[3] for seen in watcher.seen} == {"uint8"}
    assert (watched.image == plain.image).all()


def test_dream_progress_counts_the_work_of_each_octave_by_its_pixels(tiny_dreamer, tiny_image):
    class Fractions(callbacks.DreamProgress):
        def on_step(self, record):
            super().on_step(record)
            self.seen = [*getattr(self, "seen", []), (self.where(), self.fraction)]

    progress = Fractions()
    tiny_dreamer.dream(tiny_image, steps=2, octaves=(-1, 0), seed=0, callbacks=[progress])
    small, full = (round(side / 1.3) for side in tiny_image.shape[:2]), tiny_image.shape[:2]
    small_pixels = int.__mul__(*small)
    total = 2 * (small_pixels + full[0] * full[1])
    assert [where for where, _ in progress.seen] == ["octave 1/2 step 1/2", "octave 1/2 step 2/2",
                                                     "octave 2/2 step 1/2", "octave 2/2 step 2/2"]
    assert progress.seen[1][1] == pytest.approx(2 * small_pixels / total)
    assert progress.seen[-1][1] == 1.0 and progress.eta == 0.0
