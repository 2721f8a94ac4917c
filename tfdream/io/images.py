"""Image input and output: load any image as float32 RGB, save atomically.

Every image enters the library through `load_image` as a float32 `(H, W, 3)` RGB
array in [0, 255], and every image the library writes goes through `save_image` (atomic, see `tfdream.files`),
so an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import struct
import threading
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageOps

from tfdream.base import checks
from tfdream.io import files

logger = logging.getLogger(__name__)

# Output extension -> (Pillow format, save options).
_FORMATS = {
    ".png": ("PNG", {}),
    ".jpg": ("JPEG", {"quality": 95}),
    ".jpeg": ("JPEG", {"quality": 95}),
    ".webp": ("WEBP", {"quality": 95}),
    ".bmp": ("BMP", {}),
    ".tif": ("TIFF", {}),
    ".tiff": ("TIFF", {}),
}
# Errors Pillow raises for unreadable, corrupt or truncated data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error,
                  Image.DecompressionBombError)
_EXIF_ORIENTATION = 0x0112
# Serializes the brief lifts of Pillow's process-wide pixel limit (see `_pixel_limit_lifted`).
_PIXEL_LIMIT_LOCK = threading.Lock()


class ImageError(ValueError):
    """An image file (or PIL image) cannot be read; the message names the file."""


# Kept under their old names: output files are `tfdream.files`' job.
OutputExistsError = files.OutputExistsError
atomic_write = files.atomic_write


def load_image(source: str | os.PathLike | np.ndarray | Image.Image, *,
               max_dim: int | None = None, allow_large: bool = False) -> np.ndarray:
    """Loads an image as float32 RGB.

    Conversion rules:

    * Transparency (alpha channels, palette or `transparency` keys) is
      composited over a white background: a fully transparent pixel becomes
      (255, 255, 255). White rather than black because transparent regions of
      logos, drawings and screenshots are meant to be seen on a light page.
    * 16-bit data (Pillow modes `I;16*`, numpy uint16) is scaled by 255 / 65535.
    * 32-bit integer data (Pillow mode `I`, e.g. 16-bit PNGs in some Pillow
      versions) carries no bit depth, so it is taken as 16-bit: scaled by
      255 / 65535, then clipped to [0, 255].
    * Floating-point files (Pillow mode `F`) whose values all lie in [0, 1] are
      scaled by 255; otherwise values are clipped to [0, 255].
    * The EXIF orientation is applied. Animated images: only the first frame
      is read, with a logged warning.

    Args:
        source: a file path; a PIL image; or a numpy array of shape `(H, W)`,
            `(H, W, 1)`, `(H, W, 3)` or `(H, W, 4)` (RGBA) with dtype uint8,
            uint16 (full 16-bit range) or float (values in [0, 255]).
        max_dim: if set, the image is downscaled (Lanczos; JPEGs are first
            decoded at a reduced size) so that its longer side is at most
            `max_dim`. Files beyond Pillow's decompression-bomb limit
            (`PIL.Image.MAX_IMAGE_PIXELS`) are accepted when downscaled.
        allow_large: read files beyond the decompression-bomb limit at full size
            (for this call only).

    Returns:
        float32 array of shape `(H, W, 3)`, RGB, values in [0, 255], C-contiguous.

    Raises:
        ImageError: the file is missing, a directory, empty, not an image,
            corrupt, truncated, or beyond the pixel limit.
        ValueError: a bad array (shape, dtype, empty, non-finite or out of range)
            or a bad `max_dim`.
        TypeError: `source` is of an unsupported type.
    """
    _check_max_dim(max_dim)
    if isinstance(source, np.ndarray):
        rgb = _array_to_rgb(source)
    elif isinstance(source, Image.Image):
        # No draft decoding here: it would shrink the caller's image object in place.
        rgb = _pil_to_rgb(source, getattr(source, "filename", "") or "<PIL image>", None)
    elif isinstance(source, (str, os.PathLike)):
        rgb = _read_file(pathlib.Path(source), max_dim, allow_large)
    else:
        raise _unsupported(source)
    if max_dim is not None and max(rgb.shape[:2]) > max_dim:
        rgb = _downscale(rgb, max_dim)
    return np.ascontiguousarray(rgb, dtype=np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Converts an image to uint8, rounding and clipping to [0, 255].

    Args:
        image: array of any shape; uint8 (returned as is), another integer
            dtype, or float with values nominally in [0, 255].

    Returns:
        uint8 array of the same shape.

    Raises:
        ValueError: `image` is not numeric or contains NaN or infinity.
    """
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return np.ascontiguousarray(image)
    if not (np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)):
        raise ValueError(f"image must be integer or float. Received: image.dtype={image.dtype}")
    _require_finite(image)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def check_output_path(path: str | os.PathLike, *, overwrite: bool = False,
                      image: bool = True) -> pathlib.Path:
    """`files.check_output_path`, with `image` requiring an image extension (.png, .jpg, .jpeg, .webp, .bmp,
    .tif, .tiff)."""
    return files.check_output_path(path, overwrite=overwrite, suffixes=_FORMATS if image else None)


