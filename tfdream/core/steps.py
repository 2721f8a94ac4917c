"""The compiled tile-gradient function and the ascent update."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfdream import objectives, transforms
from tfdream.core import distribute, smoothing, tiling
from tfdream.models import classifiers
from tfdream.transforms import ops as transform_ops

TILE_SIGNATURE = (
    tf.TensorSpec([None, None, None, 3], tf.float32, name="tiles"),
    tf.TensorSpec([], tf.float32, name="sigma"),
)


def step_signature(objective: objectives.Objective) -> tuple[tf.TensorSpec, ...]:
    """The compiled step's inputs after `TILE_SIGNATURE`: the term-mask tiles, then one features per guide.

    Term masks: float32 (n, h, w, groups), one channel per mask (`Objective.mask_groups[1:]`), absent when no
    term has a mask. Guide features: float32 (positions, channels) each, of any size, so a new octave's guide
    features never retrace the step.
    """
    masks = len(objective.mask_groups) - 1
    mask_spec = (tf.TensorSpec([None, None, None, masks], tf.float32, name="term_masks"),) if masks else ()
    return mask_spec + tuple(tf.TensorSpec([None, None], tf.float32, name=f"guide{i}")
                             for i, _ in enumerate(objective.guides))


def make_gradient_fn(
    extractor: keras.Model,
    objective: objectives.Objective,
    *,
    jit_compile: bool = False,
    strategy: tf.distribute.Strategy | None = None,
    top: keras.layers.Dense | None = None,
    transform_stack: transforms.Stack = transforms.Stack(),
    batch: int = 1,
) -> tf.types.experimental.GenericFunction:
    """Compiles `(tiles, sigma, *steering) -> (gradients, {label: value})` once for every tile size and batch.

    Args:
        extractor: Model from (n, h, w, 3) in model space to `{layer: activation}` (and the classifier top's
            input under `classifiers.TOP_INPUT` when the objective has class terms), run as it is (the `Dreamer`
            passes its `inference.build` network; with a `strategy`, built in its scope). A model whose input
            size is fixed gets every tile resized (bilinear) to that size inside the step.
        objective: What to maximize.
        jit_compile: Compile with XLA.
        strategy: Spread each batch of tiles over this strategy's replicas (see `tfdream.distribute`).
        top: The classifier's final Dense layer, for class terms: its kernel and bias turn the top's input
            into pre-softmax logits.
        transform_stack: Random transforms of the tiles before the network (`tfdream.transforms`); the
            gradient is taken against the untransformed tiles, through the transforms.
        batch: Images dreamed together (`tfdream.objectives.batches`); above 1 the step also takes the image of
            every tile, int32 (n,), with every image's tile at one grid position together.

    Returns:
        A `tf.function` with a fixed input signature: tiles float32 (n, h, w, 3), the blur sigma (a scalar, 0
        for none), then `step_signature(objective)`, then for a batch the tiles' images, then with transforms
        their seed, int32 (2,). It returns
        each tile's gradient of its own objective (float32, same shape as `tiles`; tiles never see each other)
        and every term's value per tile (float32 (n,)). Terms with a mask are differentiated separately, one
        backward pass per mask, and their gradients scaled by their mask's tile before they are summed.
    """
    groups = list(objective.mask_groups[1:])
    if groups and strategy is not None:
        raise ValueError("term masks cannot be combined with a strategy yet: give the mask to dream(mask=...) "
                         "or dream on one device")
    compared = [term.label for term in objective.terms if term.compares_images]
    if batch > 1 and strategy is not None and compared:
        raise ValueError(f"terms that compare the images of a batch cannot be combined with a strategy yet (each "
                         f"replica sees part of a batch): dream on one device. Received: {compared}")
    if objective.needs_top and top is None:
        raise ValueError("the objective has a class term: pass the classifier's top (classifiers.classifier_top)")
    input_size = classifiers.fixed_input_size(extractor)
    logits = None if top is None else classifiers.top_weights(top)
    guide_labels = [term.label for term in objective.guides]
    unmasked = objective.mask_groups[0]

    def tile_gradients(tiles, sigma, *steering_inputs):
        if transform_stack:
            *steering_inputs, seed = steering_inputs
        members = None
        if batch > 1:
            *steering_inputs, members = steering_inputs
        masks = steering_inputs[0] if groups else None
        guides = dict(zip(guide_labels, steering_inputs[1 if groups else 0 :]))
        # The objective is a mean, so its gradient per pixel shrinks with the tile's area: scaling the loss by
        # the area keeps 16-bit backpropagation in range (float16 underflows otherwise); it is divided back out.
        area = tf.cast(tf.shape(tiles)[1] * tf.shape(tiles)[2], tf.float32)
        with tf.GradientTape(persistent=bool(groups)) as tape:
            tape.watch(tiles)
            network_input = transform_ops.apply(transform_stack, tiles, seed) if transform_stack else tiles
            if input_size is not None:
                network_input = tf.image.resize(network_input, input_size)
            activations = extractor(network_input, training=False)
            if logits is not None:
                activations = dict(activations)
                features = tf.cast(activations.pop(classifiers.TOP_INPUT), tf.float32)
                activations[objectives.LOGITS] = tf.matmul(features, logits[0]) + logits[1]
            per_term = objective.values(objectives.TermInputs(activations, tiles, guides, members, batch))
            if not groups:
                scaled = tf.reduce_sum(objective.total(per_term)) * area
            else:
                losses = [tf.reduce_sum(objective.total(per_term, group)) * area for group in groups]
                unmasked_loss = tf.reduce_sum(objective.total(per_term, unmasked)) * area if unmasked else None
        if not groups:
            gradients = tape.gradient(scaled, tiles) / area
        else:
            gradients = tf.zeros_like(tiles) if unmasked_loss is None else tape.gradient(unmasked_loss, tiles)
            for index, loss in enumerate(losses):
                gradients += masks[..., index : index + 1] * tape.gradient(loss, tiles)
            gradients /= area
            del tape
        return smoothing.smooth(gradients, sigma), per_term

    signature = TILE_SIGNATURE + step_signature(objective)
    members_at = len(signature) - 1  # among the inputs after the tiles, which `spread` shares out with them
    if batch > 1:
        signature += (tf.TensorSpec([None], tf.int32, name="members"),)
    if transform_stack:
        signature += (tf.TensorSpec([2], tf.int32, name="transform_seed"),)
    if strategy is None:
        return tf.function(tile_gradients, input_signature=signature, jit_compile=jit_compile)
    return distribute.spread(strategy, tf.function(tile_gradients, jit_compile=jit_compile), signature,
                             per_tile=(members_at,) if batch > 1 else ())


def bind_sigma(
    gradient_fn: tf.types.experimental.GenericFunction,
    sigma: float,
    laplacian_levels: int = 0,
    guides: tuple[np.ndarray, ...] = (),
    transform_seed: np.ndarray | None = None,
) -> tiling.TileGradientFn:
    """A numpy-in, numpy-out tile gradient function for one blur sigma (and one octave's guide features).

    `transform_seed` (int32 (2,)) is the step's draw of the transforms, for a step compiled with transforms.

    The function takes the tiles, the term-mask tiles (n, h, w, groups) when the objective has term masks, and
    for a batch of images the image of every tile, int32 (n,).
    With `laplacian_levels` > 0, each tile's gradient is band-normalized (`smoothing.laplacian_normalize`)
    before the blur, in `smoothing.normalize_bands_and_smooth`: compiled once per process, not per network.
    """
    sigma = tf.constant(sigma, tf.float32)
    levels = tf.constant(laplacian_levels, tf.int32)
    no_blur = tf.constant(0.0, tf.float32)
    guide_inputs = tuple(tf.constant(features, tf.float32) for features in guides)
    seed = () if transform_seed is None else (tf.constant(transform_seed, tf.int32),)

    def run(tiles: np.ndarray, masks: np.ndarray | None = None, members: np.ndarray | None = None):
        extra = (*(() if masks is None else (tf.constant(masks),)), *guide_inputs,
                 *(() if members is None else (tf.constant(members, tf.int32),)), *seed)
        if laplacian_levels:
            gradients, values = gradient_fn(tf.constant(tiles), no_blur, *extra)
            gradients = smoothing.normalize_bands_and_smooth(gradients, levels, sigma)
        else:
            gradients, values = gradient_fn(tf.constant(tiles), sigma, *extra)
        return gradients.numpy(), {label: value.numpy() for label, value in values.items()}

    return run


def ascend(
    image: np.ndarray,
    gradient: np.ndarray,
    step: float,
    scale: float,
    value_range: tuple[np.ndarray, np.ndarray],
) -> None:
    """In place: `image += step * gradient / scale`, then clip per channel to `value_range`.

    `gradient` is consumed (scaled in place) so no temporary the size of the image is made.
    """
    gradient *= step / (scale + 1e-8)
    image += gradient
    np.clip(image, value_range[0], value_range[1], out=image)
