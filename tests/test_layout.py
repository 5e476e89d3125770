"""The folder tree is the pipeline: no import circles, stages import only stages below them, and
every module can be read in one sitting.

The import graph is read from the source (every `import` and `from ... import`, at module level or
inside a function: a circle hidden in a function is still a circle). `checker/`'s stages, lowest
first, are listed in STAGES; a module may import its own stage and the ones below it. `facts/` sits
below `checker/` and may use only its base modules (errors, output).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("checker", "facts")
MAX_LINES = 500
"""Longest module, in lines: a few hundred lines is one sitting (docs/STYLE.md)."""
STAGES: tuple[tuple[str, ...], ...] = (
    ("checker.errors", "checker.output", "checker.bundled", "facts"),
    ("checker.language",),
    ("checker.scope",),
    ("checker.engine",),
    ("checker.results",),
    ("checker.reports",),
    ("checker.state",),
    ("checker.scan", "checker.publish"),
    ("checker.maintain", "checker.commands"),
    ("cli",),
)
"""Stages lowest first: a module may import modules of its own stage and of the stages before it."""
FACTS_MAY_USE = ("checker.errors", "checker.output", "checker.bundled")


def modules() -> dict[str, Path]:
    found = {"cli": ROOT / "cli.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Project modules a module imports, wherever the import statement stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def stage_of(module: str) -> int:
    for level, prefixes in enumerate(STAGES):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return level
    raise AssertionError(f"{module} belongs to no stage: add its package to STAGES in tests/test_layout.py")


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    assert circles(graph()) == []


def test_stages_import_only_stages_below_them() -> None:
    wrong = [
        f"{module} (stage {stage_of(module)}) imports {used} (stage {stage_of(used)})"
        for module, used_modules in sorted(graph().items())
        for used in sorted(used_modules)
        if stage_of(used) > stage_of(module)
    ]
    assert wrong == []


def test_facts_use_only_the_base_of_checker() -> None:
    wrong = [
        f"{module} imports {used}"
        for module, used_modules in sorted(graph().items())
        if module.startswith("facts")
        for used in sorted(used_modules)
        if used.startswith("checker") and not used.startswith(FACTS_MAY_USE)
    ]
    assert wrong == []


def test_every_module_can_be_read_in_one_sitting() -> None:
    paths = [*modules().values(), *sorted((ROOT / "bench").glob("*.py")), ROOT / "tasks.py"]
    long = {
        str(path.relative_to(ROOT)): lines
        for path in paths
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def imported_roots(source: str) -> set[str]:
    """The top-level packages a module's source imports, wherever the import statement stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_the_import_reader_sees_duckdb_anywhere() -> None:
    assert "duckdb" in imported_roots("def f():\n    import duckdb.typing as t\n")
    assert "duckdb" in imported_roots("from duckdb import connect\n")
    assert "duckdb" not in imported_roots("from bench import peer\nimport json\n")


def test_only_the_bulk_reader_imports_duckdb() -> None:
    """DuckDB reads a streamed kind's large JSON Lines file in bulk (facts/load/bulk.py, the one
    module that imports it) and is the benchmark's peer (bench/peer.py); it is a dependency, and a
    load without it takes the line-by-line path (tests/facts/test_bulk.py)."""
    assert [
        name for name, path in modules().items() if "duckdb" in imported_roots(path.read_text("utf-8"))
    ] == ["facts.load.bulk"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert any(requirement.startswith("duckdb") for requirement in project["dependencies"])
