"""What the ascent maximizes: terms of several kinds, kept as data, composed with `+`, `-` and `*`.

    objective = layer("mixed3") + 2.0 * layer("mixed5", channels=[10, 42], reduction="l2")
    objective = guide("clouds.jpg", "mixed4") - 0.5 * total_variation()
    objective = class_logit("kitchen") + 0.2 * neuron("block4_conv3", 17)

This package owns the term kinds (`KINDS`: `layer`, `neuron`, `direction`, `class_logit`, `guide`,
`caricature`, `total_variation`, `l2`, and over a batch of images `image_term` (`per_image`), `diversity`,
`channel_interpolate`, `alignment`), the `Objective` that sums them, the `--objective` grammar (`parse`), the
records of the images a term names (guides, masks, photos) and colour preservation (`colors`). Each term carries
its weight and, optionally, a mask of its own; each has a `label` under which its unweighted value is recorded
per step, and `get_config`/`term_from_config` turn it into JSON and back. Every value is computed per tile
inside the compiled step, normalized by size (means, not sums). `steered` adds a guide image or a class to a
layer choice. It may import `tfdream.models`, `tfdream.io` and `tfdream.base`.
"""

from tfdream.objectives.base import KINDS, LOGITS, Kind, Objective, TermInputs, term_from_config
from tfdream.objectives.batches import (
           Alignment,
           ChannelInterpolate,
           Diversity,
           ImageTerm,
           alignment,
           batch_size,
           channel_interpolate,
           diversity,
           image_label,
           image_labels,
           per_image,
)
from tfdream.objectives.caricatures import Caricature, caricature
from tfdream.objectives.classes import ClassLogit, class_logit
from tfdream.objectives.grammar import parse
from tfdream.objectives.guides import Guide, guide
from tfdream.objectives.layers import (
           REDUCTIONS,
           SIMILARITIES,
           Direction,
           Neuron,
           Term,
           direction,
           from_layers,
           layer,
           neuron,
)
from tfdream.objectives.regularizers import ImageL2, TotalVariation, l2, total_variation
from tfdream.objectives.steering import steered

__all__ = ["KINDS", "LOGITS", "REDUCTIONS", "SIMILARITIES", "Alignment", "Caricature", "ChannelInterpolate",
           "ClassLogit", "Direction", "Diversity", "Guide", "ImageL2", "ImageTerm", "Kind", "Neuron", "Objective",
           "Term", "TermInputs", "TotalVariation", "alignment", "batch_size", "caricature", "channel_interpolate",
           "class_logit", "direction", "diversity", "from_layers", "guide", "image_label", "image_labels", "l2",
           "layer", "neuron", "parse", "per_image", "steered", "term_from_config", "total_variation"]
