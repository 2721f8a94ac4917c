"""Small photos bundled with the package, so dreams run with no input and no network (see README.md here)."""

from __future__ import annotations

import pathlib

NAMES = ("coffee", "astronaut")
DEFAULT = "coffee"


def path(name: str = DEFAULT) -> pathlib.Path:
    """Path of the bundled sample photo `name` (one of `NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"sample must be one of {NAMES}. Received: name={name!r}")
    return pathlib.Path(__file__).with_name(f"{name}.jpg")
