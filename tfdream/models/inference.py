"""The inference network a dream runs: batch norms folded away, float32 or mixed 16-bit arithmetic, replicas.

Dreaming only runs the network in inference mode, so `build` makes a faster copy of the feature extractor
that computes the same function (`Dreamer.network`):

* A batch normalization whose only input is a linear `Conv2D` used nowhere else is folded into that
  convolution's kernel and bias (InceptionV3 has one after every convolution; in mixed precision each also
  casts to float32 and back). This is exact up to float32 rounding.
* Under a mixed policy every layer computes in 16 bits and keeps its variables in float32; tiles enter and
  gradients leave the network in float32, and the image, the gradient accumulator and the ascent stay
  float32. A Keras 3 model's dtype policy is fixed when its layers are built, so the network is rebuilt
  layer by layer under the policy: no global Keras setting is touched. `Lambda` layers (which cannot be
  rebuilt from their config safely, and hold no weights) are shared as they are.
* Given a `tf.distribute.Strategy`, the copy is made in its scope, so its variables live on every replica.

"auto" picks mixed bfloat16 on processors with native bfloat16 arithmetic (x86 AVX-512 BF16 or AMX), where
it was measured faster at an invisible cost to the image (see `benchmarks/README.md`), and float32 anywhere
else, GPUs included: the 16-bit paths on GPUs are options whose speed was not measured here.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
from collections import Counter
from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from tfdream.base import choices

PRECISIONS = choices.PRECISIONS
_BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
# oneDNN instruction sets with bfloat16 arithmetic: an ONEDNN_MAX_CPU_ISA cap below these leaves it emulated.
_BFLOAT16_ONEDNN_ISAS = ("ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512",
                         "AVX512_CORE_AMX", "AVX10_1_512_AMX", "AVX512_CORE_AMX_FP16", "AVX10_1_512_AMX_FP16")


def cpu_has_bfloat16(cpuinfo: str | None = None, max_isa: str | None = None) -> bool:
    """Whether the processor does bfloat16 arithmetic natively, from the flags in `/proc/cpuinfo`.

    Args:
        cpuinfo: The text of `/proc/cpuinfo`; read from the system when None (False where it is absent).
        max_isa: oneDNN's instruction set cap; `ONEDNN_MAX_CPU_ISA` when None. A cap below AVX512_CORE_BF16
            (e.g. "AVX2") makes the processor behave as one without bfloat16.
    """
    max_isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "") if max_isa is None else max_isa
    if max_isa and max_isa.upper() not in _BFLOAT16_ONEDNN_ISAS:
        return False
    if cpuinfo is None:
        try:
            cpuinfo = pathlib.Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    flags = set(cpuinfo.split())
    return any(flag in flags for flag in _BFLOAT16_CPU_FLAGS)


def resolve(precision: str) -> str:
    """The concrete precision for `precision`: "auto" becomes "mixed_bfloat16" or "float32" (see module doc)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}. Received: precision={precision!r}")
    if precision != "auto":
        return precision
    if not tf.config.list_physical_devices("GPU") and cpu_has_bfloat16():
        return "mixed_bfloat16"
    return "float32"


class FoldedAway(keras.layers.Layer):
    """Stands in for a batch normalization folded into the convolution before it: returns its input."""

    def call(self, inputs, training=None, mask=None):  # pylint: disable=unused-argument
        return inputs


def _layer_names(structure) -> Iterator[str]:
    """Names of the layers a functional config's inbound nodes or outputs refer to."""
    if isinstance(structure, dict):
        if "keras_history" in structure:
            yield structure["keras_history"][0]
        else:
            for value in structure.values():
                yield from _layer_names(value)
    elif isinstance(structure, (list, tuple)):
        if len(structure) == 3 and isinstance(structure[0], str) and isinstance(structure[1], int):
            yield structure[0]  # an output reference: [layer name, node index, tensor index]
        else:
            for value in structure:
                yield from _layer_names(value)


def foldable_batch_norms(model: keras.Model) -> dict[str, str]:
    """`{batch norm name: conv name}` of the pairs `build` folds, in a functional model's top level."""
    config = model.get_config()
    if "output_layers" not in config:
        return {}
    uses = Counter(_layer_names(config["output_layers"]))
    inputs = {}
    for layer in config["layers"]:
        names = list(_layer_names(layer.get("inbound_nodes", [])))
        uses.update(names)
        inputs[layer["name"]] = names
    pairs = {}
    for layer in model.layers:
        sources = inputs.get(layer.name, [])
        if not isinstance(layer, keras.layers.BatchNormalization) or len(sources) != 1:
            continue
        conv = model.get_layer(sources[0])
        if (type(conv) is keras.layers.Conv2D and conv.get_config()["activation"] == "linear"
                and layer.axis in (-1, 3) and uses[conv.name] == 1):
            pairs[layer.name] = conv.name
    return pairs


def _folded_weights(conv: keras.layers.Conv2D, norm: keras.layers.BatchNormalization) -> list[np.ndarray]:
    """Kernel and bias of `conv` followed by `norm` in inference mode, as one convolution."""
    kernel = keras.ops.convert_to_numpy(conv.kernel).astype(np.float64)
    bias = keras.ops.convert_to_numpy(conv.bias).astype(np.float64) if conv.use_bias else 0.0
    variance = keras.ops.convert_to_numpy(norm.moving_variance).astype(np.float64)
    scale = 1.0 / np.sqrt(variance + norm.epsilon)
    if norm.scale:
        scale = scale * keras.ops.convert_to_numpy(norm.gamma)
    shift = keras.ops.convert_to_numpy(norm.beta) if norm.center else 0.0
    bias = (bias - keras.ops.convert_to_numpy(norm.moving_mean)) * scale + shift
    return [(kernel * scale).astype(np.float32), bias.astype(np.float32)]


def build(
    model: keras.Model, precision: str, strategy: tf.distribute.Strategy | None = None
) -> keras.Model:
    """`model` rebuilt for dreaming: foldable batch norms folded, every layer computing under `precision`.

    Args:
        model: A functional or sequential `keras.Model`; nested models' layers get the policy too.
        precision: One of `PRECISIONS`; "float32" keeps each layer's own dtype policy (the network as built).
        strategy: Make the copy's variables in this strategy's scope (mirrored on its replicas).

    Returns:
        A model with the same inputs and outputs computing the same function in inference mode; float32
        inputs are cast by each layer. `model` itself when there is nothing to change (float32, no pairs,
        no strategy).
    """
    precision = resolve(precision)
    pairs = {model.get_layer(conv): model.get_layer(norm) for norm, conv in foldable_batch_norms(model).items()}
    if precision == "float32" and not pairs and strategy is None:
        return model
    norms = set(pairs.values())

    def rebuild_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
        if layer in norms:
            return FoldedAway(name=layer.name, dtype=layer.dtype_policy.name if precision == "float32" else precision)
        if isinstance(layer, keras.layers.Lambda):
            return layer
        config = layer.get_config()
        if precision != "float32" and not isinstance(layer, keras.layers.InputLayer):
            config["dtype"] = keras.DTypePolicy(precision)
        if layer in pairs:
            config["use_bias"] = True
        return layer.__class__.from_config(config)

    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        clone = keras.models.clone_model(model, clone_function=rebuild_layer, recursive=True)
    for layer in model.layers:
        if layer in pairs:
            clone.get_layer(layer.name).set_weights(_folded_weights(layer, pairs[layer]))
        elif layer.weights and layer not in norms:
            clone.get_layer(layer.name).set_weights(layer.get_weights())
    return clone
