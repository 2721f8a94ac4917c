"""`LocalResponseNormalization`: the LRN op of GoogLeNet's stem as a serializable Keras layer."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfdream")
class LocalResponseNormalization(keras.layers.Layer):
    """`tf.nn.local_response_normalization` over the channel axis, as a serializable Keras layer.

    `output = x / (bias + alpha * sum(x[..., c - r : c + r + 1] ** 2)) ** beta` with r = `depth_radius`.
    Computed in float32 whatever the layer's compute dtype (the power is unstable in 16 bits), then cast back.

    Args:
        depth_radius: Half-width r of the channel window.
        bias: Offset added to the weighted sum of squares.
        alpha: Scale of the sum of squares.
        beta: Exponent.
    """

    def __init__(self, depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0, beta: float = 0.5, **kwargs):
        super().__init__(**kwargs)
        self.depth_radius = int(depth_radius)
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        normalized = tf.nn.local_response_normalization(
            tf.cast(inputs, tf.float32), depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha,
            beta=self.beta,
        )
        return tf.cast(normalized, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias, "alpha": self.alpha,
                "beta": self.beta}
