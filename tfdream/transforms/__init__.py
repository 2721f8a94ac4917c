"""Transformation robustness: random pads, jitters, scales and rotations of the tiles inside the compiled step.

    stack = transforms.pad(12) + transforms.jitter(8) + transforms.scale(0.9, 1.1) + transforms.rotate(10)
    DreamConfig(transforms=stack)            # or the text: transforms="pad(12) + jitter(8) + ..."

An image whose features survive small random changes of position, size and angle is one the network sees in
many views, not one exploiting the exact pixel grid, which keeps renders from noise free of high-frequency
patterns. `spec` holds the transforms as data (TensorFlow-free, for the flags and `DreamConfig`): each is a
frozen dataclass with `get_config`/`from_config`, composed with `+` into a `Stack` whose canonical text is what a
sidecar records. `ops.apply` runs a stack on a batch of tiles with stateless random draws from a seed the
dream draws from its own generator every step, so reruns are bit-identical. It may import `tfdream.base`,
not its neighbours `tfdream.objectives` and `tfdream.parameterizations`.
"""

from tfdream.transforms.spec import (
           KINDS,
           STANDARD,
           Jitter,
           Pad,
           Rotate,
           Scale,
           Stack,
           jitter,
           pad,
           parse,
           rotate,
           scale,
)

__all__ = ["KINDS", "STANDARD", "Jitter", "Pad", "Rotate", "Scale", "Stack", "jitter", "pad", "parse", "rotate",
           "scale"]
