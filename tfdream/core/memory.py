"""A dream's peak memory, estimated before any of it is spent, and the check that refuses what cannot fit.

Every full-size array a dream keeps is float32 RGB, 12 bytes per pixel. With `P_in` the pixels of the input
(at `max_dim`), `P_k` those of octave k (in dreaming order) and `P_file` those of the file as decoded, the
full-size arrays at their fullest are the largest of:

* loading: the decoded file (uint8 and float32, 15 bytes per pixel) and the preprocessed input:
  `15 P_file + 12 P_in` (noise is made in float32 bands: `12 P_in`);
* the change to octave k: the preprocessed input; the previous octave's image, its gradient and its copy as
  a tensor; the resized image as a tensor and as an array, and its new gradient: `12 (P_in + 3 P_{k-1} + 3 P_k)`
  (`P_{-1} = 0`); detail reinjection adds three resized copies of the input: `+ 36 P_k`;
* the end: the preprocessed input, the last octave's image, its resize to the input's size and the uint8
  result: `12 (2 P_in + P_last) + 3 P_in`.

A dream through a parameterization (`tfdream.optimizers`) holds, during octave k, the parameters (a Fourier
spectrum takes as many bytes as the image), their gradient and the decoding's and pull-back's temporaries,
and Adam's two moments: `PARAMETER_ARRAYS[optimizer]` more arrays of `12 P_k` (measured in
`tests/core/test_memory.py`). They are full-size arrays like the image, not per tile, so such a dream stays
within the tiled bound: a 4096x4096 Fourier dream with Adam adds about 1.9 GiB, not the network's activations
of a 4096x4096 tile.

On top of that, one batch of `n` tiles of `t` pixels: the tiles, their copy as a tensor, their gradients (as a
tensor and as an array) and what the network keeps alive for backpropagation: `n t (48 + A / 2)`, where `A`
is the bytes of every tensor the network computes from one input pixel (measured once per network by tracing
it on a small tile, `activation_bytes_per_pixel`); TensorFlow fuses biases and activations into convolutions
and frees what backpropagation no longer needs, and about half of the traced bytes were measured alive at
the peak. The total is compared with the
memory the system says is available (`MemAvailable`, and the cgroup's limit in containers). The estimate is
checked against measured peaks in `tests/test_memory.py`.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib
from collections.abc import Sequence

import keras
import tensorflow as tf

logger = logging.getLogger(__name__)

PIXEL_BYTES = 12  # float32 RGB
# Full-size float32 RGB arrays a parameterized step adds at its peak, by optimizer (see the module docstring).
PARAMETER_ARRAYS = {"ascent": 8, "adam": 10}  # measured: at most 7.03 and 9.04
_PROBE_SIDE = 96
# Operations whose output shares its input's buffer: they allocate nothing.
_VIEWS = frozenset({"Identity", "IdentityN", "Reshape", "ExpandDims", "Squeeze", "StopGradient"})


class InsufficientMemoryError(MemoryError):
    """A dream would need more memory than the machine has available; the message says what to change."""


@dataclasses.dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a dream needs at its peak.

    Attributes:
        image_arrays: The full-size arrays at their fullest (see the module docstring).
        tiles: One batch of tiles with its gradients and the network's activations.
    """

    image_arrays: int
    tiles: int

    @property
    def total(self) -> int:
        """Both together: the estimated peak above the program's own footprint."""
        return self.image_arrays + self.tiles


def estimate(
    input_shape: tuple[int, int],
    octave_shapes: Sequence[tuple[int, int]],
    tile_pixels: int,
    batch_tiles: int,
    activation_bytes_per_pixel: float,
    *,
    decoded_shape: tuple[int, int] | None = None,
    detail: bool = False,
    parameters: str | None = None,
) -> MemoryEstimate:
    """The peak memory of a dream (formula in the module docstring).

    Args:
        input_shape: (height, width) of the input as dreamed (after `max_dim`).
        octave_shapes: (height, width) of every octave, in dreaming order.
        tile_pixels: Pixels of the largest tile.
        batch_tiles: Tiles per network call.
        activation_bytes_per_pixel: `activation_bytes_per_pixel(network)`.
        decoded_shape: (height, width) of the file as decoded, or None for noise and arrays already in memory.
        detail: Whether detail is reinjected after each octave.
        parameters: The optimizer of a dream through a parameterization ("ascent", "adam"), None for a
            pixel-space ascent.
    """
    p_in = input_shape[0] * input_shape[1]
    pixels = [height * width for height, width in octave_shapes]
    loading = 15 * decoded_shape[0] * decoded_shape[1] + PIXEL_BYTES * p_in if decoded_shape else PIXEL_BYTES * p_in
    octave = max(
        PIXEL_BYTES * (p_in + 3 * previous + 3 * p) + (3 * PIXEL_BYTES * p if detail else 0)
        + (PIXEL_BYTES * PARAMETER_ARRAYS[parameters] * p if parameters else 0)
        for p, previous in zip(pixels, [0, *pixels[:-1]])
    )
    end = PIXEL_BYTES * (2 * p_in + pixels[-1]) + 3 * p_in
    tiles = batch_tiles * tile_pixels * (4 * PIXEL_BYTES + activation_bytes_per_pixel / 2)
    return MemoryEstimate(image_arrays=max(loading, octave, end), tiles=round(tiles))


