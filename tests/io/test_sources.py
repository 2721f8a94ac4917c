"""Source: loading, describing and rebuilding a dream's input (file, bundled sample, noise)."""

import hashlib
import json

import numpy as np
import pytest

from tfdream.io import images, samples, sources


@pytest.fixture
def photo(tmp_path, tiny_image):
    return images.save_image(tiny_image, tmp_path / "photo.png")


def _round_trip(source: sources.Source) -> sources.Source:
    return sources.Source.from_config(json.loads(json.dumps(source.get_config())))


def test_file_describes_itself_and_round_trips(photo, tiny_image):
    source = sources.Source.file(photo, max_dim=32)
    assert source.get_config() == {"path": str(photo), "sha256": hashlib.sha256(photo.read_bytes()).hexdigest(),
                                   "max_dim": 32}
    again = _round_trip(source)
    assert again.get_config() == source.get_config() and again.sha256 == source.digest()
    loaded = again.load()
    assert loaded.dtype == np.float32 and loaded.shape == (24, 32, 3)
    np.testing.assert_array_equal(sources.Source.file(photo).load(), tiny_image)


def test_a_bundled_sample_is_recorded_by_name_from_its_name_or_its_path():
    by_path = sources.Source.file(samples.path("coffee"), max_dim=40)
    assert by_path == sources.Source.parse("coffee", max_dim=40) == sources.Source("sample", "coffee", max_dim=40)
    config = by_path.get_config()
    assert config["sample"] == "coffee" and "path" not in config
    assert _round_trip(by_path).load().shape[1] == 40


def test_noise_round_trips_and_keeps_the_values_of_a_seed():
    source = sources.Source.parse(None, size=(20, 30))
    assert source.get_config() == {"noise_size": [20, 30]} and _round_trip(source) == source
    noise = source.load(np.random.default_rng(5))
    assert noise.dtype == np.float32 and noise.shape == (20, 30, 3)
    np.testing.assert_array_equal(_round_trip(source).load(np.random.default_rng(5)), noise)
    assert not np.array_equal(source.load(np.random.default_rng(6)), noise)
    with pytest.raises(ValueError, match="needs a random generator"):
        source.load()


def test_a_changed_or_missing_file_is_refused(photo, tiny_image):
    recorded = _round_trip(sources.Source.file(photo))
    images.save_image(255 - tiny_image, photo, overwrite=True)
    with pytest.raises(ValueError, match="has changed since the dream"):
        recorded.load()
    with pytest.raises(images.ImageError, match="no such file"):
        sources.Source.file(photo.with_name("missing.png")).get_config()


@pytest.mark.parametrize("make, message", [
    (lambda: sources.as_source(None), r"size must be \(height, width\).*Received: size=None"),
    (lambda: sources.as_source(None, size=(0, 4)), r"Received: size=\(0, 4\)"),
    (lambda: sources.as_source("a.png", size=(4, 4)), "size is only for dreaming from noise"),
    (lambda: sources.as_source(sources.Source.noise((4, 4)), max_dim=3), "carries its own size and max_dim"),
    (lambda: sources.Source.parse("coffee", size=(4, 4)), "either an input image or a noise size"),
    (lambda: sources.Source("video"), r"kind must be one of .*Received: kind='video'"),
    (lambda: sources.Source("sample", "nope"), r"Received: name='nope'"),
    (lambda: sources.Source("sample", "coffee", max_dim=True), r"Received: max_dim=True"),
])
def test_bad_sources_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()
