"""Units per minute of `tfdream atlas` with 1 and 2 worker processes, the outputs compared bit for bit, and a
whole layer's atlas end to end with its time and peak memory per worker.

    python benchmarks/atlas_benchmark.py                         # 16 units with 1 and with 2 workers
    python benchmarks/atlas_benchmark.py --workers=2 --channels=all --out_dir=/tmp/atlas \
        --screenshot=docs/gallery/atlas.png                      # the whole of block4_conv3 (512 units)

HED VGG16 (`--model=vgg16 --weights=hed`, offline trained weights), layer block4_conv3, the default render at
--size, each run in a fresh process on Beam's local multi-process runner with one TensorFlow thread per worker
(`--worker_threads=1`: two workers on two cores do not fight). Examples: 16 crops of the bundled photos. A
run's time is the whole pipeline: start of the workers, the network loaded in each, every unit, the examples'
two passes and the page. Peak memory per worker: the largest resident set of the worker processes
(`RUSAGE_CHILDREN`), and of the command's own process, which loads the network once to count channels.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import resource
import shutil
import tempfile

import common
import machine
import numpy as np
from absl import app, flags

_MODEL, _WEIGHTS = common.MODEL, common.WEIGHTS
flags.FLAGS.set_default("model", "vgg16")
flags.FLAGS.set_default("weights", "hed")
_LAYER = flags.DEFINE_string("layer", "block4_conv3", "The layer whose channels are the units.")
_CHANNELS = flags.DEFINE_string("channels", "0-15", "Channels: all or a range.")
_SIZE = flags.DEFINE_integer("size", 128, "Render side in pixels.")
_WORKERS = flags.DEFINE_list("workers", ["1", "2"], "Worker counts to compare (each a fresh run).")
_OUT_DIR = flags.DEFINE_string("out_dir", None, "Keep the atlas here (one worker count only); default: a temporary "
                               "folder per run.")
_SCREENSHOT = flags.DEFINE_string("screenshot", None, "Write a PNG of the layer's grid and of a unit's page (NAME and "
                                  "NAME_unit.png) in headless Chromium.")
# The same path in every run: the atlas's record names it, and the runs' outputs are compared bit for bit.
EXAMPLES = pathlib.Path(tempfile.gettempdir()) / "tfdream_atlas_benchmark_examples"
_CASE = flags.DEFINE_string("case", None, "Internal: run one worker count into --out_dir and print its result.")


def example_folder(folder: pathlib.Path) -> pathlib.Path:
    """16 crops (4 per photo and flip) of the bundled photos: the examples of the runs."""
    from PIL import Image  # pylint: disable=import-outside-toplevel

    from tfdream.io import images, samples  # pylint: disable=import-outside-toplevel

    folder.mkdir(parents=True, exist_ok=True)
    for name in samples.NAMES:
        photo = images.to_uint8(images.load_image(samples.path(name), max_dim=448))
        for flip in (False, True):
            shown = photo[:, ::-1] if flip else photo
            height, width = shown.shape[:2]
            for index, (top, left) in enumerate([(0, 0), (0, width // 3), (height // 3, 0), (height // 4, width // 4)]):
                crop = shown[top:top + 2 * height // 3, left:left + 2 * width // 3]
                Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"{name}_{int(flip)}{index}.jpg", quality=92)
    return folder


def run_case(workers: int, out_dir: pathlib.Path) -> dict:
    from tfdream.pipelines import engine, units  # pylint: disable=import-outside-toplevel

    spec = units.AtlasSpec.with_render(_MODEL.value, [_LAYER.value], units.DEFAULT_RENDER, channels=_CHANNELS.value,
                                       size=(_SIZE.value, _SIZE.value), dreamer_options={"weights": _WEIGHTS.value},
                                       examples=str(example_folder(EXAMPLES)), top_k=8)
    run = engine.atlas(spec, out_dir, workers=workers, threads=1)
    load = os.getloadavg()[1]  # the machine's load over the last 5 minutes: other jobs share the cores
    digest = hashlib.sha256()
    for path in sorted(out_dir.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(out_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return {"workers": workers, "units": len(run.rendered), "seconds": run.seconds, "render": spec.render,
            "units_per_minute": 60 * len(run.rendered) / run.seconds, "digest": digest.hexdigest()[:16],
            "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "command_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "load": load}


def screenshot(out_dir: pathlib.Path, path: pathlib.Path) -> None:
    from tfdream.pipelines import units  # pylint: disable=import-outside-toplevel
    from tfdream.testing import browser  # pylint: disable=import-outside-toplevel

    with browser.Browser(viewport=(1100, 760)) as chromium:
        chromium.visit(out_dir / f"{_LAYER.value}.html")
        chromium.screenshot(path)
        chromium.visit(units.Unit(_LAYER.value, 0).path(out_dir, ".html"))
        chromium.screenshot(path.with_name(f"{path.stem}_unit.png"), full_page=True)


def main(argv: list[str]) -> None:
    del argv
    if _CASE.value:
        common.print_result(run_case(int(_CASE.value), pathlib.Path(_OUT_DIR.value)))
        return
    print(machine.describe(machine.machine()))
    forwarded = [f"--model={_MODEL.value}", f"--weights={_WEIGHTS.value}", f"--layer={_LAYER.value}",
                 f"--channels={_CHANNELS.value}", f"--size={_SIZE.value}"]
    print(f"\n{_MODEL.value} ({_WEIGHTS.value}) {_LAYER.value}, channels {_CHANNELS.value}, "
          f"{_SIZE.value}x{_SIZE.value}\n")
    print("| workers | units | seconds | units per minute | MiB per worker | command's MiB | outputs digest | load |")
    print("|---|---|---|---|---|---|---|---|")
    for workers in _WORKERS.value:
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="atlas_benchmark_"))
        out_dir = pathlib.Path(_OUT_DIR.value) if _OUT_DIR.value else scratch / "atlas"
        try:
            result = common.run_case(__file__, workers, [*forwarded, f"--out_dir={out_dir}"])
            print(f"| {workers} | {result['units']} | {result['seconds']:.0f} | {result['units_per_minute']:.1f} | "
                  f"{result['worker_peak_mib']:.0f} | {result['command_peak_mib']:.0f} | {result['digest']} | "
                  f"{result['load']:.1f} |",
                  flush=True)
            if _SCREENSHOT.value:
                screenshot(out_dir, pathlib.Path(_SCREENSHOT.value))
        finally:
            shutil.rmtree(scratch)


if __name__ == "__main__":
    app.run(main)
