"""The house's floors, checked on every `make test`: what each part of the code may import.

From the ground up: `sovex.model` (errors, settings, targets, catalogs, requests,
manifests), then the libraries (`anonymization`, `policies`, then `transforms`), then the
application (the rest of `sovex`), then the DAG files. A module may import its own floor
and the floors below, never above, and no set of modules may import each other in a
circle. Imports inside functions count: they are arrows all the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from sovex.model.settings import PROJECT_ROOT

PACKAGES = ("sovex", "transforms", "anonymization", "policies", "dags")
# Floor of each part, by longest matching module prefix.
FLOORS = {
    "sovex.model": 0,
    "anonymization": 1,
    "policies": 1,
    "transforms": 2,
    "sovex": 3,
    "dags": 4,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


def imported_modules(path: Path, known: set[str]) -> Iterator[str]:
    """Every project module `path` imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            # "from sovex.model import errors" names a module; "from x import f" a function.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                yield name


def floor_of(module: str) -> int:
    prefix = max((p for p in FLOORS if module == p or module.startswith(p + ".")), key=len)
    return FLOORS[prefix]


MODULES = project_modules()
GRAPH = {
    name: sorted(set(imported_modules(path, set(MODULES))) - {name})
    for name, path in MODULES.items()
}


def test_every_module_imports_only_its_own_floor_or_those_below() -> None:
    upward = [
        f"{module} (floor {floor_of(module)}) imports {target} (floor {floor_of(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if floor_of(target) > floor_of(module)
    ]
    assert upward == []


def test_the_model_imports_no_other_part_of_the_project() -> None:
    outside = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if floor_of(module) == 0
        for target in targets
        if floor_of(target) != 0
    ]
    assert outside == []


def strongly_connected(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the graph's components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert strongly_connected(GRAPH) == []


@pytest.mark.parametrize(
    ("graph", "circles"),
    [
        ({"a": ["b"], "b": ["a"], "c": ["a"]}, [["a", "b"]]),
        ({"a": ["b"], "b": ["c"], "c": []}, []),
    ],
)
def test_the_circle_finder_finds_circles_and_only_them(
    graph: dict[str, list[str]], circles: list[list[str]]
) -> None:
    assert strongly_connected(graph) == circles


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from transforms.publish import EXTRACTS_ROOT\n")
    assert set(imported_modules(module, set(MODULES))) == {"transforms.publish"}


# Past this many lines a module says at its top why it stays one module.
LONG_MODULE_LINES = 400
LONG_MODULE_REASON = "long on purpose"


def test_every_long_module_says_why_it_is_one_module() -> None:
    benchmarks = sorted((PROJECT_ROOT / "benchmarks").rglob("*.py"))
    unexplained = []
    for path in [*MODULES.values(), *benchmarks]:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LONG_MODULE_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if LONG_MODULE_REASON not in " ".join(docstring.split()):
            unexplained.append(str(path.relative_to(PROJECT_ROOT)))
    assert unexplained == [], f"over {LONG_MODULE_LINES} lines with no reason at the top"


def _anonymization_modules() -> list[str]:
    root = PROJECT_ROOT / "anonymization"
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_anonymization_module_imports_first_without_a_cycle() -> None:
    """A circle of imports breaks only when its modules are imported in one order (a test
    importing `medical_terms` first); each module is imported here into a clean slate."""
    import importlib
    import sys

    saved = {name: module for name, module in sys.modules.items() if name == "anonymization"
             or name.startswith("anonymization.")}  # fmt: skip
    failures = []
    try:
        for name in _anonymization_modules():
            for loaded in [n for n in sys.modules if n.split(".")[0] == "anonymization"]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except ImportError as error:
                failures.append(f"{name}: {error}")
    finally:
        for loaded in [n for n in sys.modules if n.split(".")[0] == "anonymization"]:
            del sys.modules[loaded]
        sys.modules.update(saved)
    assert failures == []
