"""Flags and inputs the dream benchmarks share: the model, its layers, and a bundled photo resized to a square."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from absl import flags

from tfdream.core import octaves
from tfdream.io import images, samples

MODEL = flags.DEFINE_string("model", "inception_v3", "Named model.")
WEIGHTS = flags.DEFINE_string("weights", None, "Weights: None (random), 'imagenet', 'hed' (vgg16), or a file.")
LAYERS = flags.DEFINE_list("layers", ["mixed3", "mixed5"], "Layers to dream.")
SAMPLE = flags.DEFINE_enum("sample", "astronaut", list(samples.NAMES), "Bundled photo to dream on.")
TILE_SIZE = flags.DEFINE_integer("tile_size", 512, "Tile size.")


def square_photo(side: int) -> np.ndarray:
    """The `--sample` photo resized to `side` x `side`: uint8 RGB (side, side, 3)."""
    return images.to_uint8(octaves.resize(images.load_image(samples.path(SAMPLE.value)), (side, side)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two 8-bit images, in dB (inf when equal)."""
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def nudged(photo: np.ndarray) -> np.ndarray:
    """`photo` with every pixel moved by -1, 0 or +1 level (seeded): an invisible change of a dream's input."""
    noise = np.random.default_rng(1).integers(-1, 2, photo.shape)
    return np.clip(photo + noise, 0, 255).astype(np.uint8)


_RESULT = "RESULT "


def print_result(result: dict) -> None:
    """Prints a case's result for `run_case` in the parent process to read."""
    print(_RESULT + json.dumps(result), flush=True)


def run_case(script: str, case: str, forwarded: list[str], environment: dict | None = None) -> dict:
    """Runs `script --case=CASE` in a fresh process (its own memory peak, its own TensorFlow start) and returns
    the result it printed with `print_result`."""
    done = subprocess.run([sys.executable, script, f"--case={case}", *forwarded], capture_output=True, text=True,
                          env=environment, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{done.stderr[-4000:]}")
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith(_RESULT))
    return json.loads(line[len(_RESULT):])
