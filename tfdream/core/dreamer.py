"""`Dreamer`: a model, an objective and its compiled step; `dream` orchestrates octaves, tiles, history,
callbacks and checkpoints (the math lives in the modules it calls)."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import pathlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
import PIL.Image
import tensorflow as tf

from tfdream import models, objectives, parameterizations, transforms
from tfdream.base import checks
from tfdream.core import callbacks as callbacks_lib
from tfdream.core import checkpoints, memory, octaves, optimizers, smoothing, steering, steps, tiling
from tfdream.core import config as config_lib
from tfdream.core import history as history_lib
from tfdream.core.result import DreamResult
from tfdream.io import images, sources
from tfdream.models import classifiers, ensemble, inference
from tfdream.objectives import colors
from tfdream.objectives import images as term_images

logger = logging.getLogger(__name__)

ImageSource = sources.Source | str | os.PathLike | np.ndarray | PIL.Image.Image | None


class Dreamer:
    """Gradient ascent on an image to maximize chosen layers of a network.

    Args:
        model: A name in `tfdream.models.MODELS` ("inception_v3", "vgg16", ...), a path to a saved
            `.keras` model, or a `keras.Model` taking (batch, H, W, 3) (then `preprocessing` is required); or
            a list (or tuple) of them, dreamed together on one image (`tfdream.models.ensemble`): their layers are then
            named `MODEL/LAYER`, and `weights`, `preprocessing` and `min_size` take one value per model.
        layers: Layer name, a saved model's layer-set name, list of names, `{name: weight}`, or an
            `objectives.Objective`; None for the model's default layers.
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
        batch: Images dreamed together in one compiled step, e.g. one per channel with `objectives.per_image` or
            several of one unit with `objectives.diversity`; None for as many as the objective's `per_image`
            terms name (1 without them). From noise, image 0 starts as a dream of one image does and image `m`
            from noise of the seed `(seed, m)`; from a photo, all start from it. A dream then returns the images
            stacked, each also as a `DreamResult` of its own (`result.members`).

    Attributes:
        loaded: The `models.LoadedModel` (network, preprocessing, default layers, layer sets).
        objective: The `objectives.Objective` maximized.
        extractor: `loaded.model` cut to the objective's layers: (n, h, w, 3) -> `{layer: activation}`.
        network: What runs: `extractor` rebuilt by `inference.build` for `precision` (batch norms folded) and
            placed on `strategy`'s replicas.
        gradient_fn: The compiled tile-gradient step over `network` (`steps.make_gradient_fn`); dreams with
            transforms compile one more per transform stack, on first use.
    """

    def __init__(
        self,
        model: str | os.PathLike | keras.Model | Sequence[str | os.PathLike | keras.Model] = "inception_v3",
        layers: str | Sequence[str] | Mapping[str, float] | objectives.Objective | None = None,
        *,
        weights: str | os.PathLike | None | Sequence[str | os.PathLike | None] = "imagenet",
        loss: str = "mean",
        channels: Mapping[str, Sequence[int]] | None = None,
        preprocessing: str | models.Preprocessing | None | Sequence[str | models.Preprocessing | None] = None,
        min_size: int | None | Sequence[int | None] = None,
        jit_compile: bool = False,
        precision: str = "auto",
        strategy: tf.distribute.Strategy | None = None,
        batch: int | None = None,
    ):
        if loss not in objectives.REDUCTIONS:
            raise ValueError(f"loss must be one of {objectives.REDUCTIONS}. Received: loss={loss!r}")
        if not isinstance(jit_compile, bool):
            raise ValueError(f"jit_compile must be True or False. Received: jit_compile={jit_compile!r}")
        several = isinstance(model, (list, tuple))
        _check_model_options(several, weights, preprocessing, min_size)
        with_top = isinstance(layers, objectives.Objective) and layers.needs_top  # a class term reads the top
        load = ensemble.load_models if several else models.load_model
        self.loaded = load(model, weights=weights, preprocessing=preprocessing, min_size=min_size,
                           include_top=with_top)
        self.objective = self._objective(layers, loss, channels)
        self.batch = _check_batch(batch, objectives.batch_size(self.objective))
        top = self._resolve_classes(model) if self.objective.needs_top else None
        self.extractor = (ensemble.extractor(self.loaded, self.objective.layers) if several else
                          classifiers.extractor_with_top(self.loaded.model, self.objective.layers, top is not None))
        self.objective.check_channels({name: int(out.shape[-1]) for name, out in self.extractor.output.items()})
        self._guides = tuple(self._preprocess(images.load_image(term.image)) for term in self.objective.guides)
        self._term_masks = tuple(term_images.load_mask(mask) for mask in self.objective.masks)
        self.precision = inference.resolve(precision)
        self.replicas = 1 if strategy is None else strategy.num_replicas_in_sync
        self.network = inference.build(self.extractor, self.precision, strategy)
        self._step_options = {"jit_compile": jit_compile, "strategy": strategy, "top": top, "batch": self.batch}
        self.gradient_fn = steps.make_gradient_fn(self.network, self.objective, **self._step_options)
        self._transformed_steps: dict[str, tf.types.experimental.GenericFunction] = {}
        self._config = {
            **_model_record(model, weights, self.loaded),
            "terms": self.objective.get_config(),
            "jit_compile": jit_compile,
            "precision": self.precision,
            "batch": self.batch,
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
        top = classifiers.classifier_top(self.loaded.model)
        names = classifiers.class_names(model)
        classes = int(top.units)
        terms = tuple(term.resolve(names, classes) if term.needs_top else term
                      for term in self.objective.terms)
        self.objective = objectives.Objective(terms)
        return top

    def _preprocess(self, rgb: np.ndarray) -> np.ndarray:
        """float RGB (H, W, 3) in [0, 255] to model space, in bands."""
        preprocessing = self.loaded.preprocessing
        return _in_bands(lambda rows: preprocessing.preprocess(rows).numpy(), rgb, np.float32)

    def get_config(self) -> dict[str, Any]:
        """JSON-ready description; `Dreamer.from_config` rebuilds the same dreamer from a named or saved model.

        Saved models and weights files are recorded by absolute path, so the record works from any folder.
        """
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
            batch=config.get("batch", 1),
        )

    def __repr__(self) -> str:
        named = self._config["model"] if self.loaded.members else [self._config["model"]]
        weights = f", weights={self._config['weights']!r}" if set(named) <= set(models.MODELS) else ""
        batch = f", batch={self.batch}" if self.batch > 1 else ""
        return (f"Dreamer(model={self._config['model']!r}{weights}, layers={list(self.objective.labels)}, "
                f"preprocessing={self.loaded.preprocessing.name!r}, precision={self.precision!r}, "
                f"min_size={self.min_size}{batch})")

    def _step_for(self, transform_text: str) -> tf.types.experimental.GenericFunction:
        """The compiled step for a `DreamConfig.transforms` text: `gradient_fn`, or one compiled with them."""
        if not transform_text:
            return self.gradient_fn
        if transform_text not in self._transformed_steps:
            self._transformed_steps[transform_text] = steps.make_gradient_fn(
                self.network, self.objective, transform_stack=transforms.parse(transform_text), **self._step_options)
        return self._transformed_steps[transform_text]

    def parameterization(self, config: config_lib.DreamConfig) -> parameterizations.Parameterization:
        """The image parameterization `config` asks for, over this model's input space."""
        color = parameterizations.load_color_matrix(config.color_matrix) if config.decorrelate else None
        return parameterizations.Parameterization(config.parameterization, self.loaded.preprocessing,
                                                  decay=config.decay, color=color, squash=config.squash)

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
        callbacks: Sequence[callbacks_lib.Callback] = (),
        max_dim: int | None = None,
        checkpoint: checkpoints.Checkpointer | None = None,
        resume_from: checkpoints.DreamState | None = None,
        **options: Any,
    ) -> DreamResult:
        """Dreams on `image`, or on seeded noise of `size` when `image` is None.

        Args:
            image: A `sources.Source`, path, PIL image, or array (H, W[, C]) with values in [0, 255]; None
                to start from noise.
            size: (height, width) of the noise image; only with `image=None`.
            config: A `DreamConfig`; keyword `options` (its field names) override its fields.
            callbacks: `callbacks.Callback`s (progress, TensorBoard, interrupt handling, ...).
            max_dim: Downscale a loaded image so its longer side is at most this many pixels (a `Source`
                carries its own).
            checkpoint: Saves the dream's state when a callback stops it and periodically (see
                `tfdream.checkpoints`).
            resume_from: Go on from this state of the same dream (same input, config and seed) instead of
                starting over; the result is the one an uninterrupted dream gives.
            **options: `DreamConfig` fields, e.g. `steps=50, octaves=range(-2, 3), tile_size=512, seed=0`;
                `mask` also takes an array (H, W) or (H, W, 1) or a PIL image (not recorded in the config).

        Returns:
            A `DreamResult` whose image has the input's size.
        """
        start = time.monotonic()
        config, mask = self._dream_config(config, options)
        rng = np.random.default_rng(config.seed)
        originals, shapes = self._load_inputs(_as_input(image, size, max_dim), config, rng, max_dim)
        history = history_lib.LossHistory(self._history_labels, resume_from.records if resume_from else ())
        if resume_from is not None:
            _check_resumable(resume_from, shapes, config, self.batch)
            if not config.pixel_ascent and resume_from.step and not resume_from.optimizer:
                raise ValueError("resume_from holds no optimizer state, which a parameterized dream (or Adam) "
                                 "needs to go on: its checkpoint was made by a pixel-space dream")
            rng.bit_generator.state = resume_from.rng
        callbacks = callbacks_lib.CallbackList(callbacks)
        callbacks.on_begin(config, shapes)
        dreamed, interrupted = self._run_octaves(originals, shapes, config, rng, history, callbacks, mask,
                                                 checkpoint, resume_from)
        finals = [self._finish(image, original, mask, config) for image, original in zip(dreamed, originals)]
        elapsed = time.monotonic() - start
        if self.batch == 1:
            result = DreamResult(finals[0], history, config, self.get_config(), interrupted, elapsed)
        else:
            members = tuple(DreamResult(final, self._image_history(history, index), config, self.get_config(),
                                        interrupted, elapsed, member=index) for index, final in enumerate(finals))
            result = DreamResult(np.stack(finals), history, config, self.get_config(), interrupted, elapsed,
                                 members=members)
        callbacks.on_end(result)
        return result

    @property
    def _history_labels(self) -> tuple[str, ...]:
        """The history's columns: every term's, and for a batch each image's value of the terms shared by all."""
        shared = [term.label for term in self.objective.terms if not isinstance(term, objectives.ImageTerm)]
        return self.objective.labels + (tuple(objectives.image_label(index, label) for index in range(self.batch)
                                              for label in shared) if self.batch > 1 else ())

    def _batch_values(self, per_image: Mapping[str, np.ndarray]) -> dict[str, float]:
        """A batch's step values by history column, from each term's mean over each image's tiles (images,):
        an image's own term on its image; a shared term over the batch, and on each image."""
        values = {}
        for term in self.objective.terms:
            means = per_image[term.label]
            if isinstance(term, objectives.ImageTerm):
                values[term.label] = float(means[term.index])
            else:
                values[term.label] = float(np.mean(means))
                values.update({objectives.image_label(index, term.label): float(mean)
                               for index, mean in enumerate(means)})
        return values

    def _image_history(self, history: history_lib.LossHistory, index: int) -> history_lib.LossHistory:
        """The history of image `index` of a batch: its own terms under their own labels, the shared terms, and
        their weighted total."""
        labels = objectives.image_labels(self.objective, index)
        weights = {term.label: term.weight for term in self.objective.terms}
        # An image's own term keeps its column; a shared term's value on this image is in the image's column.
        columns = {label: label if own != label else objectives.image_label(index, label)
                   for label, own in labels.items()}
        records = [{"octave": record["octave"], "step": record["step"],
                    "total": sum(weights[label] * record[columns[label]] for label in labels),
                    **{own: record[columns[label]] for label, own in labels.items()}, "skipped": record["skipped"]}
                   for record in history.records]
        return history_lib.LossHistory(tuple(labels.values()), records)

    def _dream_config(self, config: config_lib.DreamConfig | None, options: dict[str, Any]
                      ) -> tuple[config_lib.DreamConfig, np.ndarray | None]:
        """The dream's config (`options` over `config`, seeded, overlap resolved) and its mask, float32 (H, W, 1)."""
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
        if mask is not None:
            mask = term_images.load_mask(np.asarray(mask) if isinstance(mask, PIL.Image.Image) else mask)
        if config.decorrelate and config.color_matrix != "imagenet":
            config = dataclasses.replace(config, color_matrix=os.path.abspath(config.color_matrix))
            parameterizations.load_color_matrix(config.color_matrix)  # refused before the dream starts
        config = config.seeded()
        config = dataclasses.replace(config, overlap=config.tile_overlap)  # recorded as used
        if config.tile_size is not None and config.tile_size < self.min_size:
            raise ValueError(
                f"tile_size must be >= {self.min_size}, the smallest input of {self.loaded.name!r}. "
                f"Received: tile_size={config.tile_size}"
            )
        return config, mask

    def _load_inputs(self, source, config: config_lib.DreamConfig, rng: np.random.Generator,
                     max_dim: int | None) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
        """The start of every image of the batch in model space, float32 (H, W, 3) each, and the octave shapes;
        refuses what cannot fit first."""
        if isinstance(source, sources.Source):
            decoded_shape, input_shape = source.shapes()
        else:
            decoded_shape, input_shape = None, images.shape_within(images.image_shape(source), max_dim)
        memory.check_input(input_shape, decoded_shape)  # before the estimate traces the network
        shapes = self._octave_shapes(input_shape, config)
        memory.check(self.memory_estimate(input_shape, shapes, config, decoded_shape), memory.available_bytes(),
                     memory.dream_size(input_shape, self.batch), self.batch)
        if isinstance(source, sources.Source) and source.kind == "noise":
            # Image 0 starts as a dream of one image would; the others from noise of their own seeds (seed, index).
            generators = [rng, *(np.random.default_rng((config.seed, index)) for index in range(1, self.batch))]
            return [self._preprocess(source.load(generator, noise=config.noise)) for generator in generators], shapes
        rgb = source.load() if isinstance(source, sources.Source) else images.load_image(source, max_dim=max_dim)
        start = self._preprocess(rgb)  # read, checked and converted once; every image of a batch starts from it
        return [start] + [start.copy() for _ in range(self.batch - 1)], shapes

    def _finish(self, dreamed: np.ndarray, original: np.ndarray, mask: np.ndarray | None,
                config: config_lib.DreamConfig) -> np.ndarray:
        """The dreamed image at the input's size as uint8 RGB: outside the mask the input, colours kept if asked."""
        preprocessing = self.loaded.preprocessing
        dreamed = octaves.resize(dreamed, original.shape[:2])
        if mask is not None:  # the masked-out part is the input exactly, not its trip through smaller octaves
            dreamed = original + steering.mask_at(mask, original.shape[:2]) * (dreamed - original)
        final = _to_uint8(preprocessing, dreamed)
        if config.preserve_colors:
            rgb = _in_bands(lambda rows: preprocessing.deprocess(rows).numpy(), original, np.float32)
            final = colors.with_chroma_of(final, rgb)
        return final

    def memory_estimate(
        self,
        input_shape: tuple[int, int],
        shapes: Sequence[tuple[int, int]],
        config: config_lib.DreamConfig,
        decoded_shape: tuple[int, int] | None = None,
    ) -> memory.MemoryEstimate:
        """Peak memory of dreaming an input of `input_shape` through octaves of `shapes` (see `tfdream.memory`)."""
        batches = []
        for shape in shapes:
            grid = tiling.make_grid(shape, config.tile_size, config.tile_overlap, min_tile=self.min_size)
            pixels = grid.tile[0] * grid.tile[1]
            batches.append((pixels, min(grid.count, max(1, config.batch_pixels // pixels) * self.replicas)))
        tile_pixels, batch_tiles = max(batches, key=lambda batch: batch[0] * batch[1])
        batch_tiles = tiling.whole_positions(batch_tiles, self.batch)
        estimate = memory.estimate(input_shape, shapes, tile_pixels, batch_tiles, self._activation_bytes,
                                   decoded_shape=decoded_shape, detail=config.detail,
                                   parameters=None if config.pixel_ascent else config.optimizer)
        return dataclasses.replace(estimate, image_arrays=estimate.image_arrays * self.batch)

    @functools.cached_property
    def _activation_bytes(self) -> float:
        return memory.activation_bytes_per_pixel(self.extractor, side=max(96, self.min_size))

    def _octave_shapes(self, base_shape, config: config_lib.DreamConfig) -> list[tuple[int, int]]:
        shapes = []
        sizes = octaves.octave_shapes(base_shape, config.octaves, config.octave_scale)
        for octave, shape in zip(config.octaves, sizes):
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

    def _run_octaves(self, originals, shapes, config, rng, history, callbacks, mask, checkpoint,
                     resume_from) -> tuple[list[np.ndarray], bool]:
        """Dreams the octaves of `shapes` from the start or from `resume_from`: (the images, whether it stopped)."""
        value_range = self.loaded.preprocessing.value_range
        if resume_from is not None:
            first_octave, first_step = resume_from.octave, resume_from.step
            dreamed = list(resume_from.image.reshape(self.batch, *resume_from.image.shape[-3:]).copy())
        else:
            first_octave, first_step = 0, 0
            dreamed = [octaves.resize(original, shapes[0]) for original in originals]
        if config.detail or mask is not None or config.preserve_colors:
            # detail, masks and colours read the originals later; else they are dreamed in place
            dreamed = [image.copy() if image is original else image for image, original in zip(dreamed, originals)]
        run = _Run(config, rng, history, callbacks, checkpoint, mask,
                   resume_from.optimizer if resume_from is not None else {})
        for index, shape in enumerate(shapes):
            if index < first_octave:
                continue
            callbacks.on_octave_begin(index, shape)
            dreamed = [octaves.resize(image, shape) for image in dreamed]
            if self._dream_octave(dreamed, index, first_step if index == first_octave else 0, run):
                return dreamed, True
            if config.detail and index > 0:
                for image, original in zip(dreamed, originals):
                    image += octaves.lost_detail(original, shapes[index - 1], shape)
                    np.clip(image, value_range[0], value_range[1], out=image)
            if callbacks:
                callbacks.on_octave_end(index, self._preview(dreamed))
        return dreamed, False

    def _preview(self, dreamed: Sequence[np.ndarray]) -> np.ndarray:
        """What callbacks see of the images: uint8 RGB, a batch's images side by side."""
        return np.concatenate([_to_uint8(self.loaded.preprocessing, image) for image in dreamed], axis=1)

    def _dream_octave(self, dreamed: list[np.ndarray], index: int, first_step: int, run: _Run) -> bool:
        """The steps of octave `index` from `first_step`, on the images of `dreamed` in place; True when a callback
        stopped it."""
        config, shape = run.config, dreamed[0].shape[:2]
        preprocessing = self.loaded.preprocessing
        value_range = preprocessing.value_range
        step_size = config.step_size * float(np.mean(value_range[1] - value_range[0])) / 2.0
        weights = {term.label: term.weight for term in self.objective.terms}
        laplacian_levels = config.laplacian_levels if config.normalization == "laplacian" else 0
        grid = tiling.make_grid(shape, config.tile_size, config.tile_overlap, min_tile=self.min_size)
        batch_size = max(1, config.batch_pixels // (grid.tile[0] * grid.tile[1])) * self.replicas
        gradients = [np.empty_like(image) for image in dreamed]
        octave_mask = None if run.mask is None else steering.mask_at(run.mask, shape)
        term_masks = (np.concatenate([steering.mask_at(m, shape) for m in self._term_masks], axis=-1)
                      if self._term_masks else None)
        guides = self._guide_features(shape, config)
        gradient_fn = self._step_for(config.transforms)
        parameters = None if config.pixel_ascent else [optimizers.ParameterStep(
            self.parameterization(config), image, config.optimizer, config.step_size, config.normalization)
            for image in dreamed]
        if parameters is not None and first_step:  # resumed inside this octave
            for member, parameter_step in enumerate(parameters):
                parameter_step.restore(_image_state(run.optimizer_state, member, self.batch))
        for step in range(first_step, config.steps):
            shift = (int(run.rng.integers(shape[0])), int(run.rng.integers(shape[1]))) if config.random_roll else (0, 0)
            seed = run.rng.integers(2**31 - 1, size=2, dtype=np.int32) if config.transforms else None
            sigma = smoothing.cascade_sigma(step, config.steps, config.smoothing)
            values, batch_size = tiling.tiled_gradient(
                dreamed[0] if self.batch == 1 else dreamed,
                steps.bind_sigma(gradient_fn, sigma, laplacian_levels, guides, seed), grid, shift,
                batch_size, gradients[0] if self.batch == 1 else gradients, term_masks,
            )
            if self.batch > 1:
                values = self._batch_values(values)
            total = sum(weights[term.label] * values[term.label] for term in self.objective.terms)
            if config.preserve_colors:
                for gradient in gradients:
                    colors.luminance_gradient(gradient, preprocessing)
            scales = [smoothing.gradient_scale(gradient, config.normalization) for gradient in gradients]
            skipped = not (np.all(np.isfinite(scales)) and np.isfinite(total))
            if skipped:
                logger.warning("octave %d step %d: non-finite gradient or loss, step skipped", index, step)
            else:
                for member, (image, gradient, scale) in enumerate(zip(dreamed, gradients, scales)):
                    if octave_mask is not None:  # after the scale: the dreamed part moves as in a full dream
                        gradient *= octave_mask
                    if parameters is None:
                        steps.ascend(image, gradient, step_size, scale, value_range)
                    else:
                        parameters[member].step(image, gradient)
            run.callbacks.on_step(run.history.append(index, step, total, values, skipped))
            if run.callbacks.wants_image(step):
                run.callbacks.on_image(index, step, self._preview(dreamed))
            stop = run.callbacks.should_stop()
            if run.checkpoint is not None and (stop or run.checkpoint.due()):
                state = checkpoints.DreamState(
                    index, step + 1, dreamed[0] if self.batch == 1 else np.stack(dreamed),
                    run.rng.bit_generator.state, run.history.records,
                    {} if parameters is None else _optimizer_state(parameters))
                run.checkpoint.save(state, config.get_config(), self.get_config())
            if stop:
                return True
        return False

    def _guide_features(self, shape: tuple[int, int], config: config_lib.DreamConfig) -> tuple[np.ndarray, ...]:
        """Each guide term's features at the scale of an octave of `shape` (see `steering.guide_features`)."""
        return tuple(
            steering.guide_features(self.extractor, guide, term.layer, shape, config.tile_size, self.min_size)
            for term, guide in zip(self.objective.guides, self._guides)
        )


@dataclasses.dataclass(frozen=True)
class _Run:
    """What the steps of one dream share: its config, generator, history, callbacks, checkpointer, mask and the
    optimizer state it resumes from."""

    config: config_lib.DreamConfig
    rng: np.random.Generator
    history: history_lib.LossHistory
    callbacks: callbacks_lib.CallbackList
    checkpoint: checkpoints.Checkpointer | None
    mask: np.ndarray | None
    optimizer_state: Mapping[str, np.ndarray]  # a resumed octave's parameters and moments (`ParameterStep.state`)


def _check_model_options(several: bool, weights, preprocessing, min_size) -> None:
    """Raises a ValueError for per-model lists given to one model, or a min_size that is not None or >= 1."""
    if not several and any(isinstance(value, (list, tuple)) for value in (weights, preprocessing, min_size)):
        raise ValueError("weights, preprocessing and min_size take one value per model only with a list of "
                         f"models. Received: weights={weights!r}, preprocessing={preprocessing!r}, "
                         f"min_size={min_size!r}")
    for size in min_size if isinstance(min_size, (list, tuple)) else [min_size]:
        if size is not None and not (checks.is_int(size) and size >= 1):
            raise ValueError(f"min_size must be None or an int >= 1. Received: min_size={min_size!r}")


def _model_record(model, weights, loaded: models.LoadedModel) -> dict[str, Any]:
    """How `get_config` records the model, its weights, input space and smallest side; lists of one per model
    for several."""
    if not loaded.members:
        return {"model": _model_reference(model), "weights": _weights_reference(weights),
                "preprocessing": loaded.preprocessing.name, "min_size": loaded.min_size}
    return {"model": [_model_reference(member) for member in model],
            "weights": [_weights_reference(w) for w in ensemble.per_model(weights, len(model), "weights")],
            "preprocessing": [member.preprocessing.name for member in loaded.members],
            "min_size": [member.min_size for member in loaded.members]}


def _model_reference(model: str | os.PathLike | keras.Model) -> str:
    """How `get_config` records a model: its name, a saved model's absolute path, or a keras.Model's name."""
    if isinstance(model, keras.Model):
        return model.name
    return model if model in models.MODELS else str(pathlib.Path(model).resolve())


def _weights_reference(weights: str | os.PathLike | None) -> str | None:
    """How `get_config` records weights: a name ("imagenet", "hed"), None, or a weights file's absolute path."""
    if weights is None:
        return None
    return str(pathlib.Path(weights).resolve()) if os.path.isfile(weights) else str(weights)


def _check_batch(batch: int | None, needed: int) -> int:
    """The batch of images to dream: `batch`, or `needed` (what the objective's `per_image` terms name) for None."""
    if batch is None:
        return needed
    if not (checks.is_int(batch) and batch >= needed):
        raise ValueError(f"batch must be an int >= {needed} (the images the objective names). Received: "
                         f"batch={batch!r}")
    return batch


def _optimizer_state(parameters: Sequence[optimizers.ParameterStep]) -> dict[str, np.ndarray]:
    """The parameters and moments of every image, for a checkpoint: one image's as they are, a batch's by image."""
    if len(parameters) == 1:
        return parameters[0].state()
    return {f"image{member}_{name}": array for member, step in enumerate(parameters)
            for name, array in step.state().items()}


def _image_state(state: Mapping[str, np.ndarray], member: int, batch: int) -> dict[str, np.ndarray]:
    """Image `member`'s part of an `_optimizer_state`."""
    if batch == 1:
        return dict(state)
    prefix = f"image{member}_"
    return {name[len(prefix):]: array for name, array in state.items() if name.startswith(prefix)}


def _check_resumable(state: checkpoints.DreamState, shapes, config: config_lib.DreamConfig, batch: int) -> None:
    """Raises a ValueError if `state` cannot be a state of a dream of `batch` images through `shapes` with
    `config`."""
    expected = (*shapes[state.octave], 3) if 0 <= state.octave < len(shapes) else None
    if batch > 1 and expected is not None:
        expected = (batch, *expected)
    if not (expected is not None and 0 <= state.step <= config.steps and tuple(state.image.shape) == expected):
        raise ValueError(
            f"resume_from does not fit this dream: octave {state.octave}, step {state.step}, image "
            f"{tuple(state.image.shape)}; the dream has octaves {shapes} of {config.steps} steps"
        )


def _as_input(image: ImageSource, size, max_dim) -> sources.Source | np.ndarray | PIL.Image.Image:
    """`image` as a `Source`, or the in-memory array or PIL image it is (which take no noise `size`)."""
    if isinstance(image, (np.ndarray, PIL.Image.Image)):
        if size is not None:
            raise ValueError(f"size is only for dreaming from noise (image=None). Received: size={size!r}")
        return image
    return sources.as_source(image, size=size, max_dim=max_dim)


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
