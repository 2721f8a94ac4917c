"""Where one step of a large dream spends its time: the step's parts, then TensorFlow's operations.

    python benchmarks/profile_benchmark.py --size=4096
    ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/profile_benchmark.py --size=4096    # as on a CPU with AVX2 only

Dreams random noise for --steps steps at one octave (the first step, which traces, is left out) and splits
each step's time by wrapping the library's own functions: the network (the compiled tile gradient,
`Dreamer.gradient_fn`), cutting tiles out of the image and blending their gradients back
(`tiling.tiled_gradient` less the network), and the rest of the step (normalizing the gradient, the ascent,
clipping). Then one more step runs under the TensorFlow profiler, and the time of every TensorFlow operation
on the CPU is summed by operation type from its trace (the XPlane the profiler writes), largest first.
"""

from __future__ import annotations

import collections
import dataclasses
import pathlib
import tempfile
import time

import common
import machine
import numpy as np
from absl import app, flags

_MODEL, _LAYERS, _TILE_SIZE = common.MODEL, common.LAYERS, common.TILE_SIZE
_SIZE = flags.DEFINE_integer("size", 4096, "Side of the square noise image.")
_STEPS = flags.DEFINE_integer("steps", 3, "Steps timed part by part (after one untimed step).")
_PRECISION = flags.DEFINE_string("precision", "auto", "Dreamer precision.")
_TOP = flags.DEFINE_integer("top", 12, "Operation types to list.")


def operation_seconds(logdir: pathlib.Path) -> collections.Counter:
    """Seconds per TensorFlow operation type on the host, from the profiler's XPlane files.

    An operation's event is named "scope/name:Type" with the type as its display name; its duration is the
    operation's wall time on the executor thread that ran it (a kernel spread over the intra-op threads counts
    once). Executor, thread-pool and Python events have no display name and are left out.
    """
    from tensorflow.tsl.profiler.protobuf import xplane_pb2  # pylint: disable=import-outside-toplevel

    seconds: collections.Counter = collections.Counter()
    for path in logdir.rglob("*.xplane.pb"):
        space = xplane_pb2.XSpace()
        space.ParseFromString(path.read_bytes())
        for plane in space.planes:
            if plane.name != "/host:CPU":
                continue
            for line in plane.lines:
                for event in line.events:
                    kind = plane.event_metadata[event.metadata_id].display_name
                    if kind:
                        seconds[kind] += event.duration_ps * 1e-12
    return seconds


def main(argv):
    del argv
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    import tfdream  # pylint: disable=import-outside-toplevel
    from tfdream.core import callbacks, tiling  # pylint: disable=import-outside-toplevel

    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=None, precision=_PRECISION.value)
    parts = {"network": 0.0, "tiling": 0.0}
    tiled_gradient = tiling.tiled_gradient

    def timed_tiled_gradient(image, gradient_fn, *args):
        def timed_network(*tiles):
            began = time.perf_counter()
            result = gradient_fn(*tiles)
            parts["network"] += time.perf_counter() - began
            return result

        began = time.perf_counter()
        result = tiled_gradient(image, timed_network, *args)
        parts["tiling"] += time.perf_counter() - began
        return result

    tiling.tiled_gradient = timed_tiled_gradient
    noise = np.random.default_rng(0).integers(0, 256, (_SIZE.value, _SIZE.value, 3), dtype=np.uint8)
    config = tfdream.DreamConfig(steps=_STEPS.value + 1, octaves=(0,), tile_size=_TILE_SIZE.value, seed=0)

    class ResetAfterFirstStep(callbacks.Callback):
        def on_step(self, record):
            if record["step"] == 0:
                parts.update(network=0.0, tiling=0.0)

    timer = callbacks.StepTimer()
    dreamer.dream(noise, config=config, callbacks=[ResetAfterFirstStep(), timer])
    step = timer.seconds_per_step
    network, tiles = parts["network"] / _STEPS.value, (parts["tiling"] - parts["network"]) / _STEPS.value
    print(machine.describe(machine.machine()))
    print(f"{_MODEL.value} {_LAYERS.value}, precision {dreamer.precision}, {_SIZE.value}^2, tile {_TILE_SIZE.value}, "
          f"overlap {config.tile_overlap}: {step:.2f} s per step")
    print("| part of a step | seconds | share |")
    print("|---|---:|---:|")
    for label, seconds in (("network (tile gradients)", network), ("cutting tiles, blending gradients", tiles),
                           ("rest (normalize, ascend, clip)", step - network - tiles)):
        print(f"| {label} | {seconds:.2f} | {seconds / step:.1%} |")
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        dreamer.dream(noise, config=dataclasses.replace(config, steps=1))
        tf.profiler.experimental.stop()
        seconds = operation_seconds(pathlib.Path(logdir))
    total = sum(seconds.values())
    print(f"\nTensorFlow operations over one profiled step ({total:.1f} s of operations)")
    print("| operation | seconds | share |")
    print("|---|---:|---:|")
    for name, value in seconds.most_common(_TOP.value):
        print(f"| {name} | {value:.2f} | {value / total:.1%} |")


if __name__ == "__main__":
    app.run(main)
