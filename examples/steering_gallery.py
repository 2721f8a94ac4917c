"""Makes docs/gallery/steering_row.png with the offline VGG16 (HED weights): steering one dream several ways.

    python examples/steering_gallery.py

The bundled coffee photo at 256 px, dreamed on `--layers`: plainly, guided by the astronaut sample, through a
soft round mask (written as `steering_mask.png`), and with its colours preserved; side by side with the input.
"""

import pathlib

import numpy as np
from absl import app, flags

from tfdream import Dreamer, objectives
from tfdream.io import images, samples
from tfdream.studies import compare

_OUTPUT_DIR = flags.DEFINE_string("output_dir", "docs/gallery", "Folder of the gallery files.")
_LAYERS = flags.DEFINE_list("layers", ["block4_conv3"], "Layers dreamed (and guided).")
_MAX_DIM = flags.DEFINE_integer("max_dim", 256, "Longer side of the input in pixels.")
_STEPS = flags.DEFINE_integer("steps", 12, "Steps per octave.")
_WIDTH = flags.DEFINE_integer("width", 200, "Width of each image in the row (keeps the PNG small).")


def _round_mask(height: int, width: int) -> np.ndarray:
    """uint8 (H, W): white in a centred disc, fading to black over a fifth of the radius."""
    yy, xx = np.mgrid[0:height, 0:width]
    distance = np.hypot((yy - height / 2) / (height / 2), (xx - width / 2) / (width / 2))
    return (np.clip((1.0 - distance) / 0.2, 0.0, 1.0) * 255).round().astype(np.uint8)


def main(argv):
    del argv
    out = pathlib.Path(_OUTPUT_DIR.value)
    photo = images.load_image(samples.path("coffee"), max_dim=_MAX_DIM.value)
    mask_path = images.save_image(np.repeat(_round_mask(*photo.shape[:2])[..., None], 3, axis=-1),
                                  out / "steering_mask.png", overwrite=True)
    options = dict(steps=_STEPS.value, octaves=(-1, 0), step_size=0.02, tile_size=None, seed=0)
    plain = Dreamer("vgg16", _LAYERS.value, weights="hed")
    guides = [objectives.guide(str(samples.path("astronaut")), name) for name in _LAYERS.value]
    guided = Dreamer("vgg16", sum(guides[1:], guides[0]), weights="hed")
    row = {
        "input": photo,
        "dream": plain.dream(photo, **options).image,
        "guide: astronaut": guided.dream(photo, **options).image,
        "mask": plain.dream(photo, mask=str(mask_path), **options).image,
        "preserve_colors": plain.dream(photo, preserve_colors=True, **options).image,
    }
    sheet = compare.contact_sheet(list(row.values()), list(row), columns=len(row), width=_WIDTH.value)
    images.save_image(sheet, out / "steering_row.png", overwrite=True)


if __name__ == "__main__":
    app.run(main)
