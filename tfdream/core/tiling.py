"""Tiled gradients with a random roll: bounded memory, full coverage, no seams, flat cost per pixel.

The image is never rolled in memory. A roll `(dy, dx)` only changes which pixels a tile reads: a tile at
`(y0, x0)` in rolled coordinates reads rows `(y0 + i - dy) % H` and columns `(x0 + j - dx) % W` of the image,
copied with plain slices (two per axis where the tile wraps). Tiles have equal size, so they go through the
network in batches; each tile's gradient is taken against the tile alone (never against the whole image).
The grid uses the fewest tiles of at most `tile_size` that cover the image with neighbours sharing at least
`overlap` pixels, shrinks them evenly so no work is wasted (the work per pixel is the same at every image
size), and spreads them from edge to edge; overlapping gradients are blended with linear ramps whose
weights sum to one at every pixel.

Memory: two full-image arrays are alive during a step, both float32 H x W x 3 and both the caller's: the
image and the gradient accumulator (`Dreamer` keeps a third, the preprocessed original, only when detail
reinjection needs it). Per batch, only the tiles, their gradients and the network's activations for that
batch (bounded by the caller's batch size) are added; nothing the size of the image is made per tile.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import tensorflow as tf

logger = logging.getLogger(__name__)

# (tiles float32 (n, th, tw, 3)) -> (gradients (n, th, tw, 3), {label: per-tile value (n,)})
TileGradientFn = Callable[[np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]]


def _tile_count(length: int, tile: int, overlap: int) -> int:
    """Fewest tiles of side `tile` that cover `length` with neighbours sharing at least `overlap` pixels."""
    return 1 if length <= tile else -(-(length - overlap) // (tile - overlap))


def tile_length(length: int, max_tile: int, overlap: int = 0, min_tile: int = 1) -> int:
    """The side of equal tiles covering `length`: as many tiles as `max_tile` needs, each as small as possible.

    Shrinking the tiles evenly keeps the work per pixel the same at every image size: 1024 pixels in tiles of at
    most 512 with 32 of overlap take three tiles of 363 (1089 pixels of work), not three of 512 (1536).
    The result is at least `min(min_tile, length)` (the smallest input a network accepts).
    """
    if length <= max_tile:
        return length
    count = _tile_count(length, max_tile, overlap)
    balanced = -(-(length + (count - 1) * overlap) // count)
    return min(max_tile, max(balanced, min_tile))


def tile_starts(length: int, tile: int, overlap: int = 0) -> list[int]:
    """Start offsets of the fewest tiles of side `tile` covering `[0, length)`, spread evenly.

    The first tile starts at 0 and the last ends exactly at `length`; neighbours share at least `overlap`
    pixels. A length that fits in one tile gives `[0]`.
    """
    count = _tile_count(length, tile, overlap)
    if count == 1:
        return [0]
    span, gaps = length - tile, count - 1
    return [(index * span + gaps // 2) // gaps for index in range(count)]


def blend_weights(length: int, starts: list[int], tile: int, overlap: int) -> list[np.ndarray]:
    """Per-tile 1-D weights (float32, size `tile`) that sum to one at every position of `[0, length)`.

    Each tile ramps linearly over `overlap` pixels on sides that have a neighbour, then all weights are
    divided by their sum so overlapping gradients blend without a seam.
    """
    size = min(tile, length)
    ramp = np.minimum(np.arange(1, size + 1), np.arange(size, 0, -1)).astype(np.float32) / (overlap + 1)
    raw = []
    for index, _ in enumerate(starts):
        weight = np.ones(size, np.float32)
        if overlap:
            if index > 0:
                weight[: size // 2] = np.minimum(1.0, ramp[: size // 2])
            if index < len(starts) - 1:
                weight[size // 2 :] = np.minimum(1.0, ramp[size // 2 :])
        raw.append(weight)
    total = np.zeros(length, np.float32)
    for start, weight in zip(starts, raw):
        total[start : start + size] += weight
    return [weight / total[start : start + size] for start, weight in zip(starts, raw)]


@dataclasses.dataclass(frozen=True)
class TileGrid:
    """Where the tiles of an image of `shape` lie (in rolled coordinates) and how they blend.

    Attributes:
        shape: Image (height, width).
        tile: Tile (height, width), at most `tile_size` (see `tile_length`).
        ys, xs: Tile start rows and columns.
        wy, wx: Blend weights per start, shape (tile height,) and (tile width,).
    """

    shape: tuple[int, int]
    tile: tuple[int, int]
    ys: tuple[int, ...]
    xs: tuple[int, ...]
    wy: tuple[np.ndarray, ...]
    wx: tuple[np.ndarray, ...]

    @property
    def count(self) -> int:
        """Number of tiles."""
        return len(self.ys) * len(self.xs)

    def positions(self) -> Iterator[tuple[int, int]]:
        """(row index, column index) of every tile, row by row."""
        for i in range(len(self.ys)):
            for j in range(len(self.xs)):
                yield i, j


def make_grid(shape: tuple[int, int], tile_size: int | None, overlap: int = 0, min_tile: int = 1) -> TileGrid:
    """The tile grid for an image of `shape`.

    Args:
        shape: Image (height, width).
        tile_size: Largest tile side, or None for one tile covering the image. Tiles are shrunk evenly
            (`tile_length`) so that they cover the image with the least work.
        overlap: Least number of pixels neighbouring tiles share and blend over (ignored without tiling).
        min_tile: Smallest tile side the network accepts.
    """
    height, width = shape
    if tile_size is None:
        th, tw, overlap = height, width, 0
    else:
        th, tw = (tile_length(length, tile_size, overlap, min_tile) for length in shape)
    ys, xs = tile_starts(height, th, overlap), tile_starts(width, tw, overlap)
    return TileGrid(
        shape=(height, width),
        tile=(th, tw),
        ys=tuple(ys),
        xs=tuple(xs),
        wy=tuple(blend_weights(height, ys, th, overlap)),
        wx=tuple(blend_weights(width, xs, tw, overlap)),
    )


def _runs(start: int, length: int, size: int) -> list[tuple[int, int, int]]:
    """Indices `(start + i) % size` for `i < length <= size` as contiguous runs (source, offset in tile, count).

    One run, or two where the tile wraps around the image's edge: tiles are copied with plain slices.
    """
    first = start % size
    head = min(length, size - first)
    return [(first, 0, head)] + ([(0, head, length - head)] if head < length else [])


def whole_positions(tiles: int, images: int) -> int:
    """`tiles` per network call rounded down to whole grid positions of a batch of `images` (every image's tile
    at one place in the same call), at least one position."""
    return max(images, tiles - tiles % images)


def tiled_gradient(
    image: np.ndarray | Sequence[np.ndarray],
    gradient_fn: TileGradientFn,
    grid: TileGrid,
    shift: tuple[int, int],
    batch_size: int,
    out: np.ndarray | Sequence[np.ndarray],
    masks: np.ndarray | None = None,
) -> tuple[dict[str, float], int]:
    """Blends per-tile gradients of `image` (rolled by `shift`) into `out`.

    Args:
        image: float32 (H, W, 3), model space; or a list of such images dreamed together (a batch, see
            `tfdream.objectives.batches`): their tiles at one grid position go through the network together,
            image by image, and `gradient_fn` also gets the image of every tile (int32 (n,), as `members`).
        gradient_fn: Gradient and per-term values of a batch of tiles.
        grid: Tile layout for (H, W).
        shift: Roll (dy, dx) applied to the image before tiling.
        batch_size: Tiles per network call (for a batch of images, rounded down to whole grid positions, at
            least one); halved and retried when the device runs out of memory.
        out: float32 (H, W, 3), overwritten with the blended gradient; a list of them for a list of images.
        masks: Optional float32 (H, W, k) per-pixel maps cut into tiles like the image and passed to
            `gradient_fn` as its second argument (the term masks of `tfdream.steps`).

    Returns:
        (mean per-term value over the tiles, the batch size that worked); for a list of images the mean over
        each image's tiles, float64 (images,) per term.
    """
    several = not isinstance(image, np.ndarray)
    images, outs = (list(image), list(out)) if several else ([image], [out])
    members = len(images)
    height, width = grid.shape
    th, tw = grid.tile
    row_runs = [_runs(y0 - shift[0], th, height) for y0 in grid.ys]
    col_runs = [_runs(x0 - shift[1], tw, width) for x0 in grid.xs]

    def windows(i: int, j: int) -> Iterator[tuple[tuple[slice, slice], tuple[slice, slice]]]:
        """(image window, tile window) pairs that make up tile (i, j)."""
        for source_y, offset_y, count_y in row_runs[i]:
            for source_x, offset_x, count_x in col_runs[j]:
                yield ((slice(source_y, source_y + count_y), slice(source_x, source_x + count_x)),
                       (slice(offset_y, offset_y + count_y), slice(offset_x, offset_x + count_x)))

    for array in outs:
        array.fill(0.0)
    sums: dict[str, float | np.ndarray] = {}
    tiles_of = [(member, i, j) for i, j in grid.positions() for member in range(members)]
    batch_size = whole_positions(batch_size, members)
    done = 0
    while done < len(tiles_of):
        chunk = tiles_of[done : done + batch_size]
        tiles = np.empty((len(chunk), th, tw, images[0].shape[2]), np.float32)
        mask_tiles = None if masks is None else np.empty((len(chunk), th, tw, masks.shape[2]), np.float32)
        for index, (member, i, j) in enumerate(chunk):
            for source, target in windows(i, j):
                tiles[index][target] = images[member][source]
                if mask_tiles is not None:
                    mask_tiles[index][target] = masks[source]
        extra = {} if not several else {"members": np.array([member for member, _, _ in chunk], np.int32)}
        try:
            gradients, values = (gradient_fn(tiles, **extra) if masks is None else
                                 gradient_fn(tiles, mask_tiles, **extra))
        except tf.errors.ResourceExhaustedError:
            if batch_size <= members:
                raise
            batch_size = whole_positions(batch_size // 2, members)
            logger.warning("out of memory with %d tiles per batch: retrying with %d", len(chunk), batch_size)
            continue
        for (member, i, j), gradient in zip(chunk, gradients):
            weighted = gradient * grid.wy[i][:, None, None]
            weighted *= grid.wx[j][None, :, None]
            for source, target in windows(i, j):
                outs[member][source] += weighted[target]
        for label, value in values.items():
            if several:
                value = np.bincount(extra["members"], weights=np.asarray(value, np.float64), minlength=members)
            else:
                value = float(np.sum(value, dtype=np.float64))
            sums[label] = sums.get(label, 0.0) + value
        done += len(chunk)
    return {label: total / grid.count for label, total in sums.items()}, batch_size
