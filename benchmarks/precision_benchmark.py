"""Does 16-bit arithmetic change a dream visibly, and is it faster? float32 against the mixed precisions.

    python benchmarks/precision_benchmark.py                                  # InceptionV3, random weights
    python benchmarks/precision_benchmark.py --model=vgg16 --weights=hed --layers=block4_conv3,block5_conv3

Dreams a bundled photo with the same seed in every precision and compares the final uint8 images to the
float32 one: PSNR (dB), mean and 99.9th-percentile absolute difference in 8-bit levels. For scale, the mean
change the dream itself made to the photo is printed too, and a float32 dream of the photo with invisible
noise added (every pixel moved by -1, 0 or +1 level): how far an invisible change of the input alone moves
the dream. Seconds per step are measured in the same run (one untimed warm-up dream per precision).
"""

from __future__ import annotations

import dataclasses
import pathlib

import common
import machine
import numpy as np
from absl import app, flags

import tfdream
from tfdream.core import callbacks

_MODEL, _WEIGHTS, _LAYERS, _TILE_SIZE = common.MODEL, common.WEIGHTS, common.LAYERS, common.TILE_SIZE
_SIZE = flags.DEFINE_integer("size", 768, "Side of the square the photo is resized to.")
_STEPS = flags.DEFINE_integer("steps", 20, "Steps per octave.")
_OCTAVES = flags.DEFINE_list("octaves", ["-1", "0"], "Octaves.")
_PRECISIONS = flags.DEFINE_list("precisions", ["float32", "mixed_bfloat16"],
                                "Precisions, float32 first (mixed_float16 runs on CPU, slowly); a '+xla' suffix "
                                "compiles with XLA (jit_compile=True).")
_OUTPUT_DIR = flags.DEFINE_string("output_dir", None, "Also save every dream here as PNG, to look at.")


def main(argv):
    del argv
    photo = common.square_photo(_SIZE.value)
    config = tfdream.DreamConfig(steps=_STEPS.value, octaves=tuple(int(o) for o in _OCTAVES.value),
                                 tile_size=_TILE_SIZE.value, seed=0)
    print(machine.describe(machine.machine()))
    print(f"model {_MODEL.value} (weights {_WEIGHTS.value}), layers {_LAYERS.value}, {_SIZE.value}^2 px, "
          f"octaves {list(config.octaves)}, {config.steps} steps, tile_size {config.tile_size}")
    print("| precision | s/step | vs float32 | PSNR dB | mean abs diff | 99.9% abs diff | dream's mean change |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    runs = [(precision, photo) for precision in _PRECISIONS.value]
    runs.append(("float32, input +-1 level", common.nudged(photo)))
    reference = seconds_reference = None
    for label, source in runs:
        precision, _, xla = label.split(",")[0].partition("+")
        dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=_WEIGHTS.value, precision=precision,
                                  jit_compile=xla == "xla")
        dreamer.dream(source, config=dataclasses.replace(config, steps=1))  # warm up: trace and allocate
        timer = callbacks.StepTimer()
        result = dreamer.dream(source, config=config, callbacks=[timer])
        dream = result.image
        if _OUTPUT_DIR.value:
            name = label.replace(",", "").replace(" ", "_").replace("+-", "pm").replace("+", "_")
            result.save(pathlib.Path(_OUTPUT_DIR.value) / f"{_MODEL.value}_{name}.png", overwrite=True)
        seconds = timer.seconds_per_step
        if reference is None:
            reference, seconds_reference = dream, seconds
        difference = np.abs(dream.astype(np.float64) - reference)
        print(f"| {label} | {seconds:.3f} | {seconds / seconds_reference:.2f} | {common.psnr(dream, reference):.1f} "
              f"| {difference.mean():.2f} | {np.percentile(difference, 99.9):.0f} "
              f"| {np.abs(dream.astype(np.float64) - photo).mean():.1f} |", flush=True)


if __name__ == "__main__":
    app.run(main)
