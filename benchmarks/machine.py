"""What a benchmark ran on: the CPU, its class and flags, oneDNN, the precision "auto" picks, the versions.

Free of flags, so any benchmark (or one that runs the command line in-process) can print it.
"""

from __future__ import annotations

import os
import pathlib
import platform

_ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")
_ONEDNN_DEFAULT_FLAGS = ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16")


def capped_at_avx2(max_isa: str) -> bool:
    """Whether an `ONEDNN_MAX_CPU_ISA` value stands for a CPU of the AVX2 class."""
    return max_isa.upper().startswith("AVX2")


def tensorflow_onednn_default(cpu_flags: set[str], max_isa: str) -> bool:
    """Whether TensorFlow turns oneDNN's operations on by itself (TF_ENABLE_ONEDNN_OPTS unset) on this class.

    TensorFlow does on CPUs with AVX-512 VNNI or BF16, AVX-VNNI or AMX; a cap at AVX2 stands for a CPU without.
    """
    return not capped_at_avx2(max_isa) and any(flag in cpu_flags for flag in _ONEDNN_DEFAULT_FLAGS)


def cpuinfo() -> str:
    """The text of `/proc/cpuinfo` (empty where it is absent)."""
    try:
        return pathlib.Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_flags() -> set[str]:
    """The flags of `/proc/cpuinfo`."""
    return set(cpuinfo().split())


def cpu_class(cpu_flags: set[str], max_isa: str) -> str:
    """The class a benchmark's numbers belong to: "AMX", "AVX-512 BF16", "AVX-512", "AVX2" or "other".

    An `ONEDNN_MAX_CPU_ISA` cap (e.g. "AVX2") lowers the class to the cap, marked as capped.
    """
    if capped_at_avx2(max_isa):
        return "AVX2 (oneDNN capped at AVX2)"
    for flag, name in (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16"), ("avx512f", "AVX-512"), ("avx2", "AVX2")):
        if flag in cpu_flags:
            return name + (f" (oneDNN capped at {max_isa})" if max_isa else "")
    return "other"


def machine() -> dict:
    """What the numbers were measured on: CPU model and class, cores, oneDNN, the "auto" precision, versions."""
    import keras  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    from tensorflow.python.util import _pywrap_util_port  # pylint: disable=import-outside-toplevel

    from tfdream.models import inference  # pylint: disable=import-outside-toplevel

    text = cpuinfo()
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                 platform.processor() or "unknown")
    present = set(text.split())
    max_isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
    return {
        "cpu": model,
        "cpu_class": cpu_class(present, max_isa),
        "cpu_flags": [flag for flag in _ISA_FLAGS if flag in present],
        "onednn_max_cpu_isa": max_isa or None,
        "cores": len(os.sched_getaffinity(0)),
        "onednn": "on" if _pywrap_util_port.IsMklEnabled() else "off",
        "auto_precision": inference.resolve("auto"),
        "gpus": [device.name for device in tf.config.list_physical_devices("GPU")],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def describe(info: dict) -> str:
    """One line naming the machine of `machine()`, printed above every table."""
    return (f"{info['cpu']} ({info['cpu_class']}; flags {' '.join(info['cpu_flags']) or 'none of avx2/avx512/amx'}), "
            f"{info['cores']} cores, GPUs {len(info['gpus'])}, oneDNN {info['onednn']}, auto precision "
            f"{info['auto_precision']}, TensorFlow {info['tensorflow']}, Keras {info['keras']}")
