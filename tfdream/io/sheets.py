"""Contact sheets: images in a labelled grid, for comparisons, galleries and atlases."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import PIL.Image
import PIL.ImageDraw
import PIL.ImageFont

from tfdream.io import images


def contact_sheet(
    tiles: Sequence[np.ndarray], labels: Sequence[str], *, columns: int = 4, width: int = 256
) -> np.ndarray:
    """A grid of images, each scaled to `width` pixels wide with its label in a strip below.

    Args:
        tiles: uint8 (or [0, 255] float) RGB images (H, W, 3), any sizes.
        labels: One label per tile (shortened with "..." to fit).
        columns: Tiles per row (fewer when there are fewer tiles).
        width: Width of every tile in pixels.

    Returns:
        uint8 RGB (rows * cell height, columns * width, 3) on white.
    """
    if len(tiles) != len(labels) or not tiles:
        raise ValueError(f"tiles and labels must be non-empty and match. Received: {len(tiles)} tiles, "
                         f"{len(labels)} labels")
    font = PIL.ImageFont.load_default(size=max(10, width // 20))
    strip = round(font.size * 1.6)
    thumbs = [PIL.Image.fromarray(images.to_uint8(tile)) for tile in tiles]
    thumbs = [thumb.resize((width, max(1, round(thumb.height * width / thumb.width))), PIL.Image.Resampling.LANCZOS)
              for thumb in thumbs]
    columns = min(columns, len(thumbs))
    cell = max(thumb.height for thumb in thumbs) + strip
    sheet = PIL.Image.new("RGB", (columns * width, math.ceil(len(thumbs) / columns) * cell), "white")
    draw = PIL.ImageDraw.Draw(sheet)
    for index, (thumb, label) in enumerate(zip(thumbs, labels)):
        x, y = index % columns * width, index // columns * cell
        sheet.paste(thumb, (x, y))
        draw.text((x + 4, y + thumb.height + strip // 5), _fit(draw, label, font, width - 8), fill="black", font=font)
    return np.asarray(sheet)


def _fit(draw, text: str, font, width: int) -> str:
    while len(text) > 1 and draw.textlength(text, font=font) > width:
        text = text[:-4] + "..."
    return text
