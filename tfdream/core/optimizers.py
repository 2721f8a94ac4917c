"""How a step changes an image given through a parameterization: normalized ascent or Adam on its parameters.

Today's pixel-space dreams keep `steps.ascend` (the image is its own parameters, clipped to the value range).
Every other dream holds a `ParameterStep` per octave: the octave's image is encoded into parameters
(`Parameterization.encode`), every step pulls the stitched pixel gradient back to them (`pullback`), updates
them and decodes the image again, in place, so tiles, masks, history and callbacks see a plain image.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tfdream import parameterizations
from tfdream.core import smoothing

ADAM_BETAS = (0.9, 0.999)
ADAM_EPSILON = 1e-8


class ParameterStep:
    """One octave's parameters of the image, and the optimizer over them.

    Args:
        parameterization: How parameters map to the image.
        image: float32 (H, W, 3), model space: the octave's starting image (encoded; not kept).
        optimizer: "ascent" (`step_size` times the gradient over its `normalization` statistic) or "adam"
            (learning rate `step_size`, betas `ADAM_BETAS`, moments from zero, bias-corrected).
        step_size: The step in units of the parameters.
        normalization: The statistic "ascent" divides by (`smoothing.gradient_scale`).
    """

    def __init__(self, parameterization: parameterizations.Parameterization, image: np.ndarray, optimizer: str,
                 step_size: float, normalization: str):
        self.parameterization = parameterization
        self.parameters = parameterization.encode(image)
        self.optimizer, self.step_size, self.normalization = optimizer, float(step_size), normalization
        self.steps = 0
        if optimizer == "adam":
            self.first_moment = np.zeros_like(self.parameters)
            self.second_moment = np.zeros_like(self.parameters)

    def state(self) -> dict[str, np.ndarray]:
        """The parameters, moments and step count: what `restore` takes to go on bit for bit (copies)."""
        state = {"parameters": self.parameters.copy(), "steps": np.asarray(self.steps, np.int64)}
        if self.optimizer == "adam":
            state.update(first_moment=self.first_moment.copy(), second_moment=self.second_moment.copy())
        return state

    def restore(self, state: Mapping[str, np.ndarray]) -> None:
        """Takes up a `state()` of a step of the same parameterization and optimizer; a ValueError if it is not."""
        names = {"parameters", "steps"} | ({"first_moment", "second_moment"} if self.optimizer == "adam" else set())
        if set(state) != names or any(np.shape(state[name]) != self.parameters.shape for name in names - {"steps"}):
            raise ValueError(f"the saved optimizer state does not fit this dream's {self.optimizer} over "
                             f"parameters of shape {self.parameters.shape}. Received: "
                             f"{ {name: np.shape(array) for name, array in state.items()} }")
        self.parameters = np.array(state["parameters"], self.parameters.dtype)
        self.steps = int(state["steps"])
        if self.optimizer == "adam":
            self.first_moment = np.array(state["first_moment"], self.parameters.dtype)
            self.second_moment = np.array(state["second_moment"], self.parameters.dtype)

    def step(self, image: np.ndarray, gradient: np.ndarray) -> None:
        """Ascends along the pixel-space `gradient` (H, W, 3) at `image`, then writes the new image into `image`."""
        update = self.parameterization.pullback(image, gradient)
        self.steps += 1
        if self.optimizer == "adam":
            beta1, beta2 = ADAM_BETAS
            self.first_moment *= beta1
            self.first_moment += (1 - beta1) * update
            np.square(update, out=update)
            self.second_moment *= beta2
            self.second_moment += (1 - beta2) * update
            # update = lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections folded into the two factors
            np.sqrt(self.second_moment, out=update)
            update /= np.sqrt(1 - beta2**self.steps)
            update += ADAM_EPSILON
            np.divide(self.first_moment, update, out=update)
            update *= self.step_size / (1 - beta1**self.steps)
        else:
            update *= self.step_size / (smoothing.gradient_scale(update, self.normalization) + 1e-8)
        self.parameters += update
        image[...] = self.parameterization.decode(self.parameters, image.shape[:2])