def save_image(image: np.ndarray, path: str | os.PathLike, *,
               overwrite: bool = False) -> pathlib.Path:
    """Saves an RGB image atomically, in the format given by the extension.

    Args:
        image: `(H, W, 3)` RGB array, uint8 or float in [0, 255] (rounded and
            clipped).
        path: output file ending in .png, .jpg, .jpeg, .webp, .bmp, .tif or .tiff.
        overwrite: whether an existing file may be replaced.

    Returns:
        The resolved path written.

    Raises:
        ValueError: bad `image` or a path `check_output_path` rejects.
        OutputExistsError: the file exists and `overwrite` is False.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or 0 in image.shape:
        raise ValueError(f"image must have shape (H, W, 3). Received: image.shape={image.shape}")
    pixels = to_uint8(image)
    path = check_output_path(path, overwrite=overwrite)
    fmt, options = _FORMATS[path.suffix.lower()]
    with files.atomic_write(path, overwrite=overwrite) as file:
        Image.fromarray(pixels).save(file, format=fmt, **options)
    return path


@contextlib.contextmanager
def _pixel_limit_lifted() -> Iterator[int | None]:
    """Disables Pillow's process-wide pixel limit inside the block only; yields the limit."""
    with _PIXEL_LIMIT_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield saved
        finally:
            Image.MAX_IMAGE_PIXELS = saved


@contextlib.contextmanager
def _decoding(name: str) -> Iterator[None]:
    """Turns Pillow's errors into a one-line `ImageError` naming the file."""
    try:
        yield
    except ImageError:
        raise
    except _DECODE_ERRORS as err:
        detail = " ".join(str(err).split()) or type(err).__name__
        raise ImageError(f"Cannot load image '{name}': corrupt, truncated or unsupported "
                         f"data ({detail}).") from err


def image_shape(source: str | os.PathLike | np.ndarray | Image.Image) -> tuple[int, int]:
    """(height, width) of what `load_image(source)` returns, read from a file's header alone (nothing decoded).

    Raises:
        ImageError: as `load_image` for a missing, empty or unrecognized file.
    """
    if isinstance(source, np.ndarray):
        return tuple(source.shape[:2])
    if isinstance(source, Image.Image):
        return _oriented_shape(source)
    if not isinstance(source, (str, os.PathLike)):
        raise _unsupported(source)
    path = pathlib.Path(source)
    img, _ = _open(path)
    with img, _decoding(str(path)):
        return _oriented_shape(img)


def _check_max_dim(max_dim) -> None:
    if max_dim is not None and not (checks.is_int(max_dim) and max_dim >= 1):
        raise ValueError(f"max_dim must be a positive integer or None. Received: max_dim={max_dim!r}")


def _unsupported(source) -> TypeError:
    return TypeError("source must be a file path, a numpy array or a PIL.Image.Image. "
                     f"Received: source of type {type(source).__name__}")


def _oriented_shape(img: Image.Image) -> tuple[int, int]:
    """(height, width) of a PIL image once its EXIF orientation is applied."""
    width, height = img.size
    return (width, height) if img.getexif().get(_EXIF_ORIENTATION, 1) in (5, 6, 7, 8) else (height, width)


def shape_within(shape: tuple[int, int], max_dim: int | None) -> tuple[int, int]:
    """The (height, width) `load_image(..., max_dim=max_dim)` gives an image of `shape`."""
    _check_max_dim(max_dim)
    if max_dim is None or max(shape) <= max_dim:
        return tuple(shape)
    width, height = _fit((shape[1], shape[0]), max_dim)
    return height, width


def _open(path: pathlib.Path) -> tuple[Image.Image, int | None]:
    """Opens an image file, reading only its header; returns it with Pillow's pixel limit."""
    if path.is_dir():
        raise ImageError(f"Cannot load image '{path}': it is a directory.")
    if not path.exists():
        raise ImageError(f"Cannot load image '{path}': no such file.")
    if path.stat().st_size == 0:
        raise ImageError(f"Cannot load image '{path}': the file is empty (0 bytes).")
    try:
        # The limit is enforced by the caller, with a clearer message.
        with _pixel_limit_lifted() as limit:
            return Image.open(path), limit
    except Image.UnidentifiedImageError as err:
        raise ImageError(f"Cannot load image '{path}': not a recognized image file.") from err
    except OSError as err:
        raise ImageError(f"Cannot load image '{path}': {err.strerror or err}.") from err


