"""How TensorFlow starts under tfdream: the environment it reads when it is imported. This module imports no
TensorFlow itself.

TensorFlow reads `TF_ENABLE_ONEDNN_OPTS` once, when it is imported, and by default turns oneDNN's custom
operations on only on CPUs with AVX-512 VNNI/BF16 (or AMX); on other CPUs turning them on measured about 25%
faster tile gradients. `import tfdream` therefore calls `prefer_onednn()`, which sets the variable to "1" only
where the environment has no value (a user's own value wins). It cannot act on a TensorFlow that was imported
before tfdream.
"""

from __future__ import annotations

import os


def prefer_onednn() -> None:
    """Turns oneDNN's custom operations on for a TensorFlow not imported yet, unless the environment chooses."""
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
