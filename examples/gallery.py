"""Regenerates the README's pictures in docs/gallery/ with the offline VGG16 (HED weights); a few CPU minutes.

    python examples/gallery.py

Writes, for the bundled coffee photo at 384 px:

* `vgg16_layers_contact_sheet.png`, `vgg16_layers_losses.png`, `vgg16_layers_summary.md`: one dream per
  layer of `--layers`, side by side, with their loss curves and loss ranges;
* `coffee_dream.png` and its sidecar `coffee_dream.json` (`tfdream rerun docs/gallery/coffee_dream.json
  OUT.png` makes it again): one dream of `--dream_layers`.
"""

import pathlib
import shutil
import tempfile

from absl import app, flags, logging

from tfdream import studies
from tfdream.core import callbacks, config, dreamer, sidecar
from tfdream.io import samples
from tfdream.studies import compare

_OUTPUT_DIR = flags.DEFINE_string("output_dir", "docs/gallery", "Folder of the gallery files (replaced).")
_MODEL = flags.DEFINE_string("model", "vgg16", "Model name or saved .keras model.")
_WEIGHTS = flags.DEFINE_string("weights", "hed", "Weights of a named model.")
_LAYERS = flags.DEFINE_list("layers", ["block3_conv3", "block4_conv3", "block5_conv3"], "Layers compared, one run each.")
_DREAM_LAYERS = flags.DEFINE_list("dream_layers", ["block4_conv3", "block5_conv3"], "Layers of the single dream.")
_MAX_DIM = flags.DEFINE_integer("max_dim", 384, "Longer side of the input in pixels.")
_STEPS = flags.DEFINE_integer("steps", 20, "Steps per octave.")
_STEP_SIZE = flags.DEFINE_float("step_size", 0.02, "Step size (see DreamConfig).")
_SHEET_WIDTH = flags.DEFINE_integer("sheet_width", 200, "Width of each contact-sheet image (keeps the PNG small).")
_PROGRESS = flags.DEFINE_bool("progress", True, "Show progress bars.")


def _progress(stem: str) -> list:
    return [callbacks.ProgressBar(prefix=f"{stem} ")] if _PROGRESS.value else []


def main(argv):
    del argv
    folder = pathlib.Path(_OUTPUT_DIR.value)
    folder.mkdir(parents=True, exist_ok=True)
    dream_config = config.DreamConfig(steps=_STEPS.value, step_size=_STEP_SIZE.value, seed=0)
    coffee = samples.path("coffee")
    options = {"weights": None if _WEIGHTS.value == "none" else _WEIGHTS.value}
    model = pathlib.Path(_MODEL.value).stem
    with tempfile.TemporaryDirectory() as work:
        compare.compare(coffee, [studies.Run(_MODEL.value, (layer,)) for layer in _LAYERS.value], work,
                        config=dream_config, max_dim=_MAX_DIM.value, dreamer_options=options, make_callbacks=_progress,
                        sheet_width=_SHEET_WIDTH.value)
        for name in ("contact_sheet.png", "losses.png", "summary.md"):
            shutil.copyfile(pathlib.Path(work, name), folder / f"{model}_layers_{name}")
    result = dreamer.Dreamer(_MODEL.value, _DREAM_LAYERS.value, **options).dream(
        coffee, config=dream_config, max_dim=_MAX_DIM.value, callbacks=_progress("coffee_dream")
    )
    image = result.save(folder / "coffee_dream.png", overwrite=True)
    sidecar.write(result, image, sidecar.describe_input(coffee, max_dim=_MAX_DIM.value), overwrite=True)
    logging.info("gallery written to %s", folder)


if __name__ == "__main__":
    app.run(main)
