"""Former import paths and names of tfdream, kept working with a `DeprecationWarning` that names the new one.

Before the sub-packages every module stood at the top (`tfdream.tiling`, `tfdream.sidecar`, ...), and a few
modules and names had older names still (`tfdream.precision`, `tfdream.presets`, `history.Callback`). Importing
a former path gives a stand-in module whose attributes are read from the module that holds them now;
`install` (called by `import tfdream`) puts the finder that makes these stand-ins on `sys.meta_path`. New code
imports the new paths (docs/architecture.md); these go in a later release (CHANGELOG.md).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

# Former module -> (the module that holds its names now, {former name: "module:name"} for renamed names).
MOVED: dict[str, tuple[str, dict[str, str]]] = {
    "tfdream.callbacks": ("tfdream.core.callbacks", {}),
    "tfdream.checkpoints": ("tfdream.core.checkpoints", {}),
    "tfdream.checks": ("tfdream.base.checks", {}),
    "tfdream.choices": ("tfdream.base.choices", {}),
    "tfdream.colors": ("tfdream.objectives.colors", {}),
    "tfdream.compare": ("tfdream.studies.compare", {
        "save_run": "tfdream.core.sidecar:save_run", "contact_sheet": "tfdream.io.sheets:contact_sheet",
        "loss_figure": "tfdream.core.history:loss_figure"}),
    "tfdream.config": ("tfdream.core.config", {}),
    "tfdream.data": ("tfdream.training", {"mit_indoor67": "tfdream.training.mit_indoor67:"}),
    "tfdream.data.mit_indoor67": ("tfdream.training.mit_indoor67", {}),
    "tfdream.display": ("tfdream.io.display", {}),
    "tfdream.distribute": ("tfdream.core.distribute", {}),
    "tfdream.dreamer": ("tfdream.core.dreamer", {"DreamResult": "tfdream.core.result:DreamResult"}),
    "tfdream.files": ("tfdream.io.files", {}),
    "tfdream.flag_fields": ("tfdream.base.flag_fields", {}),
    "tfdream.googlenet": ("tfdream.models.googlenet", {
        "LocalResponseNormalization": "tfdream.models.lrn:LocalResponseNormalization"}),
    "tfdream.graphdef": ("tfdream.models.graphdef", {}),
    "tfdream.history": ("tfdream.core.history", {
        "Callback": "tfdream.core.callbacks:Callback", "save_figure": "tfdream.io.files:save_figure"}),
    "tfdream.images": ("tfdream.io.images", {}),
    "tfdream.inception_v4": ("tfdream.models.inception_v4", {}),
    "tfdream.inference": ("tfdream.models.inference", {}),
    "tfdream.memory": ("tfdream.core.memory", {}),
    "tfdream.metadata": ("tfdream.models.metadata", {}),
    "tfdream.noise": ("tfdream.io.noise", {}),
    "tfdream.octaves": ("tfdream.core.octaves", {}),
    "tfdream.precision": ("tfdream.models.inference", {"rebuild": "tfdream.models.inference:build"}),
    "tfdream.presets": ("tfdream.studies.runs", {"PRESETS": "tfdream.studies.runs:STUDIES"}),
    "tfdream.samples": ("tfdream.io.samples", {}),
    "tfdream.sidecar": ("tfdream.core.sidecar", {}),
    "tfdream.smoothing": ("tfdream.core.smoothing", {}),
    "tfdream.sources": ("tfdream.io.sources", {}),
    "tfdream.startup": ("tfdream.base.startup", {}),
    "tfdream.steering": ("tfdream.objectives.images", {
        name: f"tfdream.models.classifiers:{name}" for name in (
            "TOP_INPUT", "classifier_top", "top_weights", "class_index", "class_names", "extractor_with_top",
            "fixed_input_size")} | {name: f"tfdream.core.steering:{name}" for name in ("mask_at", "guide_features")}),
    "tfdream.steps": ("tfdream.core.steps", {}),
    "tfdream.tiling": ("tfdream.core.tiling", {}),
    "tfdream.video": ("tfdream.io.video", {}),
}


class FormerModule(types.ModuleType):
    """A former module path: its attributes are those of the module that holds them now."""

    def __init__(self, name: str, target: str, renamed: dict[str, str]):
        super().__init__(name, f"Former path of {target}: import {target} instead.")
        self._target, self._renamed = target, renamed

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        module, _, attribute = self._renamed.get(name, f"{self._target}:{name}").partition(":")
        found = importlib.import_module(module)
        return getattr(found, attribute) if attribute else found

    def __dir__(self) -> list[str]:
        return sorted({*dir(importlib.import_module(self._target)), *self._renamed})


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        target, renamed = MOVED[spec.name]
        warnings.warn(f"{spec.name} is a former path: import {target} instead", DeprecationWarning, stacklevel=2)
        return FormerModule(spec.name, target, renamed)

    def exec_module(self, module) -> None:
        """A stand-in runs no code of its own."""


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, _Loader()) if fullname in MOVED else None


def install() -> None:
    """Makes the former paths importable (once per process)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
