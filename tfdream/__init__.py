"""tfdream: DeepDream and feature visualization for TensorFlow 2 / Keras 3.

`import tfdream` imports no TensorFlow: each public name below is imported from its module on first use
(PEP 562), so the `tfdream` command answers `--help` at once. Before anything can import TensorFlow, the
environment asks it for oneDNN's custom operations (`tfdream.base.startup`). The sub-packages and what each
may import are drawn in docs/architecture.md; the former flat module paths still import (`tfdream._compat`).
"""

import importlib

from tfdream import _compat
from tfdream.base import startup

startup.prefer_onednn()
_compat.install()

__version__ = "0.2.0"

# Public name -> the module that defines it.
_MODULES = {
    "Callback": "core.callbacks",
    "DreamConfig": "core.config",
    "DreamResult": "core.result",
    "Dreamer": "core.dreamer",
    "LossHistory": "core.history",
    "MODELS": "models.registry",
    "Objective": "objectives.base",
    "layer": "objectives.layers",
    "list_layers": "models.layers",
}

__all__ = [*_MODULES, "__version__"]


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
