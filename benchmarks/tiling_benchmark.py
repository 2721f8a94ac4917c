"""Seconds per step and peak memory of tfdream's tiling against the TensorFlow tutorial's, from 1 to 64 MP.

    python benchmarks/tiling_benchmark.py                           # 1, 4, 16 and 64 MP, every mode
    python benchmarks/tiling_benchmark.py --sizes=1,4 --modes=tfdream,naive --timed_megapixels=16

Modes (same image, layers, tile size, random roll and full coverage; one octave):
  tfdream          `Dreamer.dream` end to end with its defaults (precision "auto", overlap tile_size // 16).
  tfdream_float32  the same in float32, to separate the arithmetic from the tiling.
  naive            the tutorial's `TiledGradients`, restated with full coverage: roll the whole image, then for
                   every tile take the gradient of the tile's loss against the whole rolled image (float32).

Each (mode, size) runs in a fresh process, so its peak resident memory (VmHWM) is its own. The first step of
each run (tracing) is not timed; then every size is timed over about the same number of megapixel-steps
(--timed_megapixels: 128 steps at 1 MP, 2 at 64 MP), so small sizes are not measured over a blink. Sizes
are square: N MP is (1024 sqrt N)^2 pixels. Weights are random (`weights=None`): timings and memory do not
depend on weight values.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import time

import common
import machine
from absl import app, flags, logging

_SIZES = flags.DEFINE_list("sizes", ["1", "4", "16", "64"], "Image sizes in megapixels (square images).")
_MODES = flags.DEFINE_list("modes", ["tfdream", "tfdream_float32", "naive"], "Modes to run (see module doc).")
_TIMED_MEGAPIXELS = flags.DEFINE_integer("timed_megapixels", 128, "Time each size over this many MP-steps.")
_MIN_STEPS = flags.DEFINE_integer("min_steps", 2, "Fewest timed steps per run (after one untimed step).")
_MODEL, _LAYERS, _TILE_SIZE = common.MODEL, common.LAYERS, common.TILE_SIZE
_TUTORIAL_ONEDNN = flags.DEFINE_enum("tutorial_onednn", "tensorflow", ["tensorflow", "on", "off"],
                                     "oneDNN operations for the naive mode: 'tensorflow' is what TensorFlow picks by "
                                     "itself on this CPU class (off without AVX-512 VNNI/BF16, AVX-VNNI or AMX, and "
                                     "under ONEDNN_MAX_CPU_ISA=AVX2); tfdream turns them on.")
_JSON = flags.DEFINE_string("json", None, "Also write the results to this JSON file.")
_CASE = flags.DEFINE_string("case", None, "Internal: run one MODE:MEGAPIXELS case and print its result.")


def peak_rss_bytes() -> int:
    """This process's peak resident memory (VmHWM), in bytes."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def side_of(megapixels: float) -> int:
    return round(1024 * math.sqrt(megapixels))


def _noise(side: int):
    import numpy as np  # pylint: disable=import-outside-toplevel

    return np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)


def timed_steps(side: int) -> int:
    return max(_MIN_STEPS.value, math.ceil(_TIMED_MEGAPIXELS.value / (side * side / 2**20)))


def run_tfdream(side: int, precision: str) -> dict:
    """Times `Dreamer.dream` on a `side`^2 image; per-step times come from a callback."""
    import tfdream  # pylint: disable=import-outside-toplevel
    from tfdream.core import callbacks  # pylint: disable=import-outside-toplevel

    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=None, precision=precision)
    timer = callbacks.StepTimer()
    result = dreamer.dream(_noise(side), steps=timed_steps(side) + 1, octaves=(0,), tile_size=_TILE_SIZE.value,
                           seed=0, callbacks=[timer])
    return {"seconds_per_step": timer.seconds_per_step, "precision": dreamer.precision,
            "overlap": result.config.tile_overlap}


