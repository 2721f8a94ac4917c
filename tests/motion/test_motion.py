"""Dreamed videos and the infinite zoom on a tiny model: outputs, coherence helpers, resume, errors."""

import csv
import io
import json
import signal
import subprocess
import sys

import numpy as np
import pytest

from tfdream import DreamConfig, Dreamer, motion, testing
from tfdream.core import callbacks, history
from tfdream.io import images, video

QUICK = DreamConfig(steps=2, octaves=(0,), tile_size=None, seed=3)


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    testing.sample_video(path, frames=8, height=48, width=64, fps=12, audio=True)
    return path


def frames_of(path):
    return [pixels for _, pixels in video.read_frames(path)]


def test_video_keeps_count_size_rate_audio_and_records_every_frame(tiny_dreamer, clip, tmp_path):
    result = motion.dream_video(tiny_dreamer, clip, tmp_path / "out.mp4", config=QUICK, later_steps=1)
    info = video.probe(result.path)
    assert (info.frames, info.width, info.height, info.fps, info.has_audio) == (8, 64, 48, 12, True)
    assert result.work_dir == tmp_path / "out.frames" and result.frames == 8 and not result.interrupted
    manifest = json.loads((result.work_dir / "manifest.json").read_text())
    frames = manifest["frames"]
    assert [frame["source_frame"] for frame in frames] == list(range(8))
    assert [frame["seed"] for frame in frames] == [motion.frame_seed(3, number) for number in range(8)]
    assert len(set(frame["seed"] for frame in frames)) == 8
    assert [frame["config"]["steps"] for frame in frames] == [2] + [1] * 7
    assert images.load_image(result.work_dir / frames[5]["file"]).shape == (48, 64, 3)
    with open(result.work_dir / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[:2] == ["frame", "octave"] and len(rows) == 2 + 7
    assert [row["frame"] for row in rows[:3]] == ["0", "0", "1"]
    document = json.loads((result.work_dir / "history.json").read_text())
    assert document["labels"] == ["conv2", "conv3"] and len(document["records"]) == 9
    assert frames[4]["steps_completed"] == 1 and set(frames[4]["losses"]) == {"total", "conv2", "conv3"}
    assert len(history.LossHistory.from_json(result.work_dir / frames[0]["history"])) == 2
    assert images.load_image(result.work_dir / "losses.png").shape[2] == 3


def test_frame_range_divides_the_rate_and_tiles_work(tiny_dreamer, clip, tmp_path):
    tiled = DreamConfig(steps=1, octaves=(0,), tile_size=32, overlap=4, seed=0)
    result = motion.dream_video(tiny_dreamer, clip, tmp_path / "out.gif", config=tiled, start=1, end=8, every=3,
                                      coherence="blend")
    info = video.probe(result.path)
    assert info.frames == 3 and result.fps == 4 and not info.has_audio
    manifest = json.loads((result.work_dir / "manifest.json").read_text())
    assert [frame["source_frame"] for frame in manifest["frames"]] == [1, 4, 7]


def test_max_dim_shrinks_frames_and_odd_sizes_are_padded(tiny_dreamer, clip, tmp_path):
    result = motion.dream_video(tiny_dreamer, clip, tmp_path / "out.mp4", config=QUICK, end=3, max_dim=45)
    assert images.load_image(result.work_dir / "frame_000002.png").shape == (34, 45, 3)
    info = video.probe(result.path)
    assert (info.width, info.height, info.frames) == (46, 34, 3)


@pytest.mark.parametrize("coherence", ["flow", "none"])
def test_resume_after_interruption_equals_uninterrupted_run(tiny_dreamer, clip, tmp_path, coherence):
    options = dict(config=QUICK, later_steps=1, coherence=coherence, blend=0.3)
    whole = motion.dream_video(tiny_dreamer, clip, tmp_path / "whole.mp4", **options)
    stopped = motion.dream_video(tiny_dreamer, clip, tmp_path / "parts.mp4", callbacks=[callbacks.StopAfterSteps(4)],
                                 **options)
    assert stopped.interrupted and stopped.path is None and stopped.frames == 2  # 2 + 1 steps, then mid-frame 2
    assert not (tmp_path / "parts.mp4").exists()
    resumed = motion.dream_video(tiny_dreamer, clip, tmp_path / "parts.mp4", **options)
    assert resumed.frames == 8
    for number in range(8):
        name = f"frame_{number:06d}.png"
        np.testing.assert_array_equal(images.load_image(whole.work_dir / name),
                                      images.load_image(resumed.work_dir / name))
    # Both videos encode the same PNGs; libx264 now and then gives other bytes for the same frames (docs/motion.md).
    whole_video, resumed_video = (np.stack(frames_of(path)).astype(np.float32) for path in (whole.path, resumed.path))
    assert np.abs(whole_video - resumed_video).mean() < 1.0


def test_flow_starts_closer_to_the_previous_dream_than_blending(clip):
    sources = [images.load_image(pixels) for pixels in frames_of(clip)[:2]]
    dreamed = sources[0].copy()
    dreamed[::6] = 255.0  # a pattern painted on the first frame, which should follow the pan
    flowed = motion.warp(dreamed, motion.optical_flow(sources[1], sources[0]))
    panned = np.roll(dreamed, -2, axis=1)  # the test video pans 2 px per frame
    inner = (slice(8, -8), slice(8, -8))
    assert np.abs(flowed - panned)[inner].mean() < 0.5 * np.abs(dreamed - panned)[inner].mean()


def test_flow_reliability_marks_content_entering_the_frame(clip):
    earlier, later = (images.load_image(pixels) for pixels in frames_of(clip)[:2])
    backward, forward = motion.optical_flow(later, earlier), motion.optical_flow(earlier, later)
    reliable = motion.flow_reliability(backward, forward)
    assert reliable.dtype == np.float32 and set(np.unique(reliable)) <= {0.0, 1.0}
    assert reliable[:, -1].mean() < 0.2  # the pan brings new content in at the right
    assert reliable[4:-4, 4:-8].mean() > 0.9


def test_warp_with_a_constant_flow_shifts():
    image = np.arange(5 * 6 * 3, dtype=np.float32).reshape(5, 6, 3)
    flow = np.zeros((5, 6, 2), np.float32)
    flow[..., 0] = 1.0
    np.testing.assert_array_equal(motion.warp(image, flow)[:, :-1], image[:, 1:])


def test_zoom_rotate_is_exact_without_motion_and_zooms_about_the_centre():
    image = testing.sample_image(33, 33).astype(np.float32)
    np.testing.assert_array_equal(motion.zoom_rotate(image, 1.0, 0.0), image)
    zoomed = motion.zoom_rotate(image, 2.0, 0.0)
    np.testing.assert_allclose(zoomed[16, 16], image[16, 16], atol=1e-3)
    np.testing.assert_allclose(zoomed[16, 18], image[16, 17], atol=1e-3)
    turned = motion.zoom_rotate(image, 1.0, 90.0)
    np.testing.assert_allclose(turned[16, 16 + 4], image[16 + 4, 16], atol=1e-3)


def test_zoom_writes_frames_and_in_betweens_and_resumes_identically(tiny_dreamer, tmp_path):
    options = dict(frames=4, zoom=1.1, rotate=2.0, size=(40, 48), config=QUICK, later_steps=1)
    whole = motion.dream_zoom(tiny_dreamer, None, tmp_path / "whole.mp4", interpolate=2, fps=10, **options)
    info = video.probe(whole.path)
    assert (info.frames, info.width, info.height, info.fps) == (4 + 3 * 2, 48, 40, 10) and whole.frames == 4
    stopped = motion.dream_zoom(tiny_dreamer, None, tmp_path / "parts.gif", callbacks=[callbacks.StopAfterSteps(4)],
                                **options)
    assert stopped.interrupted and stopped.frames == 2
    resumed = motion.dream_zoom(tiny_dreamer, None, tmp_path / "parts.gif", **options)
    assert video.probe(resumed.path).frames == 4
    for number in range(4):
        name = f"frame_{number:06d}.png"
        np.testing.assert_array_equal(images.load_image(whole.work_dir / name),
                                      images.load_image(resumed.work_dir / name))
    longer = motion.dream_zoom(tiny_dreamer, None, tmp_path / "parts.gif", overwrite=True, **dict(options, frames=5))
    assert longer.frames == 5 and video.probe(longer.path).frames == 5
    assert len(json.loads((longer.work_dir / "manifest.json").read_text())["frames"]) == 5


def test_zoom_from_an_image_array(tiny_dreamer, tiny_image, tmp_path):
    result = motion.dream_zoom(tiny_dreamer, tiny_image, tmp_path / "z.gif", frames=2, config=QUICK)
    assert video.probe(result.path).frames == 2
    manifest = json.loads((result.work_dir / "manifest.json").read_text())
    assert manifest["settings"]["input"]["array_shape"] == [48, 64, 3]


def test_work_dir_of_other_settings_is_refused(tiny_dreamer, clip, tmp_path):
    motion.dream_video(tiny_dreamer, clip, tmp_path / "out.mp4", config=QUICK, end=2, work_dir=tmp_path / "work")
    with pytest.raises(ValueError, match=r"^work_dir holds frames of a run with other blend: .*work'$"):
        motion.dream_video(tiny_dreamer, clip, tmp_path / "other.mp4", config=QUICK, end=2, blend=0.9,
                                 work_dir=tmp_path / "work")


def test_errors_come_before_any_work(tiny_dreamer, clip, tmp_path):
    empty = tmp_path / "empty.avi"
    testing.sample_video(empty, frames=0)
    with pytest.raises(video.VideoError, match="it has no frames"):
        motion.dream_video(tiny_dreamer, empty, tmp_path / "a.mp4", config=QUICK)
    not_video = tmp_path / "notes.txt"
    not_video.write_text("hello")
    with pytest.raises(video.VideoError, match="not a video file"):
        motion.dream_video(tiny_dreamer, not_video, tmp_path / "b.mp4", config=QUICK)
    with pytest.raises(ValueError, match=r"output must end in \.mp4 or \.gif"):
        motion.dream_video(tiny_dreamer, clip, tmp_path / "c.avi", config=QUICK)
    with pytest.raises(ValueError, match=r"^coherence must be one of .* Received: coherence='optical'$"):
        motion.dream_video(tiny_dreamer, clip, tmp_path / "d.mp4", coherence="optical")
    with pytest.raises(ValueError, match=r"^zoom must be a finite number > 0\. Received: zoom=0$"):
        motion.dream_zoom(tiny_dreamer, None, tmp_path / "e.mp4", size=(32, 32), zoom=0)
    batch = Dreamer(testing.tiny_model(), "conv3", preprocessing="inception", batch=2)
    with pytest.raises(ValueError, match=r"^a video dreams one image per frame: .* batch=2$"):
        motion.dream_video(batch, clip, tmp_path / "f.mp4", config=QUICK)
    with pytest.raises(ValueError, match=r"^a zoom dreams one image per frame"):
        motion.dream_zoom(batch, None, tmp_path / "g.mp4", size=(32, 32))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4", "empty.avi", "notes.txt"]


def test_frame_progress_counts_frames_and_eta():
    stream = io.StringIO()
    progress = motion.FrameProgress(stream)
    progress.begin(total=4, done=1)
    progress.frame_done(10.0)
    progress.frame_done(2.0)
    progress.end()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("frame 2/4 [") and "10.00 s/frame" in lines[0] and "ETA 0:00:20" in lines[0]
    assert lines[1].startswith("frame 3/4") and "2.00 s/frame" in lines[1] and "ETA 0:00:02" in lines[1]


def tfdream(*args) -> int:
    """Runs `tfdream ARGS` in this process (flags restored afterwards); returns the exit status."""
    from absl.testing import flagsaver  # pylint: disable=import-outside-toplevel

    from tfdream import cli  # pylint: disable=import-outside-toplevel

    with flagsaver.flagsaver(), pytest.raises(SystemExit) as exit_info:
        cli.run(["tfdream", *map(str, args)])
    return exit_info.value.code or 0


CLI_QUICK = ("--steps=2", "--octaves=0", "--seed=0", "--noprogress")


def test_cli_video_and_zoom(saved_tiny_model, clip, tmp_path):
    out = tmp_path / "dream.mp4"
    assert tfdream("video", clip, out, f"--model={saved_tiny_model}", *CLI_QUICK, "--later_steps=1",
                   "--coherence=flow", "--blend=0.4", "--every=2") == 0
    info = video.probe(out)
    assert (info.frames, info.fps, info.has_audio) == (4, 6, True)
    manifest = json.loads((tmp_path / "dream.frames" / "manifest.json").read_text())
    assert manifest["settings"]["blend"] == 0.4 and manifest["settings"]["later"]["steps"] == 1
    assert tfdream("zoom", out.with_suffix(".gif"), f"--model={saved_tiny_model}", *CLI_QUICK, "--size=32,40",
                   "--frames=3", "--zoom=1.2", "--interpolate=1", f"--work_dir={tmp_path / 'zoom'}") == 0
    assert video.probe(out.with_suffix(".gif")).frames == 5
    assert (tmp_path / "zoom" / "frame_000002.png").exists()


def test_cli_video_errors_are_usage_errors(saved_tiny_model, clip, tmp_path, caplog):
    (tmp_path / "notes.mp4").write_text("hello")
    assert tfdream("video", tmp_path / "notes.mp4", tmp_path / "a.mp4", f"--model={saved_tiny_model}", *CLI_QUICK) == 2
    assert tfdream("video", clip, tmp_path / "a.webm", f"--model={saved_tiny_model}", *CLI_QUICK) == 2
    assert tfdream("video", clip, f"--model={saved_tiny_model}", *CLI_QUICK) == 2  # only one file
    messages = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert "notes.mp4': not a video file" in messages[0]
    assert messages[1].startswith("output must end in .mp4 or .gif.") and messages[2].startswith("missing INPUT")
    assert not list(tmp_path.glob("*.frames"))


@pytest.mark.large  # two fresh processes; test_resume_after_interruption_equals_uninterrupted_run checks it in one
def test_cli_video_stopped_by_sigint_and_rerun_gives_the_uninterrupted_frames(saved_tiny_model, tmp_path):
    clip = tmp_path / "long.mp4"
    testing.sample_video(clip, frames=24, height=48, width=64)
    flags = (f"--model={saved_tiny_model}", "--steps=1", "--octaves=0", "--later_steps=1", "--seed=0")
    command = [sys.executable, "-m", "tfdream.cli", "video", str(clip), str(tmp_path / "parts.mp4"), *flags]
    process = subprocess.Popen(command, text=True, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        for line in process.stderr:
            if line.startswith("frame 3/24"):
                process.send_signal(signal.SIGINT)
                break
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    rerun = subprocess.run([*command, "--noprogress"], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert tfdream("video", clip, tmp_path / "whole.mp4", *flags, "--noprogress") == 0
    for number in range(24):
        name = f"frame_{number:06d}.png"
        np.testing.assert_array_equal(images.load_image(tmp_path / "whole.frames" / name),
                                      images.load_image(tmp_path / "parts.frames" / name))


def test_ctrl_c_keeps_finished_frames_and_exits_130(saved_tiny_model, clip, tmp_path):
    command = [sys.executable, "-m", "tfdream.cli", "video", str(clip), str(tmp_path / "out.mp4"),
               f"--model={saved_tiny_model}", "--steps=1", "--octaves=0", "--later_steps=1000000"]
    process = subprocess.Popen(command, text=True, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        for line in process.stderr:  # the frames progress line after the first (one-step) frame
            if line.startswith("frame 1/8"):
                break
        else:
            pytest.fail(f"no progress line; exit status {process.wait()}")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "run the same command again to continue" in stderr and "Traceback" not in stderr
    manifest = json.loads((tmp_path / "out.frames" / "manifest.json").read_text())
    assert len(manifest["frames"]) == 1 and not (tmp_path / "out.mp4").exists()


_STRATEGY_SCRIPT = """
import json, sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tfdream import DreamConfig, Dreamer, motion, testing
from tfdream.io import images

folder = sys.argv[1]
testing.sample_video(f"{folder}/clip.mp4", frames=3)
config = DreamConfig(steps=2, octaves=(0,), tile_size=32, overlap=4, seed=0)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
frames = {}
for name, where in (("one", None), ("two", strategy)):
    dreamer = Dreamer(testing.tiny_model(), {"conv2": 1.0}, preprocessing="inception", precision="float32",
                      strategy=where)
    result = motion.dream_video(dreamer, f"{folder}/clip.mp4", f"{folder}/{name}.mp4", config=config)
    frames[name] = [images.load_image(result.work_dir / f"frame_{n:06d}.png") for n in range(result.frames)]
print(json.dumps({"frames": len(frames["two"]),
                  "difference": max(float(np.abs(a - b).mean()) for a, b in zip(frames["one"], frames["two"]))}))
"""


def test_video_with_a_distribution_strategy(tmp_path):
    process = subprocess.run([sys.executable, "-c", _STRATEGY_SCRIPT, str(tmp_path)], capture_output=True,
                             text=True, timeout=300)
    assert process.returncode == 0, process.stderr[-3000:]
    report = json.loads(process.stdout.strip().splitlines()[-1])
    assert report["frames"] == 3 and report["difference"] < 0.5
