"""Tests for tfdream.images; every input file is generated here, under tmp_path."""

import io
import logging
import os
import stat

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from tfdream.io import images

WHITE, BLACK, RED, GREEN, BLUE = (255,) * 3, (0,) * 3, (255, 0, 0), (0, 255, 0), (0, 0, 255)


def _gray(value):
    return (value,) * 3


def _palette(transparency=None):
    """2x2 P image, indices [[0, 1], [2, 1]] -> [[red, green], [blue, green]]."""
    img = Image.frombytes("P", (2, 2), bytes([0, 1, 2, 1]))
    img.putpalette([*RED, *GREEN, *BLUE])
    if transparency is not None:
        img.info["transparency"] = transparency
    return img


def _palette_alpha():
    """The palette image as PA, its top-right pixel fully transparent."""
    img = _palette().convert("PA")
    img.putalpha(Image.frombytes("L", (2, 2), bytes([255, 0, 255, 255])))
    return img


def _gray_transparent():
    img = Image.fromarray(np.array([[5, 6]], np.uint8))
    img.info["transparency"] = 5
    return img


def _animation(count=3):
    return [Image.new("RGB", (4, 3), (40 * (i + 1), 0, 255 - 40 * i)) for i in range(count)]


def _encoded(img, fmt, **options):
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


# (file name, image factory, expected (H, W) nested lists of RGB tuples); lossless formats only.
EXACT_FILES = [
    ("gray.png", lambda: Image.new("L", (3, 2), 77), [[_gray(77)] * 3] * 2),
    ("bilevel.png", lambda: Image.frombytes("1", (2, 1), bytes([0b01000000])), [[BLACK, WHITE]]),
    ("gray_alpha.png", lambda: Image.fromarray(np.array([[[100, 255], [100, 0]]], np.uint8), "LA"),
     [[_gray(100), WHITE]]),
    ("gray_transparency_key.png", _gray_transparent, [[WHITE, _gray(6)]]),
    ("palette.png", _palette, [[RED, GREEN], [BLUE, GREEN]]),
    ("palette_transparent.png", lambda: _palette(transparency=1), [[RED, WHITE], [BLUE, WHITE]]),
    ("palette_transparent.gif", lambda: _palette(transparency=1), [[RED, WHITE], [BLUE, WHITE]]),
    ("palette_alpha.tif", _palette_alpha, [[RED, WHITE], [BLUE, GREEN]]),
    ("rgb.png", lambda: Image.new("RGB", (1, 1), (1, 2, 3)), [[(1, 2, 3)]]),
    ("rgba.png", lambda: Image.fromarray(
        np.array([[[9, 9, 9, 0], [0, 0, 0, 255], [0, 0, 0, 51]]], np.uint8), "RGBA"),
     [[WHITE, BLACK, _gray(204)]]),
    ("cyan.tif", lambda: Image.new("CMYK", (1, 1), (255, 0, 0, 0)), [[(0, 255, 255)]]),
    ("sixteen.png", lambda: Image.fromarray(np.array([[65535, 257 * 77, 0]], np.uint16)),
     [[WHITE, _gray(77), BLACK]]),
    ("int32.tif", lambda: Image.fromarray(np.array([[65535, 257 * 7, 70000, -5]], np.int32)),
     [[WHITE, _gray(7), WHITE, BLACK]]),
    ("float_unit.tif", lambda: Image.fromarray(np.array([[0.0, 0.2, 1.0]], np.float32)),
     [[BLACK, _gray(51), WHITE]]),
    ("float_wide.tif", lambda: Image.fromarray(np.array([[-3.0, 100.0, 300.0]], np.float32)),
     [[BLACK, _gray(100), WHITE]]),
]


@pytest.mark.parametrize("name, factory, expected", EXACT_FILES, ids=[c[0] for c in EXACT_FILES])
def test_load_image_converts_every_mode_to_rgb(tmp_path, name, factory, expected):
    path = tmp_path / name
    factory().save(path)
    result = images.load_image(path)
    assert result.dtype == np.float32 and result.flags.c_contiguous
    np.testing.assert_allclose(result, np.array(expected, np.float32), atol=0.51)


def test_load_image_converts_a_ycbcr_image():
    # In memory: Pillow 12 cannot read back the YCbCr TIFFs it writes ("image file is truncated").
    result = images.load_image(Image.new("YCbCr", (1, 1), (128, 128, 128)))
    np.testing.assert_allclose(result, np.array([[_gray(128)]], np.float32), atol=0.51)


def test_load_image_i16_keeps_16_bit_precision(tmp_path):
    path = tmp_path / "ramp.png"
    Image.fromarray(np.array([[1, 128, 32768]], np.uint16)).save(path)
    np.testing.assert_allclose(images.load_image(path)[0, :, 0],
                               np.array([1, 128, 32768]) * 255 / 65535, rtol=1e-6)


