"""The Keras layers a converted graph needs beyond Keras's own, registered so that a saved `.keras` reloads:
`ConstantOperand` (a tensor combined with a constant), `Squeeze`, `MirrorPadding2D`."""

from __future__ import annotations

from collections.abc import Sequence

import keras

_OPERATIONS = {
    "add": keras.ops.add,
    "subtract": keras.ops.subtract,
    "multiply": keras.ops.multiply,
    "divide": keras.ops.divide,
}
OPERATIONS = tuple(_OPERATIONS)


@keras.saving.register_keras_serializable(package="tfdream")
class ConstantOperand(keras.layers.Layer):
    """`inputs OPERATION constant`, the constant broadcast against the inputs as in NumPy.

    The constant is a non-trainable weight of the layer (so it saves with the model and follows a mixed
    precision policy's casts); `set_weights([value])` gives it its value.

    Args:
        operation: One of `OPERATIONS`: "add", "subtract", "multiply", "divide".
        shape: The constant's shape, e.g. () or (C,).
    """

    def __init__(self, operation: str, shape: Sequence[int] = (), **kwargs):
        super().__init__(**kwargs)
        if operation not in _OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}. Received: operation={operation!r}")
        self.operation = operation
        self.constant_shape = tuple(int(dim) for dim in shape)

    def build(self, input_shape):
        self.constant = self.add_weight(name="constant", shape=self.constant_shape, initializer="zeros",
                                        trainable=False)

    def call(self, inputs):
        return _OPERATIONS[self.operation](inputs, self.constant)

    def get_config(self) -> dict:
        return {**super().get_config(), "operation": self.operation, "shape": list(self.constant_shape)}


@keras.saving.register_keras_serializable(package="tfdream")
class Squeeze(keras.layers.Layer):
    """Removes the given axes of size 1 (never the batch axis), e.g. (batch, 1, 1, C) -> (batch, C).

    Args:
        axis: The axes to remove, counted with the batch axis as 0.
    """

    def __init__(self, axis: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(int(axis) for axis in axis)

    def call(self, inputs):
        return keras.ops.squeeze(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        axes = {axis % len(input_shape) for axis in self.axis}
        return tuple(dim for index, dim in enumerate(input_shape) if index not in axes)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": list(self.axis)}


@keras.saving.register_keras_serializable(package="tfdream")
class MirrorPadding2D(keras.layers.Layer):
    """Pads height and width of (batch, H, W, C) with their own mirror image.

    Args:
        padding: ((top, bottom), (left, right)) in pixels.
        mode: "reflect" (the edge pixel not repeated) or "symmetric" (repeated), as `tf.pad`'s modes.
    """

    def __init__(self, padding: Sequence[Sequence[int]], mode: str = "reflect", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("reflect", "symmetric"):
            raise ValueError(f"mode must be 'reflect' or 'symmetric'. Received: mode={mode!r}")
        self.padding = tuple(tuple(int(side) for side in pair) for pair in padding)
        self.mode = mode

    def call(self, inputs):
        return keras.ops.pad(inputs, ((0, 0), *self.padding, (0, 0)), mode=self.mode)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        (top, bottom), (left, right) = self.padding
        return (batch, None if height is None else height + top + bottom,
                None if width is None else width + left + right, channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": [list(pair) for pair in self.padding], "mode": self.mode}
