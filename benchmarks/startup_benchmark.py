"""Where the time to a first dream goes: imports, model build, rebuild, memory check, tracing, steps, files.

    python benchmarks/startup_benchmark.py --case=quick_start      # the README's quick start, as the command runs it
    python benchmarks/startup_benchmark.py --case=inception_v3     # Dreamer("inception_v3") on a 1-megapixel photo

Runs one first dream in this fresh process, timing each phase by wrapping the library function that does it
(nothing is reimplemented here): importing TensorFlow and Keras, importing tfdream's modules, building the
model and loading its weights (`models.load_model`), rebuilding it for the precision with batch norms folded
(`inference.build`), measuring the network's activation memory for the memory check
(`memory.activation_bytes_per_pixel`, one trace of a small tile), the first step's extra time over a later
step (tracing the compiled gradient step, allocation), the steps themselves, and writing the image, sidecar
and loss plot. The quick start case runs `tfdream dream` in-process (`tfdream.cli.run`), so its command-line
work is in the total too. inception_v3 uses random weights (`weights=None`, ImageNet weights are not
downloaded by a benchmark): loading its 92 MB of weights is not counted.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import tempfile
import time

START = time.perf_counter()

# pylint: disable=wrong-import-position
import numpy as np
from absl import app, flags

_CASE = flags.DEFINE_enum("case", "quick_start", ["quick_start", "inception_v3"], "Which first dream to time.")
_QUICK_START = flags.DEFINE_string("quick_start", "dream {output} --model=vgg16 --weights=hed "
                                   "--history_plot={plot}", "The quick start's tfdream command line.")

phases: dict[str, float] = {}


def timed(module, name: str, label: str) -> None:
    """Adds the time spent in `module.name` to `phases[label]`."""
    function = getattr(module, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[label] = phases.get(label, 0.0) + time.perf_counter() - began

    setattr(module, name, wrapper)


def main(argv):
    del argv
    began = time.perf_counter()
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    importlib.import_module("keras")
    tf.config.list_physical_devices()
    phases["import TensorFlow, Keras"] = time.perf_counter() - began
    began = time.perf_counter()
    from tfdream import cli, models  # pylint: disable=import-outside-toplevel,line-too-long
    from tfdream.core import callbacks, dreamer, history, memory, octaves  # pylint: disable=import-outside-toplevel,line-too-long
    from tfdream.io import images, samples  # pylint: disable=import-outside-toplevel,line-too-long
    from tfdream.models import inference  # pylint: disable=import-outside-toplevel,line-too-long

    phases["import tfdream"] = time.perf_counter() - began
    timed(models, "load_model", "build model, load weights")
    timed(inference, "build", "rebuild for precision (fold batch norms)")
    timed(memory, "activation_bytes_per_pixel", "memory check (one small trace)")
    for owner, name in ((dreamer.DreamResult, "save"), (history.LossHistory, "plot"), (history.LossHistory, "to_csv"),
                        (history.LossHistory, "to_json")):
        timed(owner, name, "write image, sidecar, history, plot")
    step_ends: list[float] = []
    timed_dream = dreamer.Dreamer.dream

    def dream(self, *args, **kwargs):
        """Dreamer.dream with a step timer added to its callbacks."""
        timer = callbacks.StepTimer()
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or ()), timer]
        began = time.perf_counter()
        result = timed_dream(self, *args, **kwargs)
        phases["dream (all of Dreamer.dream)"] = time.perf_counter() - began
        step_ends.extend([began, *timer.times])
        return result

    dreamer.Dreamer.dream = dream
    with tempfile.TemporaryDirectory() as folder:
        if _CASE.value == "quick_start":
            arguments = _QUICK_START.value.format(output=os.path.join(folder, "dream.png"),
                                                  plot=os.path.join(folder, "losses.png")).split()
            try:
                cli.run(["tfdream", *arguments, "--noprogress"])
            except SystemExit as exit_:
                if exit_.code:
                    raise
        else:
            photo = images.to_uint8(octaves.resize(images.load_image(samples.path("astronaut")), (1024, 1024)))
            result = dreamer.Dreamer("inception_v3", ["mixed3", "mixed5"], weights=None).dream(photo, seed=0)
            result.save(os.path.join(folder, "dream.png"))
            result.history.plot(os.path.join(folder, "losses.png"))
    total = time.perf_counter() - START
    durations = np.diff(step_ends)  # the first from the dream's start: the memory check and loading come with it
    later = float(durations[1])  # the next step, in the same octave (--steps >= 2)
    memory_check = phases["memory check (one small trace)"]
    writes = phases.pop("write image, sidecar, history, plot", 0.0)
    dream_total = phases.pop("dream (all of Dreamer.dream)")
    phases["first step's extra over the second (load the input, trace the step, allocate)"] = (
        float(durations[0]) - later - memory_check)
    phases[f"steps ({len(durations)}; the second took {later:.3f} s)"] = float(np.sum(durations[1:])) + later
    phases["rest of Dreamer.dream (after the last step: to uint8)"] = dream_total - float(np.sum(durations))
    phases["write image, sidecar, history, plot"] = writes
    accounted = sum(phases.values())
    phases["everything else (Python start, flags, command line, Dreamer set-up)"] = total - accounted
    import machine  # pylint: disable=import-outside-toplevel  (imports tfdream: not before the phases are timed)

    print(machine.describe(machine.machine()))
    print(f"{_CASE.value}: {total:.1f} s from Python's start to the files (python {sys.version.split()[0]})")
    print("| phase | seconds | share |")
    print("|---|---:|---:|")
    for label, seconds in phases.items():
        print(f"| {label} | {seconds:.2f} | {seconds / total:.0%} |")


if __name__ == "__main__":
    app.run(main)
