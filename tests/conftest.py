"""Shared fixtures: a tiny dreamer and a saved tiny model with metadata."""

import numpy as np
import pytest

from tfdream import Dreamer, models, objectives, testing
from tfdream.models import metadata


@pytest.fixture(scope="session")
def tiny_dreamer() -> Dreamer:
    return Dreamer(testing.tiny_model(), layers={"conv2": 1.0, "conv3": 0.5}, preprocessing="inception")


@pytest.fixture(scope="session")
def tiny_image() -> np.ndarray:
    return testing.sample_image(48, 64)


@pytest.fixture
def saved_tiny_model(tmp_path):
    path = tmp_path / "tiny.keras"
    testing.tiny_model().save(path)
    metadata.ModelMetadata(
        architecture="tiny",
        preprocessing="inception",
        image_size=(32, 32),
        default_layers=("conv2", "conv3"),
        layer_presets={"low": ("conv1",), "high": ("conv3",)},
    ).save(path)
    return path


@pytest.fixture(scope="session")
def objective():
    return objectives.from_layers({"conv2": 1.0, "conv3": 0.5})


@pytest.fixture(scope="session")
def extractor(objective):
    return models.feature_extractor(testing.tiny_model(), objective.layers)
