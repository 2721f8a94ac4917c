"""tfdream: DeepDream for TensorFlow 2 / Keras 3."""

from tfdream.config import DreamConfig
from tfdream.dreamer import Dreamer, DreamResult
from tfdream.callbacks import Callback
from tfdream.history import LossHistory
from tfdream.models import MODELS, list_layers
from tfdream.objectives import Objective, layer

__version__ = "0.1.0"

__all__ = [
    "Callback",
    "DreamConfig",
    "DreamResult",
    "Dreamer",
    "LossHistory",
    "MODELS",
    "Objective",
    "__version__",
    "layer",
    "list_layers",
]
