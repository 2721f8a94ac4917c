"""The transforms as data: `Pad`, `Jitter`, `Scale`, `Rotate`, composed into a `Stack`, and their text form.

Text form (the `--transforms` flag and what sidecars record): calls joined by `+`, e.g.
`pad(12) + jitter(8) + scale(0.9, 1.1) + rotate(10) + jitter(4)`; "" is no transform.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from tfdream.base import checks

# Kind name -> transform class, filled as kinds are defined.
KINDS: dict[str, type[Transform]] = {}


class Transform:
    """Shared behaviour of the transform kinds: registry, config, text, composition with `+`."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        KINDS[cls.kind] = cls

    def get_config(self) -> dict[str, Any]:
        """JSON-ready fields with the `kind`."""
        return {"kind": self.kind, **dataclasses.asdict(self)}

    @property
    def text(self) -> str:
        """The call of the text form, e.g. `scale(0.9, 1.1)`."""
        return f"{self.kind}({', '.join(repr(value) for value in dataclasses.astuple(self))})"

    def __add__(self, other) -> Stack:
        return Stack((self,)) + other


def _check(ok: bool, message: str, value) -> None:
    if not ok:
        raise ValueError(f"{message}. Received: {value!r}")


@dataclasses.dataclass(frozen=True)
class Pad(Transform):
    """`pad`: mirror `pixels` pixels around each tile, so later shifts and turns do not show the tile's edge."""

    kind: ClassVar[str] = "pad"
    pixels: int

    def __post_init__(self):
        _check(checks.is_int(self.pixels) and self.pixels >= 1, "pad pixels must be an int >= 1", self.pixels)


@dataclasses.dataclass(frozen=True)
class Jitter(Transform):
    """`jitter`: crop each batch of tiles by `pixels` at a random offset in [0, pixels] on each axis."""

    kind: ClassVar[str] = "jitter"
    pixels: int

    def __post_init__(self):
        _check(checks.is_int(self.pixels) and self.pixels >= 1, "jitter pixels must be an int >= 1", self.pixels)


@dataclasses.dataclass(frozen=True)
class Scale(Transform):
    """`scale`: resize (bilinear) by a factor drawn uniformly from [low, high]."""

    kind: ClassVar[str] = "scale"
    low: float
    high: float

    def __post_init__(self):
        _check(checks.is_number(self.low) and checks.is_number(self.high) and 0 < self.low <= self.high,
               "scale needs 0 < low <= high", (self.low, self.high))
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))


@dataclasses.dataclass(frozen=True)
class Rotate(Transform):
    """`rotate`: turn (bilinear, mirrored borders) by an angle drawn uniformly from [-degrees, degrees]."""

    kind: ClassVar[str] = "rotate"
    degrees: float

    def __post_init__(self):
        _check(checks.is_number(self.degrees) and 0 < self.degrees <= 180, "rotate degrees must be in (0, 180]",
               self.degrees)
        object.__setattr__(self, "degrees", float(self.degrees))


@dataclasses.dataclass(frozen=True)
class Stack:
    """Transforms applied in order; `Stack(())` is none."""

    transforms: tuple[Transform, ...] = ()

    def __add__(self, other) -> Stack:
        if isinstance(other, Transform):
            other = Stack((other,))
        if not isinstance(other, Stack):
            return NotImplemented
        return Stack(self.transforms + other.transforms)

    def __bool__(self) -> bool:
        return bool(self.transforms)

    @property
    def text(self) -> str:
        """The canonical text form ("" for none); `parse(stack.text) == stack`."""
        return " + ".join(transform.text for transform in self.transforms)

    def get_config(self) -> list[dict[str, Any]]:
        """Each transform's `get_config()`, in order."""
        return [transform.get_config() for transform in self.transforms]

    @classmethod
    def from_config(cls, config: Sequence[Mapping[str, Any]]) -> Stack:
        """Inverse of `get_config`."""
        stack = []
        for item in config:
            fields = dict(item)
            kind = fields.pop("kind", None)
            if kind not in KINDS:
                raise ValueError(f"transform kind must be one of {sorted(KINDS)}. Received: kind={kind!r}")
            stack.append(KINDS[kind](**fields))
        return cls(tuple(stack))


def pad(pixels: int) -> Pad:
    """Mirror `pixels` pixels around every tile."""
    return Pad(pixels)


def jitter(pixels: int) -> Jitter:
    """Crop `pixels` at a random offset."""
    return Jitter(pixels)


def scale(low: float, high: float) -> Scale:
    """Resize by a random factor in [low, high]."""
    return Scale(low, high)


def rotate(degrees: float) -> Rotate:
    """Turn by a random angle in [-degrees, degrees]."""
    return Rotate(degrees)


def parse(text: str | Stack | Transform) -> Stack:
    """A `Stack` from its text form (or a `Stack` or one transform, as they are).

    Raises:
        ValueError: the text is not calls of `KINDS` with number arguments joined by `+` (the message names the
            offending part).
    """
    if isinstance(text, Stack):
        return text
    if isinstance(text, Transform):
        return Stack((text,))
    if not isinstance(text, str):
        raise ValueError(f"transforms must be text like \"pad(12) + jitter(8)\". Received: transforms={text!r}")
    if not text.strip():
        return Stack()
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"transforms is not a valid expression ({error.msg}). Received: transforms={text!r}") from None
    calls = []
    while isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Add):
        calls.insert(0, tree.right)
        tree = tree.left
    calls.insert(0, tree)
    return Stack(tuple(_transform(call, text) for call in calls))


def _transform(node: ast.AST, text: str) -> Transform:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KINDS
            and not node.keywords):
        raise ValueError(f"transforms must be {sorted(KINDS)} calls joined by +. Received: {ast.unparse(node)!r} "
                         f"in transforms={text!r}")
    try:
        args = [ast.literal_eval(arg) for arg in node.args]
        return KINDS[node.func.id](*args)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bad transform {ast.unparse(node)!r}: {error}") from None


# The standard stack of the `robust` render (lucid's, with a scale range), chosen in benchmarks/featviz_benchmark.py.
STANDARD = Stack((Pad(12), Jitter(8), Scale(0.9, 1.1), Rotate(10.0), Jitter(4)))
