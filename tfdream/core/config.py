"""`DreamConfig`: every option of one dream, validated up front."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tfdream import transforms as transforms_lib
from tfdream.base import checks, choices
from tfdream.io import noise as noise_lib

# The shared checks, under the names this module's validation (and older imports) use.
_is_int = checks.is_int
_is_number = checks.is_number


@dataclasses.dataclass(frozen=True)
class DreamConfig:
    """Options of `Dreamer.dream`.

    Attributes:
        steps: Gradient-ascent steps per octave.
        step_size: Size of each step as a fraction of half the model's input range (for Inception's [-1, 1]
            that is the step in model units; Caffe-style models scale it to their 255-wide range); with
            another parameterization, colour, squash or optimizer than today's pixel ascent, the step (Adam's
            learning rate) in units of the parameters (see `tfdream.parameterizations`).
        octaves: Octave numbers; octave n dreams at `octave_scale ** n` times the input size, in this order.
        octave_scale: Size ratio between consecutive octaves, > 1.
        tile_size: Largest tile side in pixels (tiles are shrunk evenly to cover the image with the least
            work, see `tiling.tile_length`), or None to take each gradient over the whole image at once.
        overlap: Pixels neighbouring tiles share and blend over, to hide tile borders (0 for none); None
            picks 0 with `random_roll` (which moves the borders every step; seams measured in
            benchmarks/README.md) and `tile_size // 16` without (32 for 512-pixel tiles). A dream records
            the overlap it used.
        random_roll: Shift the tile grid randomly every step, so tile borders never stay in one place.
        detail: Reinject the high-frequency detail lost by shrinking, after each octave (Caffe/keras-io style).
        smoothing: Strength of the Gaussian blur cascade applied to gradients (0 disables; ~0.5 is subtle).
        normalization: Divide the gradient by its "std" or by its "mean" absolute value, or divide every
            frequency band of each tile's gradient by its own size ("laplacian", see `laplacian_levels`).
        seed: Seed of the roll offsets and of starting noise; None draws one (recorded in the result).
        batch_pixels: Memory budget for one network call on one device, in input pixels: tiles per batch =
            batch_pixels // tile pixels (at least 1), times the replicas of a `Dreamer(strategy=...)`.
        laplacian_levels: Band-pass levels of the Laplacian pyramid of `normalization="laplacian"`, >= 1 (each
            halves the band's size; halving stops at bands under 3 pixels).
        noise: The start of a dream from noise: "normal" (seeded normal noise around mid-grey) or "grey"
            (the TensorFlow DeepDream notebook's: grey 100 plus seeded uniform noise in [0, 1)).
        mask: Greyscale image file (any size, white dreams, black stays, grey in between) scaling each step
            per pixel, so only part of the picture dreams; "" for none. `Dreamer.dream(mask=array)` also takes
            an array, which a sidecar cannot record.
        preserve_colors: Keep the input's colours: dream only the luminance (YUV; see `tfdream.colors`).
        parameterization: What the ascent changes: "pixel" (the image) or "fourier" (a spectrum scaled by
            1/f^decay whose inverse FFT is the image). Gradients are still taken per tile in pixel space.
        decay: The fourier spectrum's scaling exponent: 1/f^decay (0 is white; larger favours coarse shapes).
        decorrelate: Parameterize colour through `color_matrix` (independent parameters, natural colours).
        color_matrix: The colour-correlation square root of `decorrelate`: "imagenet" or a .npy file of a 3x3
            matrix (`tfdream.parameterizations.color_correlation_sqrt` of a model's own training images).
        squash: How parameters map into the model's value range: "clip" or "sigmoid".
        transforms: Random transforms of every tile before the network, drawn from the seed each step, e.g.
            "pad(12) + jitter(8) + scale(0.9, 1.1) + rotate(10) + jitter(4)"; "" for none (see
            `tfdream.transforms`).
        optimizer: "ascent" (steps of step_size over the gradient's normalization) or "adam" (learning rate
            step_size, its moments reset at every octave).
    """

    steps: int = 8
    step_size: float = 0.04
    octaves: tuple[int, ...] = (-2, -1, 0)
    octave_scale: float = 1.3
    tile_size: int | None = 512
    overlap: int | None = None
    random_roll: bool = True
    detail: bool = False
    smoothing: float = 0.0
    normalization: str = "std"
    seed: int | None = None
    batch_pixels: int = 1 << 20
    laplacian_levels: int = 4
    noise: str = "normal"
    mask: str = ""
    preserve_colors: bool = False
    parameterization: str = "pixel"
    decay: float = 1.0
    decorrelate: bool = False
    color_matrix: str = "imagenet"
    squash: str = "clip"
    transforms: str = ""
    optimizer: str = "ascent"

    def __post_init__(self):
        octaves = self.octaves
        if isinstance(octaves, (str, bytes)) or not isinstance(octaves, (Sequence, range)) or not octaves:
            raise ValueError(f"octaves must be a non-empty sequence of ints. Received: octaves={octaves!r}")
        if not all(_is_int(octave) for octave in octaves):
            raise ValueError(f"octaves must hold ints. Received: octaves={list(octaves)!r}")
        object.__setattr__(self, "octaves", tuple(int(octave) for octave in octaves))
        _check(_is_int(self.steps) and self.steps >= 1, "steps must be an int >= 1", "steps", self.steps)
        _check(_is_number(self.step_size) and self.step_size > 0, "step_size must be > 0", "step_size",
               self.step_size)
        _check(_is_number(self.octave_scale) and self.octave_scale > 1, "octave_scale must be > 1",
               "octave_scale", self.octave_scale)
        _check(self.tile_size is None or (_is_int(self.tile_size) and self.tile_size >= 1),
               "tile_size must be None or an int >= 1", "tile_size", self.tile_size)
        limit = None if self.tile_size is None else self.tile_size // 2
        _check(self.overlap is None or (_is_int(self.overlap) and self.overlap >= 0
                                        and (limit is None or self.overlap < limit)),
               f"overlap must be None or an int in [0, tile_size // 2 = {limit})", "overlap", self.overlap)
        for name in ("random_roll", "detail"):
            _check(isinstance(getattr(self, name), bool), f"{name} must be True or False", name, getattr(self, name))
        _check(_is_number(self.smoothing) and self.smoothing >= 0, "smoothing must be >= 0", "smoothing",
               self.smoothing)
        _check(self.normalization in choices.NORMALIZATIONS,
               f"normalization must be one of {choices.NORMALIZATIONS}", "normalization", self.normalization)
        _check(self.seed is None or (_is_int(self.seed) and self.seed >= 0), "seed must be None or an int >= 0",
               "seed", self.seed)
        _check(_is_int(self.batch_pixels) and self.batch_pixels >= 1, "batch_pixels must be an int >= 1",
               "batch_pixels", self.batch_pixels)
        _check(_is_int(self.laplacian_levels) and self.laplacian_levels >= 1, "laplacian_levels must be an int >= 1",
               "laplacian_levels", self.laplacian_levels)
        _check(self.noise in noise_lib.NOISES, f"noise must be one of {noise_lib.NOISES}", "noise", self.noise)
        _check(isinstance(self.mask, str), "mask must be an image path or \"\" for none", "mask", self.mask)
        _check(isinstance(self.preserve_colors, bool), "preserve_colors must be True or False", "preserve_colors",
               self.preserve_colors)
        self._check_image_options()

    def _check_image_options(self) -> None:
        """Checks the parameterization, colour, squash, transforms and optimizer; the transforms as their text."""
        _check(self.parameterization in choices.PARAMETERIZATIONS,
               f"parameterization must be one of {choices.PARAMETERIZATIONS}", "parameterization",
               self.parameterization)
        _check(_is_number(self.decay) and 0 <= self.decay <= 4, "decay must be in [0, 4]", "decay", self.decay)
        _check(isinstance(self.decorrelate, bool), "decorrelate must be True or False", "decorrelate", self.decorrelate)
        _check(isinstance(self.color_matrix, str) and self.color_matrix != "",
               "color_matrix must be \"imagenet\" or a .npy file", "color_matrix", self.color_matrix)
        _check(self.squash in choices.SQUASHES, f"squash must be one of {choices.SQUASHES}", "squash", self.squash)
        _check(self.optimizer in choices.OPTIMIZERS, f"optimizer must be one of {choices.OPTIMIZERS}", "optimizer",
               self.optimizer)
        object.__setattr__(self, "transforms", transforms_lib.parse(self.transforms).text)

    @property
    def pixel_ascent(self) -> bool:
        """Whether the dream changes the pixels themselves with normalized steps (every dream before these options)."""
        return (self.parameterization == "pixel" and not self.decorrelate and self.squash == "clip"
                and self.optimizer == "ascent")

    @property
    def tile_overlap(self) -> int:
        """The overlap in pixels, with None resolved (0 when untiled)."""
        if self.tile_size is None:
            return 0
        if self.overlap is None:
            return 0 if self.random_roll else self.tile_size // 16
        return self.overlap

    def seeded(self) -> DreamConfig:
        """This config, with a freshly drawn seed if it has none."""
        if self.seed is not None:
            return self
        return dataclasses.replace(self, seed=int(np.random.SeedSequence().generate_state(1)[0]))

    def get_config(self) -> dict[str, Any]:
        """JSON-ready fields (octaves as a list); `from_config` rebuilds the config."""
        data = dataclasses.asdict(self)
        data["octaves"] = list(self.octaves)
        return data

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DreamConfig:
        """Inverse of `get_config`."""
        return cls(**config)

    @classmethod
    def from_record(cls, config: Mapping[str, Any]) -> DreamConfig:
        """The config a dream stored (sidecar, checkpoint), to dream it again the same way.

        Dreams store the overlap they used, in pixels. A stored None was written when None meant
        `tile_size // 16` whatever the roll, and is read as that.
        """
        if config.get("overlap") is None and config.get("tile_size") is not None:
            config = dict(config, overlap=config["tile_size"] // 16)
        return cls.from_config(config)


def _check(ok: bool, message: str, name: str, value) -> None:
    if not ok:
        raise ValueError(f"{message}. Received: {name}={value!r}")
