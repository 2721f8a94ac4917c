"""How TensorFlow starts under tfdream: the environment it reads when it is imported, and the quiet start of
the command line. This module imports no TensorFlow itself.

TensorFlow reads `TF_ENABLE_ONEDNN_OPTS` once, when it is imported, and by default turns oneDNN's custom
operations on only on CPUs with AVX-512 VNNI/BF16 (or AMX); elsewhere a float32 tile gradient took 0.74-0.77x
the time with them on (benchmarks/README.md). `import tfdream` therefore calls `prefer_onednn()`, which sets
the variable to "1" only where the environment has no value (a user's own value wins). It cannot act on a
TensorFlow that was imported before tfdream.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import IO


def prefer_onednn() -> None:
    """Turns oneDNN's custom operations on for a TensorFlow not imported yet, unless the environment chooses."""
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def import_tensorflow(*, quiet: bool) -> None:
    """Imports TensorFlow and lists its devices: when its C++ core writes its start-up lines to the process's
    stderr (the oneDNN notice, CUDA driver lookups, `failed call to cuInit` on GPU builds without a GPU).

    Args:
        quiet: Send those lines to a temporary file instead, written out only if the import fails; later
            INFO and WARNING lines of the C++ core are dropped too (`TF_CPP_MIN_LOG_LEVEL=2` unless the
            environment sets it). False: nothing is hidden.
    """
    if quiet:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryFile() as captured:
        try:
            with _stderr_to(captured) if quiet else contextlib.nullcontext():
                import tensorflow as tf  # pylint: disable=import-outside-toplevel

                tf.config.list_physical_devices()
        except Exception:
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise


@contextlib.contextmanager
def _stderr_to(file: IO[bytes]) -> Iterator[None]:
    """Points file descriptor 2 (what C++ code and Python's `sys.stderr` write to) at `file`, then back."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(file.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