def _read_file(path: pathlib.Path, max_dim: int | None, allow_large: bool) -> np.ndarray:
    """Opens, checks and decodes an image file; returns float RGB (H, W, 3)."""
    img, limit = _open(path)
    with img:
        pixels = img.width * img.height
        too_large = limit is not None and pixels > limit
        if too_large and not allow_large and max_dim is None:
            raise ImageError(
                f"Cannot load image '{path}': {pixels} pixels exceeds the decompression-bomb limit "
                f"of {limit} pixels (PIL.Image.MAX_IMAGE_PIXELS); pass allow_large=True to load it "
                "anyway, or max_dim=N to downscale it on load.")
        with _pixel_limit_lifted() if too_large else contextlib.nullcontext():
            return _pil_to_rgb(img, str(path), max_dim)


def _pil_to_rgb(img: Image.Image, name: str, draft_dim: int | None) -> np.ndarray:
    """Decodes a PIL image (first frame, EXIF-oriented) into float RGB (H, W, 3).

    With `draft_dim`, a not yet loaded JPEG is decoded at the smallest DCT
    scale whose longer side stays >= `draft_dim` (a no-op for other formats).
    """
    with _decoding(name):
        frames = getattr(img, "n_frames", 1)
        if frames > 1:
            logger.warning("Image '%s' is animated (%d frames); only the first frame is used.",
                           name, frames)
            img.seek(0)
        if draft_dim is not None:
            img.draft(img.mode, _fit(img.size, draft_dim))
        img.load()
        img = ImageOps.exif_transpose(img)
        if img.mode.startswith("I;16"):
            return _gray_to_rgb(np.asarray(img, np.float32) * (255 / 65535))
        if img.mode == "I":
            return _gray_to_rgb(np.clip(np.asarray(img, np.float32) * (255 / 65535), 0, 255))
        if img.mode == "F":
            values = np.asarray(img, np.float32)
            if not np.isfinite(values).all():
                raise ImageError(f"Cannot load image '{name}': it contains NaN or infinite values.")
            in_unit_range = values.min() >= 0 and values.max() <= 1
            return _gray_to_rgb(values * 255 if in_unit_range else np.clip(values, 0, 255))
        if img.has_transparency_data:
            return _over_white(np.asarray(img.convert("RGBA"), np.float32))
        return np.asarray(img.convert("RGB"), np.float32)


def _array_to_rgb(image: np.ndarray) -> np.ndarray:
    """Validates a user array and converts it to float RGB (H, W, 3) in [0, 255]."""
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ValueError("image must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4). "
                         f"Received: image.shape={image.shape}")
    if 0 in image.shape:
        raise ValueError(f"image must not be empty. Received: image.shape={image.shape}")
    if image.dtype == np.uint16:
        values = image.astype(np.float32) * (255 / 65535)
    elif image.dtype == np.uint8 or np.issubdtype(image.dtype, np.floating):
        values = image.astype(np.float32)
    else:
        raise ValueError("image must have dtype uint8, uint16 or float. "
                         f"Received: image.dtype={image.dtype}")
    _require_finite(values)
    if values.min() < 0 or values.max() > 255:
        raise ValueError("image values must lie in [0, 255]. "
                         f"Received: min={values.min():g}, max={values.max():g}")
    if image.ndim == 2 or image.shape[2] == 1:
        return _gray_to_rgb(values.reshape(image.shape[:2]))
    return _over_white(values) if image.shape[2] == 4 else values


def _require_finite(image: np.ndarray) -> None:
    """Raises a ValueError naming `image` if it holds NaN or infinity."""
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinite values. "
                         f"Received: image.shape={image.shape}")


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    """(H, W) -> (H, W, 3) float32."""
    return np.repeat(gray[:, :, None], 3, axis=2).astype(np.float32, copy=False)


def _over_white(rgba: np.ndarray) -> np.ndarray:
    """Composites float RGBA (H, W, 4) in [0, 255] over white; returns (H, W, 3)."""
    alpha = rgba[:, :, 3:] / 255
    return rgba[:, :, :3] * alpha + 255 * (1 - alpha)


def _downscale(rgb: np.ndarray, max_dim: int) -> np.ndarray:
    """Lanczos-resizes float RGB (H, W, 3) so its longer side is `max_dim`."""
    size = _fit((rgb.shape[1], rgb.shape[0]), max_dim)
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(rgb[:, :, c], np.float32))
                           .resize(size, Image.Resampling.LANCZOS)) for c in range(3)]
    return np.clip(np.stack(channels, axis=2), 0, 255)


def _fit(size: tuple[int, int], max_dim: int) -> tuple[int, int]:
    """(width, height) scaled so that the longer side is `max_dim`, each side >= 1."""
    scale = max_dim / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
