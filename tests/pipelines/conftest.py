"""An atlas spec of a saved tiny model: 32-pixel renders of 2 steps in 2 octaves, and example images."""

import numpy as np
import PIL.Image
import pytest

from tfdream import testing
from tfdream.pipelines import units

# Beam's local runner in this process: no worker start-up, for the fast tests (the multi-process ones are large).
IN_PROCESS = ("--runner=FnApiRunner", "--direct_running_mode=in_memory")
QUICK_RENDER = {"steps": 2, "octaves": (-1, 0), "tile_size": 32}


@pytest.fixture(scope="session")
def tiny_keras(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    testing.tiny_model().save(path)
    return path


@pytest.fixture(scope="session")
def example_folder(tmp_path_factory):
    """Six photos of different content and sizes, one in a subfolder."""
    folder = tmp_path_factory.mktemp("examples")
    (folder / "sub").mkdir()
    rng = np.random.default_rng(0)
    for index in range(6):
        image = testing.sample_image(40 + 8 * index, 48).astype(np.float32)
        image = np.clip(image * rng.uniform(0.3, 1.0, 3) + rng.normal(0, 20, image.shape), 0, 255)
        name = f"sub/photo{index}.png" if index == 5 else f"photo{index}.png"
        PIL.Image.fromarray(image.astype(np.uint8)).save(folder / name)
    return folder


def make_spec(model, *, layers=("conv2", "conv3"), channels="0-2", examples=None, **fields) -> units.AtlasSpec:
    return units.AtlasSpec.with_render(
        str(model), layers, "lapnorm", QUICK_RENDER, channels=channels, size=(32, 32),
        dreamer_options={"weights": None, "preprocessing": "inception", "precision": "float32"},
        examples=None if examples is None else str(examples), top_k=3, **fields)


def tree(folder) -> dict:
    """Every file under `folder` (hidden ones too) by relative path -> its bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}
