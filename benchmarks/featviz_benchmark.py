"""Feature visualization measured: class renders of a digit classifier judged by an independent one.

    python benchmarks/featviz_benchmark.py                        # every render, 3 seeds: a few CPU minutes
    python benchmarks/featviz_benchmark.py --gallery=docs/gallery # also writes the pictures of docs/renders.md

Two classifiers are trained on scikit-learn's digits at 32x32 RGB (`tfdream.testing.digits`), of different
architectures and seeds. Every class of the first is rendered from noise (`class_logit`, 32x32) with every
render recipe, and with variants given by `--variants`; the table gives, per recipe, the share of renders the
second classifier recognizes as their class, their high-frequency energy (share of the spectrum above 1/4
cycle per pixel; noise is about 0.6) and the class logit reached. With `--gallery`, a row of class renders
per recipe (`featviz_digits.png`) and a channel sheet of HED VGG16 `block4_conv3` naive vs robust
(`featviz_vgg16_channels.png`) are written there.
"""

import pathlib
import sys
import time

import numpy as np
from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import machine  # noqa: E402  (benchmarks/machine.py, beside this script)

from tfdream import renders  # noqa: E402
from tfdream.io import images, sheets  # noqa: E402
from tfdream.testing import digits  # noqa: E402

_SEEDS = flags.DEFINE_integer("seeds", 3, "Renders per class and recipe.")
_EPOCHS = flags.DEFINE_integer("epochs", 8, "Training epochs of each classifier.")
_VARIANTS = flags.DEFINE_multi_string(
    "variants", ["robust, 64 steps=steps=64", "robust, decay 1.5=decay=1.5",
                 "robust, light transforms=transforms=jitter(2) + scale(0.9, 1.1) + rotate(5)"],
    "NAME=FIELD=VALUE: robust with one field changed (repeatable), to choose its defaults.")
_GALLERY = flags.DEFINE_string("gallery", None, "Folder to write the gallery pictures to.")
_CHANNELS = flags.DEFINE_integer("channels", 8, "Channels of the VGG16 sheet.")


def _recipes() -> dict[str, dict]:
    recipes = {name: renders.options(name) for name in renders.RENDERS}
    for variant in _VARIANTS.value:
        name, field, value = variant.split("=", 2)
        default = renders.options("robust")[field]
        recipes[name] = {**renders.options("robust"),
                         field: value if isinstance(default, str) else type(default)(value)}
    return recipes


def _vgg16_sheet(folder: pathlib.Path) -> None:
    from tfdream import Dreamer  # pylint: disable=import-outside-toplevel

    rows, labels = [], []
    for name in ("naive", "robust"):
        for channel in range(_CHANNELS.value):
            dreamer = Dreamer("vgg16", {"block4_conv3": 1.0}, channels={"block4_conv3": [channel]}, weights="hed",
                              precision="float32")
            rows.append(dreamer.dream(None, size=(128, 128), seed=0, **renders.options(name)).image)
            labels.append(f"{name} {channel}")
    sheet = sheets.contact_sheet(rows, labels, columns=_CHANNELS.value, width=128)
    images.save_image(sheet, folder / "featviz_vgg16_channels.png", overwrite=True)


def main(argv):
    del argv
    print(machine.describe(machine.machine()))
    start = time.monotonic()
    model = digits.classifier("plain", seed=0, epochs=_EPOCHS.value)
    judge = digits.classifier("wide", seed=1, epochs=_EPOCHS.value)
    pictures, accuracy = digits.digits()
    print(f"\ntrained in {time.monotonic() - start:.0f} s; the judge recognizes "
          f"{digits.recognized(judge, pictures.round().astype(np.uint8), accuracy).mean():.1%} of the digits\n")
    print(f"{_SEEDS.value} renders per class and recipe, 32x32 from noise\n")
    print("| recipe | recognized by the judge | high-frequency energy | class logit reached | seconds |")
    print("|---|---|---|---|---|")
    rows, labels = [], []
    for name, options in _recipes().items():
        began = time.monotonic()
        measured = digits.render_classes(model, judge, options, seeds=range(_SEEDS.value))
        print(f"| {name} | {measured.recognized.mean():.0%} | {measured.high_frequency.mean():.2f} | "
              f"{measured.objective.mean():.1f} | {time.monotonic() - began:.0f} |", flush=True)
        rows += list(measured.images[:: _SEEDS.value])
        labels += [f"{name} {index}" for index in range(10)]
    if _GALLERY.value:
        folder = pathlib.Path(_GALLERY.value)
        sheet = sheets.contact_sheet(rows, labels, columns=10, width=64)
        images.save_image(sheet, folder / "featviz_digits.png", overwrite=True)
        _vgg16_sheet(folder)


if __name__ == "__main__":
    app.run(main)
