"""How dreams show in Jupyter and Colab: PNG thumbnails, HTML captions and a live notebook progress display.

Everything here is plain Python: `DreamResult`, `LossHistory` and `Dreamer` call these functions from their
`_repr_*_` methods, which only IPython calls. IPython itself is imported only by code that already runs inside
an IPython kernel (`in_notebook` checks `sys.modules` and never imports it).
"""

from __future__ import annotations

import base64
import html
import io
import sys

import numpy as np
import PIL.Image

from tfdream.io import images

THUMBNAIL_SIDE = 512


def in_notebook() -> bool:
    """Whether this code runs inside an IPython kernel (Jupyter, Colab), without importing IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def png_bytes(image: np.ndarray, max_side: int = THUMBNAIL_SIDE) -> bytes:
    """PNG of an RGB image (H, W, 3), uint8 or float in [0, 255], shrunk so its longer side is <= `max_side`."""
    picture = PIL.Image.fromarray(images.to_uint8(image))
    scale = max_side / max(picture.size)
    if scale < 1:
        size = tuple(max(1, round(side * scale)) for side in picture.size)
        picture = picture.resize(size, PIL.Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def figure_png(fig) -> bytes:
    """PNG of a matplotlib figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def image_html(image: np.ndarray, caption: str, max_side: int = THUMBNAIL_SIDE) -> str:
    """An inline `<figure>`: the image as a data-URI PNG thumbnail with an escaped caption under it."""
    data = base64.b64encode(png_bytes(image, max_side)).decode("ascii")
    return (f'<figure style="margin:0"><img src="data:image/png;base64,{data}" alt="dream"/>'
            f'<figcaption style="font-family:monospace">{html.escape(caption)}</figcaption></figure>')


def progress_html(fraction: float, text: str) -> str:
    """A widget-free progress bar: an HTML `<progress>` element and a line of text beside it."""
    return (f'<div style="font-family:monospace"><progress value="{fraction:.4f}" max="1" '
            f'style="width:20em;vertical-align:middle"></progress> {html.escape(text)}</div>')


class NotebookDisplay:
    """One output area of the running notebook cell that can be replaced in place (a display handle)."""

    def __init__(self):
        from IPython import display  # pylint: disable=import-outside-toplevel

        self._display = display
        self._handle = None

    def update(self, markup: str) -> None:
        """Shows `markup` (HTML), replacing what this display showed before."""
        content = self._display.HTML(markup)
        if self._handle is None:
            self._handle = self._display.display(content, display_id=True)
        else:
            self._handle.update(content)

    def show_image(self, image: np.ndarray, caption: str) -> None:
        """Shows an image with a caption as a new output, below the progress display."""
        self._display.display(self._display.HTML(image_html(image, caption)))
