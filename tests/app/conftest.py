"""Fixtures of the app's tests: a workspace and a photo file."""

import pytest

from tfdream import testing
from tfdream.app import workspace as workspace_lib
from tfdream.io import images


@pytest.fixture
def workspace(tmp_path):
    with workspace_lib.Workspace(tmp_path) as folder:
        yield folder


@pytest.fixture
def photo(tmp_path):
    return images.save_image(testing.sample_image(48, 64), tmp_path / "photo.png")


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"this is not an image")
    return path
