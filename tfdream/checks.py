"""Type checks of user arguments shared by the modules that validate them."""

from __future__ import annotations

import math
import numbers


def is_int(value) -> bool:
    """True for Python and numpy integers, False for bools (which are ints to Python)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value) -> bool:
    """True for finite real numbers (ints, floats, numpy scalars), False for bools."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