def run_naive(side: int) -> dict:
    """Times the tutorial's tiling: every tile's gradient is taken against the whole rolled image."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    from tfdream import models, objectives  # pylint: disable=import-outside-toplevel
    from tfdream.core import tiling  # pylint: disable=import-outside-toplevel

    loaded = models.load_model(_MODEL.value, weights=None)
    objective = objectives.from_layers(_LAYERS.value)
    extractor = models.feature_extractor(loaded.model, objective.layers)
    tile = _TILE_SIZE.value
    starts = tf.constant(tiling.tile_starts(side, tile), tf.int32)  # full coverage: last tile ends at the edge

    @tf.function(input_signature=(
        tf.TensorSpec([None, None, 3], tf.float32),
        tf.TensorSpec([2], tf.int32),
        tf.TensorSpec([None], tf.int32),
        tf.TensorSpec([None], tf.int32),
    ))
    def tiled_gradients(image, shift, ys, xs):
        rolled = tf.roll(image, shift=shift, axis=[0, 1])
        gradients = tf.zeros_like(rolled)
        for x in xs:
            for y in ys:
                with tf.GradientTape() as tape:
                    tape.watch(rolled)
                    image_tile = rolled[y : y + tile, x : x + tile]
                    loss, _ = objective(extractor(image_tile[tf.newaxis], training=False))
                gradients = gradients + tape.gradient(loss, rolled)
        gradients = tf.roll(gradients, shift=-shift, axis=[0, 1])
        return gradients / (tf.math.reduce_std(gradients) + 1e-8)

    image = loaded.preprocessing.preprocess(tf.cast(_noise(side), tf.float32))
    low, high = loaded.preprocessing.value_range
    tf.random.set_seed(0)
    times = []
    for _ in range(timed_steps(side) + 1):
        shift = tf.random.uniform([2], -tile, tile, dtype=tf.int32)
        gradients = tiled_gradients(image, shift, starts, starts)
        image = tf.clip_by_value(image + gradients * 0.01, low, high)
        image.numpy()  # wait for the step to finish
        times.append(time.perf_counter())
    return {"seconds_per_step": (times[-1] - times[0]) / timed_steps(side), "precision": "float32", "overlap": 0}


def run_case(case: str) -> dict:
    mode, megapixels = case.split(":")
    side = side_of(float(megapixels))
    if mode == "naive":
        result = run_naive(side)
    elif mode in ("tfdream", "tfdream_float32"):
        result = run_tfdream(side, "auto" if mode == "tfdream" else "float32")
    else:
        raise ValueError(f"mode must be tfdream, tfdream_float32 or naive. Received: mode={mode!r}")
    megapixel_steps = side * side / 2**20
    return dict(result, mode=mode, megapixels=float(megapixels), side=side, timed_steps=timed_steps(side),
                seconds_per_megapixel_step=result["seconds_per_step"] / megapixel_steps,
                peak_rss_gb=peak_rss_bytes() / 2**30, machine=machine.machine())


def spawn(case: str) -> dict:
    """Runs one case in a fresh process and returns its result."""
    forwarded = [flag.serialize() for flag in (_TIMED_MEGAPIXELS, _MIN_STEPS, _MODEL, _LAYERS, _TILE_SIZE)]
    environment = dict(os.environ)
    if case.startswith("naive:"):
        onednn = _TUTORIAL_ONEDNN.value
        if onednn == "tensorflow":
            onednn = "on" if machine.tensorflow_onednn_default(machine.cpu_flags(),
                                                              os.environ.get("ONEDNN_MAX_CPU_ISA", "")) else "off"
        environment["TF_ENABLE_ONEDNN_OPTS"] = "1" if onednn == "on" else "0"
    return common.run_case(__file__, case, forwarded, environment)


def table(results: list[dict]) -> str:
    """A Markdown table of the results, with each mode's spread of seconds per megapixel-step over sizes."""
    naive = {r["megapixels"]: r["seconds_per_step"] for r in results if r["mode"] == "naive"}
    rows = [machine.describe(results[0]["machine"]) + "\n",
            "| MP | side | mode | precision | oneDNN | overlap | timed steps | s/step | s/MP-step | peak RSS GB "
            "| time vs naive |", "|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ratio = r["seconds_per_step"] / naive[r["megapixels"]] if r["megapixels"] in naive else float("nan")
        cells = (f"{r['megapixels']:g}", str(r["side"]), r["mode"], r["precision"], r["machine"]["onednn"],
                 str(r["overlap"]),
                 str(r["timed_steps"]), f"{r['seconds_per_step']:.2f}", f"{r['seconds_per_megapixel_step']:.3f}",
                 f"{r['peak_rss_gb']:.2f}", f"{ratio:.2f}")
        rows.append("| " + " | ".join(cells) + " |")
    for mode in dict.fromkeys(r["mode"] for r in results):
        per_mp = [r["seconds_per_megapixel_step"] for r in results if r["mode"] == mode]
        rows.append(f"\n{mode}: s/MP-step max/min over sizes = {max(per_mp) / min(per_mp):.3f}")
    return "\n".join(rows)


def main(argv):
    del argv
    if _CASE.value:
        common.print_result(run_case(_CASE.value))
        return
    results = []
    for megapixels in _SIZES.value:
        for mode in _MODES.value:
            logging.info("running %s at %s MP", mode, megapixels)
            results.append(spawn(f"{mode}:{megapixels}"))
            logging.info("%s", results[-1])
    print(table(results))
    if _JSON.value:
        pathlib.Path(_JSON.value).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    app.run(main)
