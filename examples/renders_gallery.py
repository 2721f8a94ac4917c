"""Makes the renders pictures in docs/gallery/ with the offline VGG16 (HED weights); a few CPU minutes.

    python examples/renders_gallery.py

Writes:

* `<model>_std_vs_laplacian.png`: the `multiscale` render (std-normalized steps) beside the `lapnorm` render
  (Laplacian-normalized), from the notebook's grey noise and from the coffee photo, same seed and steps;
* `<model>_std_vs_laplacian_losses.png`: their loss curves;
* `<model>_<layer>_channels.png`: a channel gallery (`tfdream channels`) of `--channels` of `--layer`.
"""

import pathlib
import tempfile

from absl import app, flags, logging

from tfdream import renders
from tfdream.core import callbacks, config, dreamer, history
from tfdream.io import files, images, samples, sheets

_OUTPUT_DIR = flags.DEFINE_string("output_dir", "docs/gallery", "Folder of the gallery files.")
_MODEL = flags.DEFINE_string("model", "vgg16", "Model name or saved .keras model.")
_WEIGHTS = flags.DEFINE_string("weights", "hed", "Weights of a named model.")
_LAYER = flags.DEFINE_string("layer", "block4_conv3", "The layer dreamed.")
_CHANNELS = flags.DEFINE_string("channels", "0-7", "Channels of the channel gallery, e.g. 0-7.")
_SIZE = flags.DEFINE_integer("size", 160, "Side of the noise and longer side of the photo, in pixels.")
_STEPS = flags.DEFINE_integer("steps", 10, "Steps per octave.")
_STEP_SIZE = flags.DEFINE_float("step_size", 0.03, "Step size (see DreamConfig); the renders' own is 1/127.5.")
_SHEET_WIDTH = flags.DEFINE_integer("sheet_width", 192, "Width of each contact-sheet image (keeps the PNG small).")
_PROGRESS = flags.DEFINE_bool("progress", True, "Show progress bars.")


def _progress(stem: str) -> list:
    return [callbacks.ProgressBar(prefix=f"{stem} ")] if _PROGRESS.value else []


def main(argv):
    del argv
    folder = pathlib.Path(_OUTPUT_DIR.value)
    folder.mkdir(parents=True, exist_ok=True)
    overrides = {"steps": _STEPS.value, "step_size": _STEP_SIZE.value, "seed": 0}
    options = {"weights": None if _WEIGHTS.value == "none" else _WEIGHTS.value}
    model = pathlib.Path(_MODEL.value).stem
    network = dreamer.Dreamer(_MODEL.value, _LAYER.value, **options)
    size = (_SIZE.value, _SIZE.value)
    results, labels = [], []
    for source, image in (("grey noise", None), ("coffee", samples.path("coffee"))):
        for render in ("multiscale", "lapnorm"):
            result = network.dream(image, size=None if image else size, max_dim=_SIZE.value,
                                 callbacks=_progress(render), **{**renders.options(render), **overrides})
            results.append(result)
            labels.append(f"{source}, {render} ({result.config.normalization})")
    sheet = sheets.contact_sheet([result.image for result in results], labels, columns=4,
                                 width=_SHEET_WIDTH.value)
    images.save_image(sheet, folder / f"{model}_std_vs_laplacian.png", overwrite=True)
    figure = history.loss_figure([result.history for result in results], labels, columns=4)
    files.save_figure(figure, folder / f"{model}_std_vs_laplacian_losses.png", overwrite=True)
    channels = renders.parse_channels(_CHANNELS.value)
    with tempfile.TemporaryDirectory() as work:
        gallery = renders.channel_gallery(
            _MODEL.value, _LAYER.value, channels, pathlib.Path(work, "sheet.png"), size=size,
            config=config.DreamConfig(**{**renders.options("lapnorm"), **overrides}),
            dreamer_options=options, make_callbacks=_progress, sheet_width=_SHEET_WIDTH.value // 2,
        )
        sheet = images.load_image(gallery.files["sheet"])
    images.save_image(sheet, folder / f"{model}_{_LAYER.value}_channels.png", overwrite=True)
    logging.info("gallery written to %s", folder)


if __name__ == "__main__":
    app.run(main)
