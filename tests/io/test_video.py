"""Video files through PyAV: probing, streaming frames, MP4/GIF writing, audio passthrough, clear errors."""

import fractions

import av
import numpy as np
import pytest

from tfdream import testing
from tfdream.io import images, video


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    testing.sample_video(path, frames=8, height=48, width=64, fps=12, audio=True)
    return path


def test_probe_reads_size_rate_count_and_audio(clip, tmp_path):
    info = video.probe(clip)
    assert (info.width, info.height, info.fps, info.frames, info.has_audio) == (64, 48, 12, 8, True)
    silent = tmp_path / "silent.mp4"
    testing.sample_video(silent, frames=3)
    assert not video.probe(silent).has_audio


def test_read_frames_streams_the_range(clip):
    frames = list(video.read_frames(clip, start=1, end=7, every=2))
    assert [index for index, _ in frames] == [1, 3, 5]
    assert all(pixels.shape == (48, 64, 3) and pixels.dtype == np.uint8 for _, pixels in frames)


def test_mp4_keeps_rate_count_and_copies_audio(clip, tmp_path):
    frames = [pixels for _, pixels in video.read_frames(clip)]
    out = video.write_video(tmp_path / "out.mp4", iter(frames), fractions.Fraction(12), audio_from=clip)
    info = video.probe(out)
    assert (info.width, info.height, info.fps, info.frames, info.has_audio) == (64, 48, 12, 8, True)
    with av.open(str(out)) as written, av.open(str(clip)) as source:
        assert written.streams.audio[0].codec_context.name == "aac"
        copied = sum(packet.size > 0 for packet in written.demux(audio=0))
        original = sum(packet.size > 0 for packet in source.demux(audio=0))
    assert copied >= original - 1  # at most the encoder's priming packet (negative time) is left out
    decoded = [pixels for _, pixels in video.read_frames(out)]
    assert np.abs(decoded[3].astype(int) - frames[3]).mean() < 6  # H.264 at crf 18


def test_odd_sizes_are_padded_to_even(tmp_path):
    frames = [np.full((47, 63, 3), 40 * index, np.uint8) for index in range(3)]
    out = video.write_video(tmp_path / "odd.mp4", frames, 10)
    info = video.probe(out)
    assert (info.width, info.height, info.frames) == (64, 48, 3)


def test_gif_keeps_size_count_and_colours(tmp_path):
    rng = np.random.default_rng(0)
    frames = [testing.sample_image(48, 64, seed) for seed in range(4)]
    frames[2] = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    out = video.write_video(tmp_path / "out.gif", frames, 10)
    info = video.probe(out)
    assert (info.width, info.height, info.frames, info.has_audio) == (64, 48, 4, False)
    decoded = [pixels for _, pixels in video.read_frames(out)]
    assert np.abs(decoded[1].astype(int) - frames[1]).mean() < 8  # dithered own palette; a wrong one: ~100
    assert np.abs(decoded[0].astype(int) - decoded[1]).mean() > 4


def test_write_is_atomic_and_refuses_existing(tmp_path):
    out = tmp_path / "out.mp4"

    def failing():
        yield np.zeros((16, 16, 3), np.uint8)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        video.write_video(out, failing(), 10)
    assert list(tmp_path.iterdir()) == []
    video.write_video(out, [np.zeros((16, 16, 3), np.uint8)], 10)
    with pytest.raises(images.OutputExistsError):
        video.write_video(out, [np.zeros((16, 16, 3), np.uint8)], 10)


def test_frames_of_other_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="first frame's shape"):
        video.write_video(tmp_path / "out.mp4", [np.zeros((16, 16, 3), np.uint8), np.zeros((8, 8, 3), np.uint8)], 10)


@pytest.mark.parametrize("name", ["out.avi", "out.png", "out"])
def test_unwritable_extension_is_one_line_error(tmp_path, name):
    with pytest.raises(ValueError, match=r"^output must end in \.mp4 or \.gif\. Received: output=.*$"):
        video.check_output(tmp_path / name)


def test_not_a_video_is_one_line_error(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("hello")
    with pytest.raises(video.VideoError, match=r"^Cannot read video '.*notes\.mp4': not a video file"):
        video.probe(text)
    with pytest.raises(video.VideoError, match="no such file"):
        video.probe(tmp_path / "missing.mp4")
    picture = images.save_image(testing.sample_image(), tmp_path / "picture.png")
    with pytest.raises(video.VideoError):  # a still image has no frame rate or is read as one frame at most
        list(video.read_frames(picture, start=1))


def test_video_without_frames_is_one_line_error(tmp_path):
    empty = tmp_path / "empty.avi"
    testing.sample_video(empty, frames=0)
    with pytest.raises(video.VideoError, match=r"^Cannot read video '.*empty\.avi': it has no frames\.$"):
        list(video.read_frames(empty))
