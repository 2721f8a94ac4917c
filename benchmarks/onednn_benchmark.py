"""Does turning oneDNN's custom operations on change a dream, and how much faster is it?

    python benchmarks/onednn_benchmark.py --model=vgg16 --weights=hed --layers=block4_conv3,block5_conv3
    ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/onednn_benchmark.py ...     # as on a CPU with AVX2 only

TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, when it is imported, so every setting runs in a fresh process:
the same photo dreamed with the same seed with oneDNN's operations off and on, compared with the "off" dream
(PSNR, mean and 99.9th-percentile absolute difference in 8-bit levels). The floor row is an "off" dream of
the photo with every pixel moved by -1, 0 or +1 level: how far an invisible change of the input alone moves
the dream. Seconds per step come from the same runs, after one untimed warm-up dream per process.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile

import common
import machine
import numpy as np
from absl import app, flags

_MODEL, _WEIGHTS, _LAYERS, _TILE_SIZE = common.MODEL, common.WEIGHTS, common.LAYERS, common.TILE_SIZE
_SIZE = flags.DEFINE_integer("size", 512, "Side of the square the photo is resized to.")
_STEPS = flags.DEFINE_integer("steps", 20, "Steps per octave.")
_OCTAVES = flags.DEFINE_list("octaves", ["-1", "0"], "Octaves.")
_PRECISION = flags.DEFINE_string("precision", "float32", "Dreamer precision.")
_CASE = flags.DEFINE_string("case", None, "Internal: dream one case (off, on or nudged) into --case_output.")
_CASE_OUTPUT = flags.DEFINE_string("case_output", None, "Internal: the .npz a case writes.")

_CASES = {"off": "0", "on": "1", "nudged": "0"}  # case -> TF_ENABLE_ONEDNN_OPTS


def run_case(case: str, output: str) -> None:
    """Dreams the photo (moved by +-1 level for "nudged") and saves the image, seconds per step and machine."""
    import tfdream  # pylint: disable=import-outside-toplevel
    from tfdream.core import callbacks  # pylint: disable=import-outside-toplevel

    photo = common.square_photo(_SIZE.value)
    if case == "nudged":
        photo = common.nudged(photo)
    config = tfdream.DreamConfig(steps=_STEPS.value, octaves=tuple(int(o) for o in _OCTAVES.value),
                                 tile_size=_TILE_SIZE.value, seed=0)
    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=_WEIGHTS.value, precision=_PRECISION.value)
    dreamer.dream(photo, config=dataclasses.replace(config, steps=1))  # warm up: trace and allocate
    timer = callbacks.StepTimer()
    image = dreamer.dream(photo, config=config, callbacks=[timer]).image
    np.savez(output, image=image, seconds_per_step=timer.seconds_per_step,
             machine=json.dumps(machine.machine()))


def spawn(case: str, folder: str) -> dict:
    """Runs one case in a fresh process with its TF_ENABLE_ONEDNN_OPTS and loads what it saved."""
    output = os.path.join(folder, f"{case}.npz")
    forwarded = [flag.serialize() for flag in (_MODEL, _WEIGHTS, _LAYERS, _TILE_SIZE, _SIZE, _STEPS, _OCTAVES,
                                               _PRECISION, common.SAMPLE)]
    environment = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=_CASES[case])
    done = subprocess.run([sys.executable, __file__, f"--case={case}", f"--case_output={output}", *forwarded],
                          capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{done.stderr[-4000:]}")
    with np.load(output) as saved:
        return {"image": saved["image"], "seconds_per_step": float(saved["seconds_per_step"]),
                "machine": json.loads(str(saved["machine"]))}


def main(argv):
    del argv
    if _CASE.value:
        run_case(_CASE.value, _CASE_OUTPUT.value)
        return
    with tempfile.TemporaryDirectory() as folder:
        results = {case: spawn(case, folder) for case in _CASES}
    photo = common.square_photo(_SIZE.value).astype(np.float64)
    reference = results["off"]
    print(machine.describe(results["off"]["machine"]))
    print(f"model {_MODEL.value} (weights {_WEIGHTS.value}), layers {_LAYERS.value}, {_SIZE.value}^2 px, "
          f"precision {_PRECISION.value}, octaves {_OCTAVES.value}, {_STEPS.value} steps, tile_size {_TILE_SIZE.value}")
    print("| oneDNN operations | s/step | vs off | PSNR vs off dB | mean abs diff | 99.9% abs diff | dream's mean change |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    labels = {"off": "off", "on": "on", "nudged": "off, input +-1 level (floor)"}
    for case, result in results.items():
        difference = np.abs(result["image"].astype(np.float64) - reference["image"])
        print(f"| {labels[case]} ({result['machine']['onednn']}) | {result['seconds_per_step']:.3f} "
              f"| {result['seconds_per_step'] / reference['seconds_per_step']:.2f} "
              f"| {common.psnr(result['image'], reference['image']):.1f} | {difference.mean():.2f} "
              f"| {np.percentile(difference, 99.9):.0f} | {np.abs(result['image'] - photo).mean():.1f} |")


if __name__ == "__main__":
    app.run(main)
