"""The package's structure: no import cycles between lrpo's modules, at any depth.

An import placed inside a function still ties two modules together (the old
``train`` <-> ``pipeline`` cycle hid that way), so every ``import`` statement
counts, wherever it stands. A package's ``__init__`` is a node of its own.
"""

import ast
import graphlib
from pathlib import Path

import lrpo

PACKAGE_DIR = Path(lrpo.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The lrpo modules that ``path`` imports (``from a.b import c`` counts as a.b.c when
    that is a module, else as a.b)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                     for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        # A module may import its own package's __init__ (for a re-exported name) without a cycle
        # only if that __init__ does not import it back; the sorter below decides.
        graph[name] = imported_modules(path, set(paths)) - {name}
    return graph


def test_lrpo_has_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 40  # the walk found the package
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        raise AssertionError(f"import cycle: {' -> '.join(err.args[1])}") from None


def test_the_cycle_check_detects_a_cycle():
    # The control: a graph with a hidden (function-level) back edge fails the same check.
    graph = import_graph()
    graph["lrpo.training.setup"] = graph["lrpo.training.setup"] | {"lrpo.train"}
    graph["lrpo.train"] = graph["lrpo.train"] | {"lrpo.training.setup"}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return
    raise AssertionError("the cycle check missed train <-> training.setup")
