"""tfdream: DeepDream for TensorFlow 2 / Keras 3."""

__version__ = "0.1.0"

__all__ = ["__version__"]
