"""Models to dream with: named ImageNet architectures (`MODELS`), saved `.keras` models with their metadata,
GoogLeNet of the 2015 notebook (native, or converted from its frozen graph by `graphdef`), Inception-v4, the
input spaces (`Preprocessing`), layer listing and checks, classifier tops, and the inference build (precision,
folded batch norms). It may import `tfdream.io` and `tfdream.base` only. The names below are the package's
public face, each defined in the module named beside it.
"""

from tfdream.models.layers import LayerInfo, check_layer, feature_extractor, list_layers, resolve_layers
from tfdream.models.loading import LoadedModel, load_model
from tfdream.models.preprocessing import PREPROCESSING, Preprocessing, get_preprocessing
from tfdream.models.registry import HED_WEIGHTS, MODELS, ModelSpec, WeightsUnavailableError

__all__ = ["HED_WEIGHTS", "MODELS", "PREPROCESSING", "LayerInfo", "LoadedModel", "ModelSpec", "Preprocessing",
           "WeightsUnavailableError", "check_layer", "feature_extractor", "get_preprocessing", "list_layers",
           "load_model", "resolve_layers"]
