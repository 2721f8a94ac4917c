"""How visible tile borders are in a dream, with and without overlap.

    python benchmarks/seam_benchmark.py                                        # InceptionV3, random weights
    python benchmarks/seam_benchmark.py --model=vgg16 --weights=hed --layers=block4_conv3,block5_conv3

Dreams a bundled photo (resized to --size) with the random roll off, so tile borders stay in place, once per
overlap. The seam ratio is the mean absolute pixel difference across tile borders (between the last pixel
before a tile edge and the first after it, every tile edge in both axes) divided by the same difference
between neighbouring pixels at least --margin pixels from any tile edge. 1.0 means borders look like the
rest of the image. Above 1 the borders are edges; well below 1 they are lines the dream left undreamed
(a network with valid padding, like InceptionV3, has small gradients at a tile's edge). The same ratio
is printed for the input photo at the same positions (a baseline: photo content alone) and for the
dream's change (dream minus photo), which leaves the photo's content out.
"""

from __future__ import annotations

import numpy as np
from absl import app
from absl import flags

import common
import tfdream
from tfdream import tiling

_MODEL, _WEIGHTS, _LAYERS, _TILE_SIZE = common.MODEL, common.WEIGHTS, common.LAYERS, common.TILE_SIZE
_SIZE = flags.DEFINE_integer("size", 2048, "Side of the square the photo is resized to.")
_OVERLAPS = flags.DEFINE_list("overlaps", ["0", "default", "64"], "Overlaps to compare ('default': tile_size // 16).")
_STEPS = flags.DEFINE_integer("steps", 30, "Ascent steps (one octave).")
_PRECISION = flags.DEFINE_string("precision", "auto", "Dreamer precision.")
_MARGIN = flags.DEFINE_integer("margin", 8, "Reference differences are taken this far from any tile edge.")


def edges(starts: tuple[int, ...], tile: int) -> list[int]:
    """Positions p where a tile begins or ends inside the image: the border lies between p - 1 and p."""
    inner = {start for start in starts[1:]} | {start + tile for start in starts[:-1]}
    return sorted(inner)


def seam_ratio(image: np.ndarray, grid: tiling.TileGrid, margin: int) -> float:
    """Mean |difference| across tile edges over mean |difference| at least `margin` pixels from any edge."""
    across, away = [], []
    for axis, starts, tile in ((0, grid.ys, grid.tile[0]), (1, grid.xs, grid.tile[1])):
        steps = np.abs(np.diff(image, axis=axis)).mean(axis=tuple(a for a in range(3) if a != axis))
        borders = edges(starts, tile)
        distance = np.min(np.abs(np.arange(1, image.shape[axis])[:, None] - np.array(borders)[None, :]), axis=1)
        across.extend(steps[np.array(borders) - 1])
        away.extend(steps[distance >= margin])
    return float(np.mean(across) / np.mean(away))


def main(argv):
    del argv
    photo = common.square_photo(_SIZE.value)
    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=_WEIGHTS.value, precision=_PRECISION.value)
    print(f"model {_MODEL.value} (weights {_WEIGHTS.value}), layers {_LAYERS.value}, precision {dreamer.precision}, "
          f"{_SIZE.value}^2 px, tile_size {_TILE_SIZE.value}, {_STEPS.value} steps, random_roll off")
    print("| overlap | tile | tiles | seam ratio: dream | input | change | mean change |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for overlap in _OVERLAPS.value:
        config = tfdream.DreamConfig(steps=_STEPS.value, octaves=(0,), tile_size=_TILE_SIZE.value, random_roll=False,
                                     overlap=None if overlap == "default" else int(overlap), seed=0)
        grid = tiling.make_grid(photo.shape[:2], config.tile_size, config.tile_overlap, min_tile=dreamer.min_size)
        dream = dreamer.dream(photo, config=config).image.astype(np.float64)
        change = dream - photo
        ratios = [seam_ratio(image, grid, _MARGIN.value) for image in (dream, photo.astype(np.float64), change)]
        print(f"| {config.tile_overlap} | {grid.tile[0]} | {grid.count} | "
              + " | ".join(f"{ratio:.3f}" for ratio in ratios) + f" | {np.abs(change).mean():.1f} |", flush=True)


if __name__ == "__main__":
    app.run(main)
