"""Seconds per megapixel of tfdream's compiled tile gradient by tiles per call and by TensorFlow's thread pools.

    python benchmarks/batch_benchmark.py
    ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/batch_benchmark.py          # as on a CPU with AVX2 only

The gradient step `Dreamer.gradient_fn` on batches of random tiles: 1, 2, 4 and 8 tiles of 512^2 per call
(`batch_pixels` picks this: 2^20 pixels is 4 such tiles) and, for the same pixels, tiles of 256^2. Every
thread setting (TensorFlow's inter-op and intra-op pools; 0 is TensorFlow's default, one thread per core)
runs in a fresh process, since the pools are fixed when TensorFlow starts. Each figure is the fastest of
--repeats calls after a warm-up call.
"""

from __future__ import annotations

import time

import common
import machine
from absl import app, flags

_MODEL, _LAYERS = common.MODEL, common.LAYERS
_PRECISION = flags.DEFINE_string("precision", "float32", "Dreamer precision.")
_THREADS = flags.DEFINE_list("threads", ["0:0", "1:0", "1:1"], "INTER:INTRA thread pool sizes to compare.")
_BATCHES = flags.DEFINE_list("batches", ["1x512", "2x512", "4x512", "8x512", "4x256", "16x256"],
                             "Batches as TILESxSIDE.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed calls per batch (the fastest counts).")
_CASE = flags.DEFINE_string("case", None, "Internal: run one INTER:INTRA setting and print its result.")


def run_case(threads: str) -> dict:
    """Seconds per megapixel for every batch, with the given thread pools."""
    import numpy as np  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    inter, intra = (int(count) for count in threads.split(":"))
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    import tfdream  # pylint: disable=import-outside-toplevel

    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=None, precision=_PRECISION.value)
    sigma = tf.constant(0.0)
    seconds_per_megapixel = {}
    for batch in _BATCHES.value:
        count, side = (int(number) for number in batch.split("x"))
        tiles = tf.constant(np.random.default_rng(0).uniform(-1, 1, (count, side, side, 3)).astype(np.float32))
        dreamer.gradient_fn(tiles, sigma)[0].numpy()  # warm up
        times = []
        for _ in range(_REPEATS.value):
            began = time.perf_counter()
            dreamer.gradient_fn(tiles, sigma)[0].numpy()
            times.append(time.perf_counter() - began)
        seconds_per_megapixel[batch] = min(times) / (count * side * side / 2**20)
    return {"threads": threads, "seconds_per_megapixel": seconds_per_megapixel, "precision": dreamer.precision,
            "machine": machine.machine()}


def main(argv):
    del argv
    if _CASE.value:
        common.print_result(run_case(_CASE.value))
        return
    forwarded = [flag.serialize() for flag in (_MODEL, _LAYERS, _PRECISION, _BATCHES, _REPEATS)]
    results = [common.run_case(__file__, threads, forwarded) for threads in _THREADS.value]
    print(machine.describe(results[0]["machine"]))
    print(f"{_MODEL.value} {_LAYERS.value}, precision {results[0]['precision']}: seconds per megapixel of tiles")
    print("| inter:intra threads | " + " | ".join(_BATCHES.value) + " |")
    print("|---|" + "---:|" * len(_BATCHES.value))
    for result in results:
        print(f"| {result['threads']} | "
              + " | ".join(f"{result['seconds_per_megapixel'][batch]:.3f}" for batch in _BATCHES.value) + " |")


if __name__ == "__main__":
    app.run(main)
