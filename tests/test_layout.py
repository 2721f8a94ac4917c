"""The house rule, read from the source with `ast`: imports between tfdream's sub-packages point down only (a
floor may import the floors below it, never one above, never a neighbour on its own floor), and no modules
import each other in a circle. Every import counts: module level, inside functions and under TYPE_CHECKING."""

import ast
import importlib
import pathlib
import sys
import warnings

import pytest

import tfdream
from tfdream._compat import MOVED

PACKAGE = pathlib.Path(tfdream.__file__).parent

# Floors from the ground up; a sub-package may import those on lower floors (and itself).
FLOORS = [
    {"base"},
    {"io"},
    {"models"},
    {"objectives", "parameterizations", "transforms"},
    {"core"},
    {"studies", "renders", "motion", "training", "testing"},
    {"pipelines", "app"},
    {"cli"},
]
FLOOR = {part: level for level, parts in enumerate(FLOORS) for part in parts}
# The package root and the former-path table sit outside the house: they only point at modules lazily.
OUTSIDE = {"__init__", "__main__", "_compat"}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path) -> set[str]:
    """The tfdream modules `path` imports, resolved to the deepest name that is a module or package."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if _exists(f"{base}.{alias.name}"))
    return {name for name in found if name.startswith("tfdream.") and _exists(name)}


def _exists(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _part(module: str) -> str:
    return module.split(".")[1]


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _checked(module: str) -> bool:
    return module.count(".") >= 1 and _part(module) not in OUTSIDE


def test_every_sub_package_has_a_floor_and_says_what_it_owns():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages <= set(FLOOR), f"sub-packages without a floor in FLOORS: {packages - set(FLOOR)}"
    loose = {path.stem for path in PACKAGE.glob("*.py")} - OUTSIDE
    assert not loose, f"modules outside every sub-package: {sorted(loose)}"
    for package in packages:
        doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
        assert doc and len(doc) > 100, f"tfdream.{package} needs a docstring saying what it owns and imports"


def test_imports_point_down():
    upward = [
        f"{module} -> {imported}"
        for module, imported_modules in _graph().items() if _checked(module)
        for imported in imported_modules
        if _part(imported) != _part(module) and _part(imported) not in OUTSIDE
        and FLOOR[_part(imported)] >= FLOOR[_part(module)]
    ]
    assert not upward, "imports that point up or sideways:\n" + "\n".join(upward)


def test_no_import_circles():
    graph = {module: {name for name in imported if name != module} for module, imported in _graph().items()
             if _checked(module)}
    # A package's __init__ re-exporting its own modules is not a circle with them: drop package -> own child.
    for module, imported in graph.items():
        imported.difference_update({name for name in imported if name.startswith(module + ".")})
    circles, state = [], {}

    def visit(module, trail):
        state[module] = "open"
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                circles.append(" -> ".join([*trail[trail.index(imported):], imported]))
            elif imported not in state:
                visit(imported, [*trail, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "tfdream"
    (fake / "io").mkdir(parents=True)
    (fake / "core").mkdir()
    for path in (fake / "__init__.py", fake / "io" / "__init__.py", fake / "core" / "__init__.py",
                 fake / "core" / "dreamer.py"):
        path.write_text("")
    (fake / "io" / "files.py").write_text("def f():\n    from tfdream.core import dreamer\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert _imports(fake / "io" / "files.py") == {"tfdream.core", "tfdream.core.dreamer"}
    with pytest.raises(AssertionError, match=r"tfdream.io.files -> tfdream.core"):
        test_imports_point_down()


@pytest.mark.parametrize("former, now", [
    ("tfdream.dreamer:Dreamer", "tfdream.core.dreamer:Dreamer"),
    ("tfdream.dreamer:DreamResult", "tfdream.core.result:DreamResult"),
    ("tfdream.history:Callback", "tfdream.core.callbacks:Callback"),
    ("tfdream.history:save_figure", "tfdream.io.files:save_figure"),
    ("tfdream.presets:PRESETS", "tfdream.studies.runs:STUDIES"),
    ("tfdream.precision:rebuild", "tfdream.models.inference:build"),
    ("tfdream.graphdef:convert", "tfdream.models.graphdef:convert"),
    ("tfdream.samples:path", "tfdream.io.samples:path"),
])
def test_former_paths_still_work_with_a_warning(former, now):
    (former_module, former_name), (module, name) = former.split(":"), now.split(":")
    sys.modules.pop(former_module, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(importlib.import_module(former_module), former_name)
    assert [str(warning.message) for warning in caught if issubclass(warning.category, DeprecationWarning)] == [
        f"{former_module} is a former path: import {MOVED[former_module][0]} instead"]
    assert value is getattr(importlib.import_module(module), name)
