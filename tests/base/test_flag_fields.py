"""Tests for tfdream.flag_fields: flags generated from a config dataclass."""

import dataclasses

import pytest
from absl import flags

from tfdream.base import flag_fields


@dataclasses.dataclass(frozen=True)
class _Config:
    """A config.

    Attributes:
        steps: Number of
            steps.
        rate: A rate.
        name: A name.
        fast: Go fast.
        limit: A limit or none.
        tile: A side or none.
        octaves: Octaves.
        size: Height, width.
    """

    steps: int = 3
    rate: float = 0.5
    name: str = "a"
    fast: bool = False
    limit: int | None = None
    tile: int | None = 512
    octaves: tuple[int, ...] = (0, 1)
    size: tuple[int, int] = (4, 5)


def test_define_flags_parses_every_field_type():
    values = flags.FlagValues()
    holders = flag_fields.define_flags(_Config, skip=("name",), flag_values=values)
    assert list(holders) == ["steps", "rate", "fast", "limit", "tile", "octaves", "size"]
    values(["prog", "--steps=7", "--fast", "--limit=9", "--tile=none", "--octaves=-1,0,2", "--size=6,8"])
    config = _Config(**{name: holder.value for name, holder in holders.items()})
    assert config == _Config(steps=7, rate=0.5, fast=True, limit=9, tile=None, octaves=(-1, 0, 2), size=(6, 8))
    assert values["steps"].help == "Number of steps."


def test_fixed_length_tuples_are_checked():
    values = flags.FlagValues()
    flag_fields.define_flags(_Config, flag_values=values)
    with pytest.raises(flags.IllegalFlagValueError, match="expected one int or 2 comma-separated ints"):
        values(["prog", "--size=1,2,3"])


@pytest.mark.parametrize("argument, expected", [("32", (32, 32)), ("6,8", (6, 8))])
def test_one_int_is_a_square(argument, expected):
    values = flags.FlagValues()
    holders = flag_fields.define_flags(_Config, flag_values=values)
    values(["prog", f"--size={argument}", "--octaves=3"])
    assert holders["size"].value == expected and holders["octaves"].value == (3,)  # a free length stays as given
