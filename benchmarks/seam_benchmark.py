"""How visible tile borders are in a dream, by overlap, with the random roll off and on.

    python benchmarks/seam_benchmark.py                                        # InceptionV3, random weights
    python benchmarks/seam_benchmark.py --model=vgg16 --weights=hed --layers=block4_conv3,block5_conv3

Dreams a bundled photo (resized to --size) once per (roll, overlap), for one octave.

* Seam ratio: the mean absolute pixel difference across tile borders (between the last pixel before a tile
  edge and the first after it, every tile edge in both axes) divided by the same difference between
  neighbouring pixels at least --margin pixels from any tile edge. 1.0 means borders look like the rest of
  the image. Above 1 the borders are edges; well below 1 they are lines the dream left undreamed (a network
  with valid padding, like InceptionV3, has small gradients at a tile's edge). Each step's borders are where
  its roll put them: the ratio is taken at every step's borders on the final image and averaged over the
  steps (with the roll off, every step has the same borders). Also printed for the dream's change (dream
  minus photo), which leaves the photo out.
* With --untiled, each dream is also compared with the untiled dream (the whole image as one tile, the same
  seed, so the same rolls): PSNR and mean absolute difference in 8-bit levels. The floor row is the untiled
  dream of the photo with every pixel moved by -1, 0 or +1 level, against the untiled dream: how far an
  invisible change of the input alone moves the dream.
"""

from __future__ import annotations

import dataclasses

import common
import machine
import numpy as np
from absl import app, flags

import tfdream
from tfdream.core import tiling

_MODEL, _WEIGHTS, _LAYERS, _TILE_SIZE = common.MODEL, common.WEIGHTS, common.LAYERS, common.TILE_SIZE
_SIZE = flags.DEFINE_integer("size", 2048, "Side of the square the photo is resized to.")
_OVERLAPS = flags.DEFINE_list("overlaps", ["0", "16", "32"], "Overlaps to compare ('default': tile_size // 16).")
_ROLLS = flags.DEFINE_list("rolls", ["off", "on"], "Random roll settings to compare.")
_UNTILED = flags.DEFINE_bool("untiled", False, "Also dream untiled (slow: the whole image through the network at "
                             "once) and compare every dream with it.")
_STEPS = flags.DEFINE_integer("steps", 30, "Ascent steps (one octave).")
_PRECISION = flags.DEFINE_string("precision", "auto", "Dreamer precision.")
_MARGIN = flags.DEFINE_integer("margin", 8, "Reference differences are taken this far from any tile edge.")


def edges(starts: tuple[int, ...], tile: int) -> list[int]:
    """Positions p where a tile begins or ends inside the image: the border lies between p - 1 and p."""
    inner = {start for start in starts[1:]} | {start + tile for start in starts[:-1]}
    return sorted(inner)


def seam_ratio(image: np.ndarray, grid: tiling.TileGrid, shift: tuple[int, int], margin: int) -> float:
    """Mean |difference| across the tile edges of one step over mean |difference| `margin` pixels from them.

    The step read its tiles from the image rolled by `shift`, so a border at p in rolled coordinates lies
    between image pixels (p - 1 - shift) and (p - shift), modulo the side; one falling on the image's own
    edge is skipped.
    """
    across, away = [], []
    for axis, starts, tile in ((0, grid.ys, grid.tile[0]), (1, grid.xs, grid.tile[1])):
        length = image.shape[axis]
        steps = np.abs(np.diff(image, axis=axis)).mean(axis=tuple(a for a in range(3) if a != axis))
        borders = np.array([q for q in ((p - shift[axis]) % length for p in edges(starts, tile)) if q])
        if not borders.size:
            continue
        distance = np.min(np.abs(np.arange(1, length)[:, None] - borders[None, :]), axis=1)
        across.extend(steps[borders - 1])
        away.extend(steps[distance >= margin])
    return float(np.mean(across) / np.mean(away))


def recording_shifts(shifts: list[tuple[int, int]]):
    """`tiling.tiled_gradient`, appending each step's roll to `shifts`."""
    tiled_gradient = tiling.tiled_gradient

    def record(image, gradient_fn, grid, shift, *args):
        shifts.append(shift)
        return tiled_gradient(image, gradient_fn, grid, shift, *args)

    return record


def main(argv):
    del argv
    photo = common.square_photo(_SIZE.value)
    dreamer = tfdream.Dreamer(_MODEL.value, _LAYERS.value, weights=_WEIGHTS.value, precision=_PRECISION.value)
    shifts: list[tuple[int, int]] = []
    tiling.tiled_gradient = recording_shifts(shifts)
    print(machine.describe(machine.machine()))
    print(f"model {_MODEL.value} (weights {_WEIGHTS.value}), layers {_LAYERS.value}, precision {dreamer.precision}, "
          f"{_SIZE.value}^2 px, tile_size {_TILE_SIZE.value}, {_STEPS.value} steps")
    print("| roll | overlap | tile | tiles | seam ratio: dream | change | PSNR vs untiled dB | mean abs diff "
          "| mean change |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    nudged = common.nudged(photo)
    for roll in _ROLLS.value:
        base = tfdream.DreamConfig(steps=_STEPS.value, octaves=(0,), tile_size=_TILE_SIZE.value,
                                   random_roll=roll == "on", seed=0)
        reference = None
        if _UNTILED.value:
            untiled = dataclasses.replace(base, tile_size=None)
            reference = dreamer.dream(photo, config=untiled).image
            floor = dreamer.dream(nudged, config=untiled).image
            print(f"| {roll} | floor: untiled, input +-1 level | | 1 | | | {common.psnr(floor, reference):.1f} "
                  f"| {np.abs(floor - reference.astype(np.float64)).mean():.2f} | |", flush=True)
        for overlap in _OVERLAPS.value:
            config = dataclasses.replace(base, overlap=None if overlap == "default" else int(overlap))
            grid = tiling.make_grid(photo.shape[:2], config.tile_size, config.tile_overlap, min_tile=dreamer.min_size)
            shifts.clear()
            dream = dreamer.dream(photo, config=config).image
            change = dream.astype(np.float64) - photo
            ratios = [np.mean([seam_ratio(image, grid, shift, _MARGIN.value) for shift in shifts])
                      for image in (dream.astype(np.float64), change)]
            against_untiled = (["", ""] if reference is None else
                               [f"{common.psnr(dream, reference):.1f}",
                                f"{np.abs(dream - reference.astype(np.float64)).mean():.2f}"])
            print(f"| {roll} | {config.tile_overlap} | {grid.tile[0]} | {grid.count} | {ratios[0]:.3f} | {ratios[1]:.3f} | "
                  + " | ".join(against_untiled) + f" | {np.abs(change).mean():.1f} |", flush=True)


if __name__ == "__main__":
    app.run(main)