def test_load_image_cmyk_jpeg_is_approximately_cyan(tmp_path):
    path = tmp_path / "cyan.jpg"
    Image.new("CMYK", (8, 8), (255, 0, 0, 0)).save(path, quality=100)
    np.testing.assert_allclose(images.load_image(path)[4, 4], (0, 255, 255), atol=3)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_load_image_applies_exif_orientation(tmp_path, suffix):
    pixels = np.zeros((2, 3, 3), np.uint8)
    pixels[0, 0] = 255                                    # top-left is white
    exif = Image.Exif()
    exif[0x0112] = 6                                      # "rotate 90 degrees clockwise to display"
    path = tmp_path / f"rotated{suffix}"
    Image.fromarray(pixels).save(path, exif=exif, **({"quality": 100} if suffix == ".jpg" else {}))
    result = images.load_image(path)
    assert result.shape == (3, 2, 3)
    if suffix == ".png":                                  # lossless: check where the pixel went
        np.testing.assert_array_equal(result, np.rot90(pixels, k=-1))


@pytest.mark.parametrize("name, options", [
    ("anim.gif", {}), ("anim.webp", {"lossless": True}), ("anim.png", {})])
def test_load_image_animated_reads_first_frame_and_warns(tmp_path, caplog, name, options):
    frames = _animation(3)
    path = tmp_path / name
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, **options)
    with caplog.at_level(logging.WARNING, logger=images.__name__):
        result = images.load_image(path)
    np.testing.assert_allclose(result, np.asarray(frames[0], np.float32), atol=2)
    (record,) = caplog.records
    assert name in record.getMessage() and "3 frames" in record.getMessage()


def test_load_image_single_frame_does_not_warn(tmp_path, caplog):
    path = tmp_path / "still.gif"
    _palette().save(path)
    with caplog.at_level(logging.WARNING, logger=images.__name__):
        images.load_image(path)
    assert not caplog.records


def _truncated(fmt, fraction):
    rng = np.random.default_rng(0)
    data = _encoded(Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)), fmt)
    return data[: int(len(data) * fraction)]


def _corrupt_png():
    data = bytearray(_encoded(Image.new("RGB", (32, 32), RED), "PNG"))
    data[60:70] = b"\xff" * 10                           # inside IDAT: bad CRC / zlib data
    return bytes(data)


# (file name, file content, words the message must contain besides the file name).
BAD_FILES = [
    ("truncated.jpg", _truncated("JPEG", 0.5), "(image file is truncated"),
    ("truncated.png", _truncated("PNG", 0.5), "(image file is truncated"),
    ("header_only.png", _truncated("PNG", 0.05), "(image file is truncated"),
    ("corrupt.png", _corrupt_png(), "(broken data stream"),
    ("empty.jpg", b"", "empty (0 bytes)"),
    ("notes.jpg", b"this is a text file, not a photo\n", "not a recognized image"),
    ("random.png", bytes(range(256)) * 4, "not a recognized image"),
]