def input_arrays(input_shape: tuple[int, int], decoded_shape: tuple[int, int] | None = None) -> MemoryEstimate:
    """The least any dream of this input needs, whatever its network and octaves: loading it, and at the end
    the preprocessed input, its resize and the uint8 result (`15 P_file + 12 P_in`, `27 P_in`); no tiles.

    It needs no network, so a dream that cannot fit is refused before one is built or traced.
    """
    p_in = input_shape[0] * input_shape[1]
    loading = 15 * decoded_shape[0] * decoded_shape[1] + PIXEL_BYTES * p_in if decoded_shape else PIXEL_BYTES * p_in
    return MemoryEstimate(image_arrays=max(loading, (2 * PIXEL_BYTES + 3) * p_in), tiles=0)


def activation_bytes_per_pixel(network: keras.Model, side: int = _PROBE_SIDE) -> float:
    """Bytes of the tensors `network` computes from one input pixel, from a trace on one `side` x `side` tile.

    Every floating-point tensor computed from the input counts (the input included); weights and views of a
    tensor (identities, reshapes) do not.

    Args:
        network: A model from (batch, H, W, 3) images.
        side: The probe tile's side (at least the network's smallest input); a network with a fixed input size
            is traced at that size.
    """
    fixed = tuple(network.inputs[0].shape[1:3])
    height, width = fixed if None not in fixed else (side, side)  # a fixed-size network is traced at its size
    traced = tf.function(lambda tiles: network(tiles, training=False), autograph=False)
    graph = traced.get_concrete_function(tf.TensorSpec([1, height, width, 3], tf.float32)).graph
    from_input = {graph.inputs[0].ref()}  # the tiles; the other inputs are the captured weights
    total = graph.inputs[0].shape.num_elements() * 4
    for operation in graph.get_operations():  # in the order they were made: inputs before their users
        if not any(tensor.ref() in from_input for tensor in operation.inputs):
            continue
        for output in operation.outputs:
            from_input.add(output.ref())
            if operation.type not in _VIEWS and output.dtype.is_floating and output.shape.is_fully_defined():
                total += output.shape.num_elements() * output.dtype.size
    return total / (height * width)


def available_bytes() -> int | None:
    """Memory the system can give this process now: `MemAvailable`, capped by the cgroup's free memory.

    None where neither can be read (not Linux).
    """
    limits = []
    meminfo = _read("/proc/meminfo")
    if meminfo:
        for line in meminfo.splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit, usage = _read(limit_file), _read(usage_file)
        if limit and usage and limit.strip().isdigit() and int(limit) < 1 << 60:
            limits.append(int(limit) - int(usage))
    return min(limits) if limits else None


def _read(path: str) -> str | None:
    try:
        return pathlib.Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def check(needed: MemoryEstimate, available: int | None, what: str, batch: int = 1) -> None:
    """Raises `InsufficientMemoryError` when `needed.total` exceeds `available` (no check when None).

    Args:
        needed: The estimate.
        available: Bytes available (`available_bytes()`).
        what: The dream in words, for the message, e.g. "a dream of 200000x200000".
        batch: The images dreamed together (the message then suggests fewer).
    """
    if available is None or needed.total <= available:
        return
    raise InsufficientMemoryError(
        f"{what} needs {'at least' if not needed.tiles else 'about'} {format_bytes(needed.total)} of memory "
        f"(full-size arrays {format_bytes(needed.image_arrays)}"
        f"{f', one batch of tiles {format_bytes(needed.tiles)}' if needed.tiles else ''}) but "
        f"{format_bytes(available)} is available: use a smaller max_dim or size, fewer upscaled octaves, "
        f"{'fewer images in the batch, ' if batch > 1 else ''}or a smaller tile_size or batch_pixels"
    )


def dream_size(input_shape: tuple[int, int], batch: int = 1) -> str:
    """A dream of this (height, width) input in words, for the refusal: "a dream of 640x480 pixels" (or "a batch
    of 4 dreams of ...")."""
    dreams = "a dream" if batch == 1 else f"a batch of {batch} dreams"
    return f"{dreams} of {input_shape[1]}x{input_shape[0]} pixels"


def check_input(input_shape: tuple[int, int], decoded_shape: tuple[int, int] | None = None) -> None:
    """Refuses (`InsufficientMemoryError`) an input whose full-size arrays alone (`input_arrays`) exceed the
    memory available: arithmetic only, so before any network is built or traced."""
    check(input_arrays(input_shape, decoded_shape), available_bytes(), dream_size(input_shape))


def format_bytes(count: float) -> str:
    """1536 -> "1.5 KiB"."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    index = 0
    while abs(count) >= 1024 and index < len(units) - 1:
        count /= 1024
        index += 1
    return f"{count:.0f} B" if index == 0 else f"{count:.1f} {units[index]}"
