"""tfdream: DeepDream for TensorFlow 2 / Keras 3.

`import tfdream` imports no TensorFlow: each public name below is imported from its module on first use
(PEP 562), so the `tfdream` command answers `--help` at once. Before anything can import TensorFlow, the
environment asks it for oneDNN's custom operations (`tfdream.startup`).
"""

import importlib

from tfdream import startup

startup.prefer_onednn()

__version__ = "0.1.0"

# Public name -> the module that defines it.
_MODULES = {
    "Callback": "callbacks",
    "DreamConfig": "config",
    "DreamResult": "dreamer",
    "Dreamer": "dreamer",
    "LossHistory": "history",
    "MODELS": "models",
    "Objective": "objectives",
    "layer": "objectives",
    "list_layers": "models",
}

__all__ = [*_MODULES, "__version__"]


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
