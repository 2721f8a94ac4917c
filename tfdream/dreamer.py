"""`Dreamer` and `DreamResult`: orchestration of models, octaves, tiles, history and callbacks."""

from __future__ import annotations

import dataclasses
import logging
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
import PIL.Image
import tensorflow as tf

from tfdream import config as config_lib
from tfdream import history as history_lib
from tfdream import precision as precision_lib
from tfdream import colors, images, models, objectives, octaves, smoothing, steering, steps, tiling

logger = logging.getLogger(__name__)

ImageSource = str | os.PathLike | np.ndarray | PIL.Image.Image | None


@dataclasses.dataclass
class DreamResult:
    """What a dream produced.

    Attributes:
        image: uint8 RGB (H, W, 3), the input's size.
        history: Per-step, per-layer losses.
        config: The options used, with the seed actually drawn.
        dreamer: `Dreamer.get_config()` of the dreamer that made it.
        interrupted: True when a callback stopped the dream early.
    """

    image: np.ndarray
    history: history_lib.LossHistory
    config: config_lib.DreamConfig
    dreamer: dict[str, Any]
    interrupted: bool = False

    @property
    def seed(self) -> int:
        """The seed the dream used."""
        return self.config.seed

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> pathlib.Path:
        """Writes the image (format from the extension) atomically; refuses to replace a file unless asked."""
        return images.save_image(self.image, path, overwrite=overwrite)


