"""What a saved classifier needs to be dreamed with: a JSON sidecar next to its `.keras` file.

A model saved as `out/model.keras` is described by `out/model.json`:

```json
{
  "architecture": "vgg16",
  "preprocessing": "inception",
  "image_size": [224, 224],
  "class_names": ["airport_inside", "..."],
  "default_layers": ["block4_conv3"],
  "layer_presets": {"block4": ["block4_conv3"], "all": ["block1_conv2", "..."]},
  "split": "official TrainImages.txt/TestImages.txt",
  "metrics": {"test_accuracy": 0.5}
}
```
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
from collections.abc import Mapping

from tfdream.base import checks
from tfdream.io import files

_LOG = logging.getLogger(__name__)

_REQUIRED = ("architecture", "preprocessing", "image_size")


def metadata_path(model_path: str | os.PathLike) -> pathlib.Path:
    """Returns the sidecar path of a model file: `<dir>/<stem>.json` for `<dir>/<stem>.keras`."""
    return pathlib.Path(model_path).with_suffix(".json")


@dataclasses.dataclass(frozen=True)
class ModelMetadata:
    """Facts about a trained classifier that dreaming and evaluation rely on.

    Attributes:
        architecture: Registry name of the network, e.g. "vgg16".
        preprocessing: Name of the input space, e.g. "inception" (RGB mapped by x / 127.5 - 1 to [-1, 1]).
        image_size: (height, width) the model was trained at.
        class_names: Output class names, in output order.
        default_layers: Layers dreamed when the user names none.
        layer_presets: The model's layer sets: name -> layer names, e.g. "block4" -> ("block4_conv3",) (the
            file's key keeps its first name; `layer_sets` reads it under the library's word).
        split: How the training and test data were split, in words.
        metrics: Final metrics, e.g. {"test_accuracy": 0.5}.
        min_size: Smallest input height/width the network accepts (octaves and tiles below it are refused).
    """

    architecture: str
    preprocessing: str
    image_size: tuple[int, int]
    class_names: tuple[str, ...] = ()
    default_layers: tuple[str, ...] = ()
    layer_presets: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    split: str = ""
    metrics: Mapping[str, float] = dataclasses.field(default_factory=dict)
    min_size: int = 1

    def __post_init__(self):
        for name in ("architecture", "preprocessing"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string. Received: {name}={value!r}")
        size = tuple(self.image_size)
        if len(size) != 2 or not all(checks.is_int(s) and s > 0 for s in size):
            raise ValueError(f"image_size must be two positive ints. Received: image_size={self.image_size!r}")
        if not (checks.is_int(self.min_size) and self.min_size >= 1):
            raise ValueError(f"min_size must be an int >= 1. Received: min_size={self.min_size!r}")
        # Normalize containers so that a loaded instance equals the one that was saved.
        object.__setattr__(self, "image_size", size)
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        object.__setattr__(self, "default_layers", tuple(str(c) for c in self.default_layers))
        presets = {str(k): tuple(str(v) for v in vs) for k, vs in self.layer_presets.items()}
        object.__setattr__(self, "layer_presets", presets)
        object.__setattr__(self, "metrics", {str(k): float(v) for k, v in self.metrics.items()})

    @property
    def layer_sets(self) -> Mapping[str, tuple[str, ...]]:
        """The model's named layer sets (stored as `layer_presets`)."""
        return self.layer_presets

    def get_config(self) -> dict:
        """JSON-ready fields (lists for tuples); `from_config` rebuilds the metadata."""
        return json.loads(json.dumps({f.name: getattr(self, f.name) for f in dataclasses.fields(self)}))

    @classmethod
    def from_config(cls, config: Mapping) -> ModelMetadata:
        """Inverse of `get_config`. Unknown keys are ignored with a warning (files from newer versions).

        Raises:
            ValueError: `config` is not a mapping with valid required fields.
        """
        if not isinstance(config, Mapping):
            raise ValueError(f"metadata must be a JSON object. Received: {type(config).__name__}")
        missing = [key for key in _REQUIRED if key not in config]
        if missing:
            raise ValueError(f"metadata lacks required keys {missing}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            _LOG.warning("Ignoring unknown model metadata keys: %s", ", ".join(unknown))
        return cls(**{k: v for k, v in config.items() if k in known})

    def to_json(self) -> str:
        """Returns `get_config()` as a JSON document."""
        return json.dumps(self.get_config(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ModelMetadata:
        """Parses `to_json` output (see `from_config`)."""
        return cls.from_config(json.loads(text))

    def save(self, model_path: str | os.PathLike) -> pathlib.Path:
        """Writes the metadata atomically next to `model_path`, replacing any previous sidecar.

        Args:
            model_path: The model file, e.g. "out/model.keras"; it need not exist yet.

        Returns:
            The written path, `metadata_path(model_path)`.
        """
        path = metadata_path(model_path)
        return files.write_text(path, self.to_json(), overwrite=True)

    @classmethod
    def load(cls, model_path: str | os.PathLike) -> ModelMetadata | None:
        """Reads the sidecar of `model_path`.

        Args:
            model_path: The model file, e.g. "out/model.keras".

        Returns:
            The metadata, or None when no sidecar exists.

        Raises:
            ValueError: the sidecar exists but is malformed; the message names the file.
        """
        path = metadata_path(model_path)
        if not path.is_file():
            return None
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, TypeError) as error:  # json.JSONDecodeError is a ValueError
            raise ValueError(f"malformed model metadata file {str(path)!r}: {error}") from error