@pytest.mark.parametrize("name, content, words", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_load_image_bad_file_raises_one_line_image_error(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(images.ImageError) as info:
        images.load_image(path)
    message = str(info.value)
    assert f"Cannot load image '{path}': " in message and words in message and "\n" not in message


def test_load_image_directory_and_missing_file(tmp_path):
    with pytest.raises(images.ImageError, match="is a directory") as info:
        images.load_image(tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(images.ImageError, match="no such file") as info:
        images.load_image(tmp_path / "missing.png")
    assert "missing.png" in str(info.value)


def test_load_image_errors_chain_the_pillow_cause(tmp_path):
    path = tmp_path / "truncated.jpg"
    path.write_bytes(_truncated("JPEG", 0.5))
    with pytest.raises(images.ImageError) as info:
        images.load_image(path)
    assert isinstance(info.value.__cause__, OSError)
    assert isinstance(info.value, ValueError)


@pytest.fixture
def small_pixel_limit(monkeypatch):
    """Lowers Pillow's decompression-bomb limit to 1000 pixels for one test."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    return 1000


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [60, 100])              # beyond 1x and beyond 2x the limit
def test_load_image_bomb_sized_image(tmp_path, small_pixel_limit, side):
    path = tmp_path / "bomb.png"
    Image.new("RGB", (side, side // 2), RED).save(path)
    pixels = side * (side // 2)
    with pytest.raises(images.ImageError) as info:
        images.load_image(path)
    message = str(info.value)
    for words in ("bomb.png", f"{pixels} pixels", f"limit of {small_pixel_limit}",
                  "allow_large=True", "max_dim=N"):
        assert words in message
    full = images.load_image(path, allow_large=True)
    assert full.shape == (side // 2, side, 3)
    small = images.load_image(path, max_dim=10)
    assert small.shape == (5, 10, 3)
    np.testing.assert_allclose(small, np.broadcast_to(RED, small.shape), atol=0.01)
    assert Image.MAX_IMAGE_PIXELS == small_pixel_limit  # no lasting change


def test_load_image_pixel_limit_restored_after_failure(tmp_path, small_pixel_limit):
    path = tmp_path / "big_truncated.png"
    path.write_bytes(_truncated("PNG", 0.5))             # 4096 pixels
    with pytest.raises(images.ImageError):
        images.load_image(path, allow_large=True)
    assert Image.MAX_IMAGE_PIXELS == small_pixel_limit


def test_load_image_max_dim_decodes_jpeg_in_draft_mode(tmp_path, monkeypatch):
    drafts = []
    original = JpegImagePlugin.JpegImageFile.draft

    def recording_draft(self, mode, size):
        drafts.append(original(self, mode, size))
        return drafts[-1]

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", recording_draft)
    path = tmp_path / "large.jpg"
    Image.new("RGB", (800, 400), (0, 128, 255)).save(path, quality=95)
    result = images.load_image(path, max_dim=100)
    assert result.shape == (50, 100, 3)
    (_, scaled_box), = drafts                              # decoded at 1/4 or 1/8 of the size
    assert scaled_box[2] < 800
    np.testing.assert_allclose(result[25, 50], (0, 128, 255), atol=3)


@pytest.mark.parametrize("name, size, max_dim, shape", [
    ("small.png", (30, 20), 30, (20, 30, 3)),            # already small enough: untouched
    ("tall.png", (20, 30), 15, (15, 10, 3)),
    ("sliver.jpg", (2000, 8), 10, (1, 10, 3)),           # the short side never reaches 0
])
def test_load_image_max_dim_shapes(tmp_path, name, size, max_dim, shape):
    path = tmp_path / name
    Image.new("L", size, 90).save(path)
    result = images.load_image(path, max_dim=max_dim)
    assert result.shape == shape
    np.testing.assert_allclose(result, 90, atol=2)


@pytest.mark.parametrize("max_dim", [0, -5, 2.5, True, "64"])
def test_load_image_rejects_bad_max_dim(max_dim):
    with pytest.raises(ValueError, match=f"max_dim={max_dim!r}".replace(".", r"\.")):
        images.load_image(np.zeros((4, 4), np.uint8), max_dim=max_dim)


def test_load_image_rejects_unsupported_source_type():
    with pytest.raises(TypeError, match="source of type list"):
        images.load_image([[1, 2], [3, 4]])


def test_load_image_accepts_pil_images():
    img = Image.fromarray(np.array([[[0, 0, 0, 0], [1, 2, 3, 255]]], np.uint8), "RGBA")
    np.testing.assert_array_equal(images.load_image(img), [[WHITE, (1, 2, 3)]])


# (array, expected output) for accepted numpy inputs.
GOOD_ARRAYS = [
    (np.full((2, 3), 77, np.uint8), np.full((2, 3, 3), 77.0)),
    (np.full((2, 3, 1), 5, np.uint8), np.full((2, 3, 3), 5.0)),
    (np.full((1, 1, 3), 65535, np.uint16), np.full((1, 1, 3), 255.0)),
    (np.array([[[0.5, 254.5, 255.0]]], np.float64), np.array([[[0.5, 254.5, 255.0]]])),
    (np.array([[[10, 20, 30, 0], [10, 20, 30, 255]]], np.uint8), np.array([[WHITE, (10, 20, 30)]])),
    (np.arange(12, dtype=np.float16).reshape(2, 2, 3)[:, ::-1],          # not contiguous
     np.arange(12, dtype=np.float32).reshape(2, 2, 3)[:, ::-1]),
]


@pytest.mark.parametrize("array, expected", GOOD_ARRAYS)
def test_load_image_accepts_arrays(array, expected):
    result = images.load_image(array)
    assert result.dtype == np.float32 and result.flags.c_contiguous
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    assert not np.shares_memory(result, array)


# (array, words the ValueError message must contain).
BAD_ARRAYS = [
    (np.zeros(5, np.uint8), r"image.shape=\(5,\)"),
    (np.zeros((1, 2, 2, 3), np.uint8), r"image.shape=\(1, 2, 2, 3\)"),
    (np.zeros((2, 2, 2), np.uint8), r"image.shape=\(2, 2, 2\)"),
    (np.zeros((2, 2, 5), np.uint8), r"image.shape=\(2, 2, 5\)"),
    (np.zeros((0, 4, 3), np.uint8), r"not be empty.*image.shape=\(0, 4, 3\)"),
    (np.zeros((2, 2, 3), np.int64), "image.dtype=int64"),
    (np.zeros((2, 2, 3), bool), "image.dtype=bool"),
    (np.zeros((2, 2, 3), np.complex64), "image.dtype=complex64"),
    (np.full((2, 2, 3), np.nan, np.float32), "image contains NaN"),
    (np.full((2, 2, 3), np.inf, np.float32), "image contains NaN or infinite"),
    (np.full((2, 2, 3), -1.0), "image values must lie in .0, 255.*min=-1"),
    (np.full((2, 2, 3), 256.0), "image values must lie in .0, 255.*max=256"),
]


@pytest.mark.parametrize("array, words", BAD_ARRAYS)
def test_load_image_rejects_bad_arrays(array, words):
    with pytest.raises(ValueError, match=words):
        images.load_image(array)


def test_to_uint8_rounds_and_clips():
    result = images.to_uint8(np.array([-5.0, 0.4, 0.6, 127.5, 254.6, 300.0]))
    np.testing.assert_array_equal(result, [0, 0, 1, 128, 255, 255])
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(images.to_uint8(np.array([-1, 300], np.int32)), [0, 255])


@pytest.mark.parametrize("array, words", [
    (np.array([1.0, np.nan]), "NaN"), (np.array([np.inf]), "infinite"),
    (np.array([True]), "image.dtype=bool"), (np.array(["a"]), "image.dtype=<U1")])
def test_to_uint8_rejects(array, words):
    with pytest.raises(ValueError, match=words):
        images.to_uint8(array)


def test_save_image_png_round_trip_is_exact(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    path = images.save_image(pixels, tmp_path / "out.png")
    assert path == (tmp_path / "out.png").resolve()
    np.testing.assert_array_equal(images.load_image(path), pixels)
    floats = pixels.astype(np.float32) + 0.3
    images.save_image(floats, path, overwrite=True)
    np.testing.assert_array_equal(images.load_image(path), pixels)


@pytest.mark.parametrize("suffix, fmt", [(".jpg", "JPEG"), (".JPEG", "JPEG"), (".webp", "WEBP"),
                                         (".bmp", "BMP"), (".tif", "TIFF"), (".tiff", "TIFF")])
def test_save_image_format_follows_extension(tmp_path, suffix, fmt):
    path = images.save_image(np.full((8, 6, 3), 200.0), tmp_path / f"out{suffix}")
    with Image.open(path) as img:
        assert img.format == fmt and img.size == (6, 8)
    np.testing.assert_allclose(images.load_image(path), 200, atol=2)
    assert os.listdir(tmp_path) == [path.name]            # no temp file left


def test_save_image_refuses_to_overwrite(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"old")
    with pytest.raises(images.OutputExistsError) as info:
        images.save_image(np.zeros((2, 2, 3), np.uint8), path)
    assert str(path) in str(info.value) and "overwrite=True" in str(info.value)
    assert "--overwrite" in str(info.value) and isinstance(info.value, FileExistsError)
    assert path.read_bytes() == b"old"


@pytest.mark.parametrize("array, words", [
    (np.zeros((2, 2), np.uint8), r"image.shape=\(2, 2\)"),
    (np.zeros((2, 2, 4), np.uint8), r"image.shape=\(2, 2, 4\)"),
    (np.zeros((0, 2, 3), np.uint8), r"image.shape=\(0, 2, 3\)"),
    (np.full((2, 2, 3), np.nan), "NaN")])
def test_save_image_rejects_bad_images_before_writing(tmp_path, array, words):
    with pytest.raises(ValueError, match=words):
        images.save_image(array, tmp_path / "out.png")
    assert not os.listdir(tmp_path)


def test_check_output_path(tmp_path):
    assert images.check_output_path(tmp_path / "a.PNG") == (tmp_path / "a.PNG").resolve()
    assert images.check_output_path(tmp_path / "log.csv", image=False).name == "log.csv"
    (tmp_path / "file").write_text("")
    cases = [(tmp_path / "nope" / "a.png", "folder of path does not exist"),
             (tmp_path / "file" / "a.png", "folder of path is a file"),
             (tmp_path, "not a directory"),
             (tmp_path / "a.gif", r"must end in one of \.png"),
             (tmp_path / "a", r"must end in one of \.png")]
    for path, words in cases:
        with pytest.raises(ValueError, match=words) as info:
            images.check_output_path(path)
        assert str(path) in str(info.value)


def test_check_output_path_read_only_folder(tmp_path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder, os.W_OK):                     # root ignores the mode bits
            assert images.check_output_path(folder / "a.png") == (folder / "a.png").resolve()
        else:
            with pytest.raises(ValueError, match="not writable") as info:
                images.check_output_path(folder / "a.png")
            assert str(folder / "a.png") in str(info.value)
    finally:
        folder.chmod(stat.S_IRWXU)