class Dreamer:
    """Gradient ascent on an image to maximize chosen layers of a network.

    Args:
        model: A name in `tfdream.models.MODELS` ("inception_v3", "vgg16", ...), a path to a saved
            `.keras` model, or a `keras.Model` taking (batch, H, W, 3) (then `preprocessing` is required).
        layers: Layer name, preset name, list of names, `{name: weight}`, or an `objectives.Objective`;
            None for the model's default layers.
        weights: Named models only: "imagenet", None, a weights file, or "hed" (offline VGG16).
        loss: Per-layer reduction: "mean" (mean activation) or "l2" (mean square).
        channels: `{layer: [channel, ...]}` to dream only those channels of a layer.
        preprocessing: Input space name or `models.Preprocessing` (see `models.load_model`).
        min_size: Smallest input side the model accepts (for `keras.Model`s and saved models).
        jit_compile: Compile the gradient step with XLA.
        precision: "float32", "mixed_bfloat16", "mixed_float16" or "auto" (mixed bfloat16 on CPUs with native
            bfloat16, else float32): the network's arithmetic; the image stays float32.
        strategy: A `tf.distribute.Strategy` (e.g. `MirroredStrategy` over several GPUs) to spread each
            batch of tiles over; `batch_pixels` is then the budget of each replica.
    """

    def __init__(
        self,
        model: str | os.PathLike | keras.Model = "inception_v3",
        layers: str | Sequence[str] | Mapping[str, float] | objectives.Objective | None = None,
        *,
        weights: str | os.PathLike | None = "imagenet",
        loss: str = "mean",
        channels: Mapping[str, Sequence[int]] | None = None,
        preprocessing: str | models.Preprocessing | None = None,
        min_size: int | None = None,
        jit_compile: bool = False,
        precision: str = "auto",
        strategy: tf.distribute.Strategy | None = None,
    ):
        if loss not in objectives.REDUCTIONS:
            raise ValueError(f"loss must be one of {objectives.REDUCTIONS}. Received: loss={loss!r}")
        if not isinstance(jit_compile, bool):
            raise ValueError(f"jit_compile must be True or False. Received: jit_compile={jit_compile!r}")
        if min_size is not None and (not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < 1):
            raise ValueError(f"min_size must be None or an int >= 1. Received: min_size={min_size!r}")
        self.loaded = models.load_model(model, weights=weights, preprocessing=preprocessing, min_size=min_size)
        self.objective = self._objective(layers, loss, channels)
        top = self._resolve_classes(model) if self.objective.needs_top else None
        self.extractor = steering.extractor_with_top(self.loaded.model, self.objective.layers, top is not None)
        self.objective.check_channels({name: int(out.shape[-1]) for name, out in self.extractor.output.items()})
        self._guides = tuple(self._preprocess(images.load_image(term.image)) for term in self.objective.guides)
        self._term_masks = tuple(steering.load_mask(mask) for mask in self.objective.masks)
        self.precision = precision_lib.resolve(precision)
        self.replicas = 1 if strategy is None else strategy.num_replicas_in_sync
        self.gradient_fn = steps.make_gradient_fn(
            self.extractor, self.objective, jit_compile=jit_compile, precision=self.precision, strategy=strategy,
            top=top,
        )
        self._config = {
            "model": _model_reference(model),
            "weights": None if weights is None else str(weights),
            "preprocessing": self.loaded.preprocessing.name,
            "terms": self.objective.get_config(),
            "min_size": self.loaded.min_size,
            "jit_compile": jit_compile,
            "precision": self.precision,
        }

    def _objective(self, layers, loss, channels) -> objectives.Objective:
        if isinstance(layers, objectives.Objective):
            if channels is not None:
                raise ValueError("channels cannot be combined with an Objective: select channels in its terms")
            for name in layers.layers:
                models.check_layer(self.loaded, name)
            return layers
        if isinstance(layers, Mapping):
            for name in layers:
                models.check_layer(self.loaded, name)
            return objectives.from_layers(layers, reduction=loss, channels=channels)
        return objectives.from_layers(models.resolve_layers(self.loaded, layers), reduction=loss, channels=channels)

    def _resolve_classes(self, model) -> keras.layers.Dense:
        """Resolves the class terms' names to indices; returns the classifier's top."""
        top = steering.classifier_top(self.loaded.model)
        names = steering.class_names(model)
        classes = int(top.units)
        terms = tuple(term.resolve(names, classes) if isinstance(term, objectives.ClassLogit) else term
                      for term in self.objective.terms)
        self.objective = objectives.Objective(terms)
        return top

    def _preprocess(self, rgb: np.ndarray) -> np.ndarray:
        """float RGB (H, W, 3) in [0, 255] to model space, in bands."""
        preprocessing = self.loaded.preprocessing
        return _in_bands(lambda rows: preprocessing.preprocess(rows).numpy(), rgb, np.float32)

    def get_config(self) -> dict[str, Any]:
        """JSON-ready description; `Dreamer.from_config` rebuilds the same dreamer from a named or saved model."""
        return dict(self._config, terms=[dict(term) for term in self._config["terms"]])

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, strategy: tf.distribute.Strategy | None = None) -> Dreamer:
        """Inverse of `get_config` (not for in-memory `keras.Model`s); where to run is given anew (`strategy`)."""
        objective = objectives.Objective.from_config(config["terms"])
        return cls(
            config["model"],
            objective,
            weights=config["weights"],
            preprocessing=config["preprocessing"],
            min_size=config["min_size"],
            jit_compile=config["jit_compile"],
            precision=config.get("precision", "float32"),
            strategy=strategy,
        )

    @property
    def min_size(self) -> int:
        """Smallest image side (and tile side) the model accepts."""
        return self.loaded.min_size

    def dream(
        self,
        image: ImageSource,
        *,
        size: tuple[int, int] | None = None,
        config: config_lib.DreamConfig | None = None,
        callbacks: Sequence[history_lib.Callback] = (),
        max_dim: int | None = None,
        **options: Any,
    ) -> DreamResult:
        """Dreams on `image`, or on seeded noise of `size` when `image` is None.

        Args:
            image: Path, PIL image, or array (H, W[, C]) with values in [0, 255]; None to start from noise.
            size: (height, width) of the noise image; only with `image=None`.
            config: A `DreamConfig`; keyword `options` (its field names) override its fields.
            callbacks: `history.Callback`s (progress, TensorBoard, interrupt handling, ...).
            max_dim: Downscale a loaded image so its longer side is at most this many pixels.
            **options: `DreamConfig` fields, e.g. `steps=50, octaves=range(-2, 3), tile_size=512, seed=0`;
                `mask` also takes an array (H, W) or (H, W, 1) or a PIL image (not recorded in the config).

        Returns:
            A `DreamResult` whose image has the input's size.
        """
        unknown = sorted(set(options) - {field.name for field in dataclasses.fields(config_lib.DreamConfig)})
        if unknown:
            raise TypeError(f"dream() got unknown options {unknown}; see tfdream.DreamConfig for the valid ones")
        if isinstance(options.get("mask"), os.PathLike):
            options["mask"] = os.fspath(options["mask"])
        mask = options.pop("mask") if not isinstance(options.get("mask", ""), str) else None
        if mask is not None:
            logger.warning("mask given as an array: the dream's config cannot record it for a rerun")
        config = dataclasses.replace(config or config_lib.DreamConfig(), **options)
        if mask is None and config.mask:
            config = dataclasses.replace(config, mask=os.path.abspath(config.mask))  # rerun from any folder
            mask = config.mask
        mask = None if mask is None else steering.load_mask(np.asarray(mask) if isinstance(mask, PIL.Image.Image)
                                                            else mask)
        if config.seed is None:
            config = dataclasses.replace(config, seed=int(np.random.SeedSequence().generate_state(1)[0]))
        if config.tile_size is not None and config.tile_size < self.min_size:
            raise ValueError(
                f"tile_size must be >= {self.min_size}, the smallest input of {self.loaded.name!r}. "
                f"Received: tile_size={config.tile_size}"
            )
        rng = np.random.default_rng(config.seed)
        rgb = self._input(image, size, rng, max_dim)
        preprocessing = self.loaded.preprocessing
        original = self._preprocess(rgb)
        del rgb
        shapes = self._octave_shapes(original.shape[:2], config)
        history = history_lib.LossHistory(self.objective.labels)
        for callback in callbacks:
            callback.on_begin(config, shapes)
        dreamed, interrupted = self._run_octaves(original, shapes, config, rng, history, callbacks, mask)
        dreamed = octaves.resize(dreamed, original.shape[:2])
        if mask is not None:  # the masked-out part is the input exactly, not its trip through smaller octaves
            dreamed = original + steering.mask_at(mask, original.shape[:2]) * (dreamed - original)
        final = _to_uint8(preprocessing, dreamed)
        if config.preserve_colors:
            rgb = _in_bands(lambda rows: preprocessing.deprocess(rows).numpy(), original, np.float32)
            final = colors.with_chroma_of(final, rgb)
        result = DreamResult(final, history, config, self.get_config(), interrupted)
        for callback in callbacks:
            callback.on_end(result)
        return result

    def _input(self, image: ImageSource, size, rng: np.random.Generator, max_dim) -> np.ndarray:
        if image is None:
            if size is None or len(size) != 2 or not all(isinstance(s, int) and s >= 1 for s in size):
                raise ValueError(f"size must be (height, width) of positive ints when image is None. Received: size={size!r}")
            return np.clip(rng.normal(127.5, 20.0, (*size, 3)), 0, 255).astype(np.float32)
        if size is not None:
            raise ValueError(f"size is only for dreaming from noise (image=None). Received: size={size!r}")
        return images.load_image(image, max_dim=max_dim)

    def _octave_shapes(self, base_shape, config: config_lib.DreamConfig) -> list[tuple[int, int]]:
        shapes = []
        for octave, shape in zip(config.octaves, octaves.octave_shapes(base_shape, config.octaves, config.octave_scale)):
            if min(shape) < self.min_size:
                logger.warning(
                    "skipping octave %d: %dx%d is below %d px, the smallest input of %s",
                    octave, shape[0], shape[1], self.min_size, self.loaded.name,
                )
            else:
                shapes.append(shape)
        if not shapes:
            raise ValueError(
                f"every octave is smaller than {self.min_size} px, the smallest input of {self.loaded.name!r}: "
                f"use a larger image or fewer negative octaves. Received: octaves={list(config.octaves)}, "
                f"image size={tuple(base_shape)}"
            )
        return shapes

    def _run_octaves(self, original, shapes, config, rng, history, callbacks, mask) -> tuple[np.ndarray, bool]:
        preprocessing = self.loaded.preprocessing
        value_range = preprocessing.value_range
        step_size = config.step_size * float(np.mean(value_range[1] - value_range[0])) / 2.0
        weights = {term.label: term.weight for term in self.objective.terms}
        image = octaves.resize(original, shapes[0])
        keeps_original = config.detail or mask is not None or config.preserve_colors
        if keeps_original and image is original:
            image = image.copy()  # detail, masks and colours read the original later; else it is dreamed in place
        for index, shape in enumerate(shapes):
            for callback in callbacks:
                callback.on_octave_begin(index, shape)
            image = octaves.resize(image, shape)
            grid = tiling.make_grid(shape, config.tile_size, config.tile_overlap, min_tile=self.min_size)
            batch_size = max(1, config.batch_pixels // (grid.tile[0] * grid.tile[1])) * self.replicas
            gradient = np.empty_like(image)
            octave_mask = None if mask is None else steering.mask_at(mask, shape)
            term_masks = (np.concatenate([steering.mask_at(m, shape) for m in self._term_masks], axis=-1)
                          if self._term_masks else None)
            guides = self._guide_features(shape, config)
            for step in range(config.steps):
                shift = (int(rng.integers(shape[0])), int(rng.integers(shape[1]))) if config.random_roll else (0, 0)
                sigma = smoothing.cascade_sigma(step, config.steps, config.smoothing)
                values, batch_size = tiling.tiled_gradient(
                    image, steps.bind_sigma(self.gradient_fn, sigma, guides), grid, shift, batch_size, gradient,
                    term_masks,
                )
                total = sum(weights[label] * value for label, value in values.items())
                if config.preserve_colors:
                    colors.luminance_gradient(gradient, preprocessing)
                scale = smoothing.gradient_scale(gradient, config.normalization)
                skipped = not (np.isfinite(scale) and np.isfinite(total))
                if skipped:
                    logger.warning("octave %d step %d: non-finite gradient or loss, step skipped", index, step)
                else:
                    if octave_mask is not None:  # after the scale: the dreamed part moves as in a full dream
                        gradient *= octave_mask
                    steps.ascend(image, gradient, step_size, scale, value_range)
                record = history.append(index, step, total, values, skipped)
                for callback in callbacks:
                    callback.on_step(record)
                if any(callback.should_stop() for callback in callbacks):
                    return image, True
            if config.detail and index > 0:
                image += octaves.lost_detail(original, shapes[index - 1], shape)
                np.clip(image, value_range[0], value_range[1], out=image)
            if callbacks:
                octave_image = _to_uint8(preprocessing, image)
                for callback in callbacks:
                    callback.on_octave_end(index, octave_image)
        return image, False


    def _guide_features(self, shape: tuple[int, int], config: config_lib.DreamConfig) -> tuple[np.ndarray, ...]:
        """Each guide term's features at the scale of an octave of `shape` (see `steering.guide_features`)."""
        return tuple(
            steering.guide_features(self.extractor, guide, term.layer, shape, config.tile_size, self.min_size)
            for term, guide in zip(self.objective.guides, self._guides)
        )


def _model_reference(model: str | os.PathLike | keras.Model) -> str:
    """How `get_config` records a model: its name, a saved model's absolute path, or a keras.Model's name."""
    if isinstance(model, keras.Model):
        return model.name
    return model if model in models.MODELS else str(pathlib.Path(model).resolve())


def _in_bands(convert, array: np.ndarray, dtype, rows: int = 256) -> np.ndarray:
    """`convert` applied to bands of `rows` rows of `array`, into a new array of `dtype`.

    TensorFlow's CPU allocator keeps freed buffers resident, so one whole-image TensorFlow temporary would
    raise the dream's memory for good; bands keep those temporaries a few megabytes.
    """
    out = np.empty(array.shape, dtype)
    for start in range(0, array.shape[0], rows):
        out[start : start + rows] = convert(array[start : start + rows])
    return out


def _to_uint8(preprocessing: models.Preprocessing, image: np.ndarray) -> np.ndarray:
    """Model space (H, W, 3) to uint8 RGB, in bands."""
    return _in_bands(lambda rows: images.to_uint8(preprocessing.deprocess(rows).numpy()), image, np.uint8)
