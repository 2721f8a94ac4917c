"""The peak-memory estimate: its formula, the network's activation bytes, refusals before any work."""

import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import PIL.Image
import pytest

from tfdream.core import memory
from tfdream.io import images, noise


def test_estimate_follows_the_documented_formula():
    plain = memory.estimate((10, 10), [(5, 5), (10, 10)], tile_pixels=25, batch_tiles=2, activation_bytes_per_pixel=100)
    # loading 12*100; octave 0: 12*(100 + 3*25); octave 1: 12*(100 + 3*25 + 3*100); end 12*(2*100 + 100) + 3*100
    assert plain == memory.MemoryEstimate(image_arrays=12 * 475, tiles=2 * 25 * (48 + 50))
    assert plain.total == 5700 + 4900
    decoded = memory.estimate((10, 10), [(10, 10)], 25, 1, 0, decoded_shape=(20, 20))
    assert decoded.image_arrays == 15 * 400 + 12 * 100  # the file decoded at full size dominates
    detail = memory.estimate((10, 10), [(5, 5), (10, 10)], 25, 2, 100, detail=True)
    assert detail.image_arrays == 12 * 475 + 36 * 100


def test_activation_bytes_count_what_the_network_computes_from_the_input_not_its_weights():
    inputs = keras.Input((None, None, 3))
    outputs = keras.layers.Conv2D(4, 1, use_bias=False, name="conv")(inputs)
    network = keras.Model(inputs, outputs)
    assert memory.activation_bytes_per_pixel(network, side=8) == 3 * 4 + 4 * 4  # the input and the conv output
    wide = keras.Model(inputs, keras.layers.Conv2D(4, 1, use_bias=False)(keras.layers.Conv2D(512, 3)(inputs)))
    # On an 8x8 tile: the input, the 6x6x512 convolution and its bias added, the 6x6x4 output; not the 55 KB kernel.
    assert memory.activation_bytes_per_pixel(wide, side=8) == (8 * 8 * 3 * 4 + 2 * 6 * 6 * 512 * 4 + 6 * 6 * 4 * 4) / 64


def test_an_impossible_noise_size_is_refused_before_anything_is_made(tiny_dreamer, monkeypatch):
    tiny_dreamer.__dict__.pop("_activation_bytes", None)  # not yet traced, as in a fresh dreamer
    monkeypatch.setattr(memory, "activation_bytes_per_pixel", lambda *args: pytest.fail("traced before refusing"))
    with pytest.raises(memory.InsufficientMemoryError) as info:
        tiny_dreamer.dream(None, size=(200000, 200000), steps=1, seed=0)
    message = str(info.value)
    assert re.fullmatch(r"a dream of 200000x200000 pixels needs at least [\d.]+ [GT]iB of memory \(full-size arrays "
                        r"[\d.]+ [GT]iB\) "
                        r"but [\d.]+ [KMGT]iB is available: use a smaller max_dim or size, .*batch_pixels", message)


def test_an_image_is_refused_from_its_header_before_it_is_decoded(tiny_dreamer, tiny_image, tmp_path, monkeypatch):
    photo = images.save_image(tiny_image, tmp_path / "photo.png")
    monkeypatch.setattr(memory, "available_bytes", lambda: 1024)
    monkeypatch.setattr(images, "load_image", lambda *args, **kwargs: pytest.fail("decoded before the check"))
    with pytest.raises(memory.InsufficientMemoryError, match=r"a dream of 64x48 pixels .* but 1.0 KiB is available"):
        tiny_dreamer.dream(photo, steps=1, octaves=(0,), seed=0)


def test_the_input_arrays_are_a_lower_bound_of_the_estimate():
    least = memory.input_arrays((300, 400), decoded_shape=(600, 800))
    full = memory.estimate((300, 400), [(177, 237), (231, 308), (300, 400)], 512 * 512, 4, 900.0,
                           decoded_shape=(600, 800))
    assert least.tiles == 0 and 0 < least.total <= full.image_arrays
    assert least.total == 15 * 600 * 800 + 12 * 300 * 400  # loading the file is the larger part here
    assert memory.input_arrays((300, 400)).total == 27 * 300 * 400  # noise: the end's input-sized arrays


def test_memory_available_is_read_from_the_system():
    available = memory.available_bytes()
    assert available is None or 0 < available < 1 << 50
    assert memory.format_bytes(1536) == "1.5 KiB" and memory.format_bytes(12) == "12 B"
    assert memory.format_bytes(3 * 2**40) == "3.0 TiB"


def test_noise_is_float32_seeded_and_made_in_bands():
    image = noise.noise_image("normal", (300, 20), np.random.default_rng(3))
    assert image.dtype == np.float32 and image.shape == (300, 20, 3)
    assert 0 <= image.min() and image.max() <= 255 and abs(image.mean() - 127.5) < 1
    again = noise.noise_image("normal", (300, 20), np.random.default_rng(3), rows=7)
    np.testing.assert_array_equal(image, again)


def test_image_shape_reads_headers_and_applies_the_exif_rotation(tmp_path):
    exif = PIL.Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: width and height swap when loaded
    PIL.Image.new("RGB", (40, 30)).save(tmp_path / "turned.jpg", exif=exif)
    assert images.image_shape(tmp_path / "turned.jpg") == (40, 30) == images.load_image(tmp_path / "turned.jpg").shape[:2]
    assert images.image_shape(np.zeros((5, 7, 3))) == (5, 7)
    assert images.image_shape(PIL.Image.new("RGB", (9, 4))) == (4, 9)
    assert images.shape_within((3000, 4000), 1000) == (750, 1000) and images.shape_within((30, 40), 1000) == (30, 40)
    with pytest.raises(images.ImageError, match="no such file"):
        images.image_shape(tmp_path / "missing.png")
    with pytest.raises(TypeError, match="source must be a file path"):
        images.image_shape(3)


@pytest.mark.large
def test_the_estimate_is_within_its_stated_margin_of_measured_peaks():
    script = pathlib.Path(__file__).parents[2] / "benchmarks" / "memory_benchmark.py"
    table = subprocess.run([sys.executable, str(script), "--model=tiny", "--sizes=1024,2048,4096"],
                           capture_output=True, text=True, check=True).stdout
    ratios = [float(row.rsplit("|", 2)[1]) for row in table.splitlines() if row.startswith("| ") and "^2" in row]
    assert len(ratios) == 3 and all(0.7 <= ratio <= 1.15 for ratio in ratios), table
