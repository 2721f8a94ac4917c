"""Studies: named comparisons from the layer studies, each a tuple of (model, layers) runs.

    tfdream compare --studies=inception_v3_low_vs_high      # mixed0-2 against mixed6-8 and mixed8-10

A run dreams its layers together (their weighted sum); comparing runs shows how the layer choice (or the
model) changes the dream. A run's layers are a layer set: layer names, `{name: weight}`, or the name of one
of a saved model's own layer sets (from its metadata file): `Run("model.keras", "high")`.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Run:
    """One dream of a comparison.

    Attributes:
        model: A name in `tfdream.models.MODELS` or a path to a saved `.keras` model.
        layers: As `Dreamer(layers=...)` takes them: a layer or layer-set name, a tuple of names,
            `{name: weight}`, or None for the model's default layers.
    """

    model: str | os.PathLike
    layers: str | tuple[str, ...] | Mapping[str, float] | None = None

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. "inception_v3: mixed0+mixed1"."""
        model = pathlib.Path(self.model).stem if str(self.model).endswith(".keras") else str(self.model)
        if self.layers is None:
            layers = "default layers"
        elif isinstance(self.layers, str):
            layers = self.layers
        elif isinstance(self.layers, Mapping):
            layers = "+".join(f"{name}*{weight:g}" if weight != 1 else name for name, weight in self.layers.items())
        else:
            layers = "+".join(self.layers)
        return f"{model}: {layers}"

    @property
    def slug(self) -> str:
        """`label` reduced to a file-name-safe stem."""
        return re.sub(r"[^A-Za-z0-9.]+", "_", self.label).strip("_")


def _single_run(model: str, *layers: str) -> tuple[Run, ...]:
    return (Run(model, layers),)


_V3_LOW = _single_run("inception_v3", "mixed0", "mixed1", "mixed2")
_V3_MID_HIGH = _single_run("inception_v3", "mixed6", "mixed7", "mixed8")
_V3_HIGH = _single_run("inception_v3", "mixed8", "mixed9", "mixed10")
_IRV2_LOW = _single_run("inception_resnet_v2", "block35_2_mixed", "block35_4_mixed")
_IRV2_HIGH = _single_run(
    "inception_resnet_v2", "block35_5_mixed", "block35_6_mixed", "block35_8_mixed", "block35_9_mixed"
)

STUDIES: dict[str, tuple[Run, ...]] = {
    "inception_v3_low": _V3_LOW,
    "inception_v3_mid_high": _V3_MID_HIGH,
    "inception_v3_high": _V3_HIGH,
    "inception_v3_low_vs_high": _V3_LOW + _V3_MID_HIGH + _V3_HIGH,
    "inception_resnet_v2_low": _IRV2_LOW,
    "inception_resnet_v2_high": _IRV2_HIGH,
    "inception_resnet_v2_low_vs_high": _IRV2_LOW + _IRV2_HIGH,
    "models_side_by_side": (Run("vgg19"), Run("resnet50"), Run("inception_v3")),
    "vgg16_blocks": tuple(Run("vgg16", (f"block{block}_conv3",)) for block in (3, 4, 5)),
}


def resolve(names: Sequence[str]) -> list[Run]:
    """The runs of the named studies, in order.

    Raises:
        ValueError: A name is not in `STUDIES`.
    """
    unknown = [name for name in names if name not in STUDIES]
    if unknown:
        raise ValueError(f"studies must be names in {sorted(STUDIES)}. Received: studies={list(names)!r}")
    return [run for name in names for run in STUDIES[name]]


def parse_layers(spec: str, name: str = "layers") -> str | tuple[str, ...] | dict[str, float] | None:
    """Reads a layer set written as text: "mixed3,mixed5:2" -> {"mixed3": 1.0, "mixed5": 2.0}.

    Args:
        spec: Comma-separated NAME or NAME:WEIGHT entries; "" for the model's default layers.
        name: The argument's name, for the error message.

    Returns:
        None for "", one name (a layer or a saved model's layer set) as a string, several unweighted names
        as a tuple, and `{name: weight}` when any weight is given: what `Run.layers` and `Dreamer` take.
    """
    entries = [entry.strip() for entry in spec.split(",") if entry.strip()]
    weights = {}
    for entry in entries:
        layer, weighted, weight = entry.rpartition(":") if ":" in entry else (entry, "", "")
        try:
            weights[layer] = float(weight) if weighted else 1.0
        except ValueError:
            raise ValueError(f"{name} entries must be NAME or NAME:WEIGHT. Received: {name}={spec!r}") from None
    if not entries:
        return None
    if any(":" in entry for entry in entries):
        return weights
    return entries[0] if len(entries) == 1 else tuple(entries)
