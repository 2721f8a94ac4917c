"""Classifiers: a model's top (its final `Dense` layer), its class names and indices, and the extractor that
also outputs the top's input, so a class objective reads pre-softmax logits."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfdream.models import metadata

# Key of the classifier top's input among the extractor's outputs.
TOP_INPUT = "(top input)"


def classifier_top(model: keras.Model) -> keras.layers.Dense:
    """The final `Dense` layer of a classifier (its "top"); a ValueError when the model has none."""
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense):
        raise ValueError(
            f"a class objective needs a classifier with a top (a final Dense layer); model {model.name!r} ends in "
            f"{type(last).__name__} {last.name!r}. Load it with its top (include_top=True) or use layer terms"
        )
    return last


def top_weights(top: keras.layers.Dense) -> tuple[tf.Tensor, tf.Tensor]:
    """(kernel float32 (features, classes), bias float32 (classes,)) of a classifier's top."""
    kernel = tf.constant(keras.ops.convert_to_numpy(top.kernel), tf.float32)
    classes = kernel.shape[-1]
    bias = keras.ops.convert_to_numpy(top.bias) if top.use_bias else np.zeros(classes, np.float32)
    return kernel, tf.constant(bias, tf.float32)


def class_index(target: str | int, class_names: Sequence[str], classes: int) -> int:
    """The output index of class `target` (a name from `class_names` or an index below `classes`)."""
    if isinstance(target, int):
        if target >= classes:
            raise ValueError(f"class index must be < {classes} (the classifier's classes). Received: target={target}")
        return target
    if target in class_names:
        return list(class_names).index(target)
    if not class_names:
        raise ValueError(f"class {target!r} cannot be found by name: the model has no class names (saved models "
                         "record them in their metadata `class_names`); give the class index instead")
    close = difflib.get_close_matches(target, class_names, n=5, cutoff=0.5)
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise ValueError(f"unknown class {target!r}.{hint} List all with `tfdream classes MODEL`.")


def class_names(model: str | os.PathLike | keras.Model) -> tuple[str, ...]:
    """A classifier's class names, in output order: a saved model's metadata `class_names`, else ()."""
    if isinstance(model, (str, os.PathLike)) and str(model).endswith(".keras"):
        meta = metadata.ModelMetadata.load(model)
        return () if meta is None else tuple(meta.class_names)
    return ()


def extractor_with_top(model: keras.Model, layers: Sequence[str], with_top: bool) -> keras.Model:
    """A model from `model`'s input to `{layer: activation}`, plus `TOP_INPUT` (the top's input) when asked."""
    outputs = {name: model.get_layer(name).output for name in layers}
    if with_top:
        outputs[TOP_INPUT] = classifier_top(model).input
    return keras.Model(inputs=model.inputs, outputs=outputs, name="features")


def fixed_input_size(model: keras.Model) -> tuple[int, int] | None:
    """(height, width) a model's input is fixed to, or None when it takes any size."""
    height, width = model.inputs[0].shape[1:3]
    return None if height is None or width is None else (int(height), int(width))
