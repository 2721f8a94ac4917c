"""Image parameterizations: what the ascent changes when it changes an image.

`pixel` is the image itself (today's dreams); `fourier` is a spectrum whose inverse real FFT, scaled by
1/f^decay, is the image (`spectrum`): low frequencies move first, so renders from noise build shapes instead
of high-frequency stripes. Either can decorrelate colour (`colors`: the ImageNet colour-correlation square
root, or one computed from a user's images) and squash into the model's value range (sigmoid or clip).

Every parameterization is a map from parameters to a model-space image with an explicit adjoint
(`Parameterization.pullback`), so the core keeps taking gradients per tile in pixel space and pulls the
stitched gradient back through it: tiles and octaves work as for every dream. NumPy only (no TensorFlow),
deterministic. It may import `tfdream.models`, `tfdream.io` and `tfdream.base`, not its neighbours
`tfdream.objectives` and `tfdream.transforms`.
"""

from tfdream.parameterizations.colors import IMAGENET_COLOR_SQRT, color_correlation_sqrt, load_color_matrix
from tfdream.parameterizations.image import Parameterization
from tfdream.parameterizations.spectrum import spectrum_scale

__all__ = ["IMAGENET_COLOR_SQRT", "Parameterization", "color_correlation_sqrt", "load_color_matrix",
           "spectrum_scale"]
