"""absl flags generated from the fields of a frozen config dataclass (`DreamConfig`, `TrainConfig`, ...).

    _CONFIG = flag_fields.define_flags(config.DreamConfig)        # {field name: FlagHolder}
    config.DreamConfig(**{name: holder.value for name, holder in _CONFIG.items()})

Each flag takes the field's name, default and type; its help is the field's text in the "Attributes:" section
of the class docstring. Supported field types: bool, int, float, str, `int | None` ("none" for None),
`tuple[int, ...]` and fixed-length tuples of ints such as `tuple[int, int]` (comma-separated; one int repeated).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Collection

from absl import flags


class IntsParser(flags.ListParser):
    """Comma-separated ints as a tuple, optionally of a fixed length; one int stands for all of a fixed length
    (`--image_size=32` is 32,32: a square)."""

    def __init__(self, length: int | None = None):
        super().__init__()
        self.length = length

    def parse(self, argument):
        if isinstance(argument, str):
            argument = super().parse(argument)
        elif isinstance(argument, int):
            argument = [argument]
        values = tuple(int(value) for value in argument)
        if self.length is not None and len(values) == 1:
            values *= self.length
        if self.length is not None and len(values) != self.length:
            raise ValueError(f"expected one int or {self.length} comma-separated ints")
        return values


class OptionalIntParser(flags.ArgumentParser):
    """An int, or "none" for None."""

    def parse(self, argument):
        if argument is None or str(argument).lower() in ("none", ""):
            return None
        return int(argument)


def field_docs(cls: type) -> dict[str, str]:
    """Each field's text from the "Attributes:" section of a dataclass docstring (the flag help)."""
    docs, name = {}, None
    for line in inspect.getdoc(cls).split("Attributes:", 1)[1].splitlines():
        match = re.match(r" {4}(\w+): (.*)", line)
        if match:
            name, docs[match[1]] = match[1], match[2]
        elif name and line.strip():
            docs[name] += " " + line.strip()
    return docs


_DEFINES = {bool: flags.DEFINE_bool, int: flags.DEFINE_integer, float: flags.DEFINE_float, str: flags.DEFINE_string}


def define_flags(
    dataclass_type: type, *, skip: Collection[str] = (), flag_values: flags.FlagValues = flags.FLAGS
) -> dict[str, flags.FlagHolder]:
    """Defines one flag per field of `dataclass_type` (except those in `skip`), with its type, default and docs.

    Args:
        dataclass_type: A dataclass whose docstring documents every field under "Attributes:".
        skip: Field names to leave without a flag (the caller defines or fixes them).
        flag_values: Where to define the flags.

    Returns:
        {field name: FlagHolder}, in field order.

    Raises:
        TypeError: a field's type has no flag type.
    """
    hints, docs, holders = typing.get_type_hints(dataclass_type), field_docs(dataclass_type), {}
    for field in dataclasses.fields(dataclass_type):
        if field.name in skip:
            continue
        kind = hints[field.name]
        args, kwargs = (field.name, field.default, docs[field.name]), {"flag_values": flag_values}
        tuple_args = typing.get_args(kind) if typing.get_origin(kind) is tuple else ()
        if kind in _DEFINES:
            holders[field.name] = _DEFINES[kind](*args, **kwargs)
        elif kind == int | None:
            flags.DEFINE(OptionalIntParser(), *args, **kwargs)
            # DEFINE's own holder refuses a None value when the default is not None ("none" is a valid value).
            holders[field.name] = flags.FlagHolder(flag_values, flag_values[field.name], ensure_non_none_value=False)
        elif tuple_args == (int, ...) or (tuple_args and set(tuple_args) == {int}):
            length = None if tuple_args == (int, ...) else len(tuple_args)
            holders[field.name] = flags.DEFINE(
                IntsParser(length), *args, serializer=flags.CsvListSerializer(","), **kwargs
            )
        else:
            raise TypeError(f"no flag type for {dataclass_type.__name__}.{field.name}: {kind}")
    return holders
