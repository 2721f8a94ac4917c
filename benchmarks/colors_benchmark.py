"""Where colour preservation belongs: swap the colours back only at the end, or keep the ascent on luminance.

    python benchmarks/colors_benchmark.py            # HED VGG16 (offline), coffee at 256 px; a few CPU minutes

Three dreams from the same seed: "free" (no preservation), "end only" (the free dream, then its luminance with
the input's chroma, `colors.with_chroma_of`) and "every step" (`preserve_colors=True`: each step's gradient
projected on luminance, plus the same swap at the end). For each it prints how far the chroma moved from the
input's (mean |U|, |V| difference, 0-255 scale) and how much of the free dream's objective gain survives
(objective of the final image minus the input's, over the free dream's): the colours the end-only swap
throws away were part of what the ascent had bought.
"""

import numpy as np
import tensorflow as tf
from absl import app, flags

from tfdream import Dreamer
from tfdream.io import images, samples
from tfdream.objectives import colors

_LAYERS = flags.DEFINE_list("layers", ["block4_conv3", "block5_conv3"], "Layers dreamed.")
_MAX_DIM = flags.DEFINE_integer("max_dim", 256, "Longer side of the input in pixels.")
_STEPS = flags.DEFINE_integer("steps", 10, "Steps per octave.")


def main(argv):
    del argv
    dreamer = Dreamer("vgg16", _LAYERS.value, weights="hed", precision="float32")
    photo = images.load_image(samples.path("coffee"), max_dim=_MAX_DIM.value).round().astype(np.uint8)
    options = dict(steps=_STEPS.value, octaves=(-1, 0), step_size=0.02, tile_size=None, seed=0)
    free = dreamer.dream(photo, **options).image
    results = {"free": free, "end only": colors.with_chroma_of(free, photo.astype(np.float32)),
               "every step": dreamer.dream(photo, preserve_colors=True, **options).image}

    def objective(rgb):
        model_space = dreamer.loaded.preprocessing.preprocess(rgb.astype(np.float32))[None]
        _, values = dreamer.gradient_fn(model_space, tf.constant(0.0))
        return sum(term.weight * float(values[term.label][0]) for term in dreamer.objective.terms)

    def chroma(rgb):
        return tf.image.rgb_to_yuv(rgb.astype(np.float32) / 255.0).numpy()[..., 1:] * 255.0

    start, gain = objective(photo), objective(free) - objective(photo)
    print(f"HED VGG16 {_LAYERS.value}, coffee {photo.shape[1]}x{photo.shape[0]}, {_STEPS.value} steps x 2 octaves\n")
    print("| colours | mean chroma change | objective gain kept |\n|---|---|---|")
    for name, image in results.items():
        change = float(np.abs(chroma(image) - chroma(photo)).mean())
        print(f"| {name} | {change:.2f} | {(objective(image) - start) / gain:.0%} |")


if __name__ == "__main__":
    app.run(main)
