"""The network's arithmetic: float32, or mixed bfloat16 / float16 compute with the image kept in float32.

Under a mixed policy every layer computes in 16 bits and keeps its variables in float32; tiles enter and
gradients leave the network in float32, and the image, the gradient accumulator and the ascent stay float32.
A Keras 3 model's dtype policy is fixed when its layers are built, so `with_policy` rebuilds the network
layer by layer under the policy and copies the weights: no global Keras setting is touched.

"auto" picks mixed bfloat16 on processors with native bfloat16 arithmetic (x86 AVX-512 BF16 or AMX), where
it was measured faster at an invisible cost to the image (see `benchmarks/README.md`), and float32 anywhere
else, GPUs included: the 16-bit paths on GPUs are options whose speed was not measured here.
"""

from __future__ import annotations

import pathlib

import keras
import tensorflow as tf

PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
_BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_has_bfloat16(cpuinfo: str | None = None) -> bool:
    """Whether the processor does bfloat16 arithmetic natively, from the flags in `/proc/cpuinfo`.

    Args:
        cpuinfo: The text of `/proc/cpuinfo`; read from the system when None (False where it is absent).
    """
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


def with_policy(model: keras.Model, precision: str) -> keras.Model:
    """`model` rebuilt with every layer (nested models' included) computing under `precision`.

    Args:
        model: A functional or sequential `keras.Model`.
        precision: One of `PRECISIONS`; "float32" returns `model` itself, as built.

    Returns:
        A model with the same inputs, outputs and weights; float32 inputs are cast by each layer.
    """
    precision = resolve(precision)
    if precision == "float32":
        return model
    policy = keras.DTypePolicy(precision)

    def rebuild(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if not isinstance(layer, keras.layers.InputLayer):
            config["dtype"] = policy
        return layer.__class__.from_config(config)

    clone = keras.models.clone_model(model, clone_function=rebuild, recursive=True)
    clone.set_weights(model.get_weights())
    return clone
