"""Former name of `tfdream.inference` (its `build` was `rebuild` here); import `tfdream.inference` instead."""

from tfdream.inference import PRECISIONS, FoldedAway, cpu_has_bfloat16, foldable_batch_norms, resolve  # noqa: F401
from tfdream.inference import build as rebuild  # noqa: F401
