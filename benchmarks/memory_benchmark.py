"""Measured peak memory of dreams against `tfdream.memory`'s estimate, one fresh process per case.

    python benchmarks/memory_benchmark.py                       # VGG16 (random weights), a few sizes
    python benchmarks/memory_benchmark.py --model=tiny --sizes=512,1024

Each case warms the dreamer up on a small image, resets the process's peak resident memory
(`/proc/self/clear_refs`), dreams once, and reports the growth of the peak over the memory held before the
dream next to the estimate. Linux only.
"""

import json
import pathlib
import subprocess
import sys

from absl import app, flags

_MODEL = flags.DEFINE_string("model", "vgg16", "A tfdream model name (random weights), or 'tiny'.")
_SIZES = flags.DEFINE_list("sizes", ["512", "1024", "2048"], "Square image sides to dream.")
_OCTAVES = flags.DEFINE_list("octaves", ["-1", "0"], "Octaves of each dream.")
_TILE_SIZE = flags.DEFINE_integer("tile_size", 512, "Tile side.")

_CASE = """
import json, pathlib, sys
import numpy as np
from tfdream import Dreamer, testing
model, side, octaves, tile_size = sys.argv[1], int(sys.argv[2]), [int(o) for o in sys.argv[3].split(",")], int(sys.argv[4])
if model == "tiny":
    dreamer = Dreamer(testing.tiny_model(), layers=("conv2", "conv3"), preprocessing="inception", precision="float32")
else:
    dreamer = Dreamer(model, weights=None, precision="float32")
options = dict(steps=2, octaves=octaves, tile_size=tile_size, seed=0)
dreamer.dream(None, size=(96, 96), **options)  # warm up: trace, build, allocate

def status(key):
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024

pathlib.Path("/proc/self/clear_refs").write_text("5")
before = status("VmRSS:")
dreamer.dream(None, size=(side, side), **options)
peak = status("VmHWM:") - before
from tfdream.core import config
shapes = dreamer._octave_shapes((side, side), config.DreamConfig(**options))
estimate = dreamer.memory_estimate((side, side), shapes, config.DreamConfig(**options))
print(json.dumps({"side": side, "peak": peak, "image_arrays": estimate.image_arrays, "tiles": estimate.tiles}))
"""


def main(argv):
    del argv
    cpu = next((line.split(":", 1)[1].strip() for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    print(f"{_MODEL.value}, octaves {','.join(_OCTAVES.value)}, tile {_TILE_SIZE.value}, float32, on {cpu}")
    print("| size | measured peak growth | estimate | measured / estimate |")
    print("|---|---|---|---|")
    for side in _SIZES.value:
        output = subprocess.run([sys.executable, "-c", _CASE, _MODEL.value, side, ",".join(_OCTAVES.value),
                                 str(_TILE_SIZE.value)], capture_output=True, text=True, check=True).stdout
        case = json.loads(output.strip().splitlines()[-1])
        total = case["image_arrays"] + case["tiles"]
        print(f"| {side}^2 | {case['peak'] / 2**20:.0f} MiB | {total / 2**20:.0f} MiB | {case['peak'] / total:.2f} |")


if __name__ == "__main__":
    app.run(main)
