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


def check_count(value, name: str, minimum: int) -> None:
    """Raises a ValueError naming `name` unless `value` is an int >= `minimum`."""
    if not (is_int(value) and value >= minimum):
        raise ValueError(f"{name} must be an int >= {minimum}. Received: {name}={value!r}")


def check_fraction(value, name: str) -> None:
    """Raises a ValueError naming `name` unless `value` is a number in [0, 1]."""
    if not (is_number(value) and 0 <= value <= 1):
        raise ValueError(f"{name} must be in [0, 1]. Received: {name}={value!r}")
