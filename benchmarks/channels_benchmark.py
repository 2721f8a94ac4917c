"""Channels per minute of a channel sheet by how many channels are dreamed together (`tfdream channels --batch`).

    python benchmarks/channels_benchmark.py                       # HED VGG16 block4_conv3, 16 channels, robust
    python benchmarks/channels_benchmark.py --batches=1,16 --steps=128 --size=224

Every figure is one whole `renders.channel_gallery` call (a new compiled step per batch, the dreams, the files)
in one process whose network is loaded first; each batch size runs `--repeats` times, interleaved with the
others so a busy machine slows them alike, and the fastest run counts.
"""

from __future__ import annotations

import tempfile
import time

import machine
from absl import app, flags

_MODEL = flags.DEFINE_string("model", "vgg16", "Named model.")
_WEIGHTS = flags.DEFINE_string("weights", "hed", "Weights: 'hed' (vgg16, offline), 'imagenet' or None (random).")
_LAYER = flags.DEFINE_string("layer", "block4_conv3", "The layer whose channels are dreamed.")
_CHANNELS = flags.DEFINE_integer("channels", 16, "Channels dreamed, 0 to this - 1.")
_BATCHES = flags.DEFINE_list("batches", ["1", "2", "4", "8", "16"], "Channels per compiled step to compare.")
_RENDER = flags.DEFINE_string("render", "robust", "The render (renders.RENDERS).")
_STEPS = flags.DEFINE_integer("steps", 32, "Steps per channel (overrides the render's).")
_SIZE = flags.DEFINE_integer("size", 128, "Side of each channel's image.")
_REPEATS = flags.DEFINE_integer("repeats", 2, "Runs per batch size (the fastest counts).")


def main(argv):
    del argv
    from tfdream import DreamConfig, renders  # pylint: disable=import-outside-toplevel

    config = DreamConfig(**{**renders.options(_RENDER.value), "steps": _STEPS.value, "seed": 0})
    batches = [int(batch) for batch in _BATCHES.value]
    options = {"weights": None if _WEIGHTS.value == "None" else _WEIGHTS.value}
    seconds = {batch: float("inf") for batch in batches}
    with tempfile.TemporaryDirectory() as folder:
        def sheet(channels, batch, name):
            start = time.perf_counter()
            renders.channel_gallery(_MODEL.value, _LAYER.value, channels, f"{folder}/{name}.png",
                                    size=(_SIZE.value, _SIZE.value), config=config, dreamer_options=options,
                                    batch=batch, overwrite=True)
            return time.perf_counter() - start

        sheet([0], 1, "warm-up")  # loads the network and TensorFlow's kernels once
        for _ in range(_REPEATS.value):
            for batch in batches:
                seconds[batch] = min(seconds[batch], sheet(range(_CHANNELS.value), batch, f"b{batch}"))
    print(f"{machine.describe(machine.machine())}; {_MODEL.value} ({_WEIGHTS.value}) {_LAYER.value}, "
          f"{_CHANNELS.value} channels, "
          f"{_SIZE.value}x{_SIZE.value}, {_RENDER.value} with {_STEPS.value} steps, fastest of {_REPEATS.value}")
    print("| channels per step | seconds | channels/min | vs one at a time |")
    print("|---|---|---|---|")
    for batch in batches:
        rate = 60 * _CHANNELS.value / seconds[batch]
        speedup = seconds[batches[0]] / seconds[batch]
        print(f"| {batch} | {seconds[batch]:.1f} | {rate:.1f} | {speedup:.2f}x |")


if __name__ == "__main__":
    app.run(main)
