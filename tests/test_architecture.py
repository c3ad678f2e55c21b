"""The shape of the code: no import cycle, the layers contract names one module a layer,
and no function is longer than a screen."""

from __future__ import annotations

import ast
import functools
import itertools
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def _module_names(src: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module under `src` (a package is its __init__.py)."""
    out = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(
    name: str, path: Path, tree: ast.Module, modules: dict[str, Path]
) -> Iterator[tuple[str, int]]:
    """(module, line) of every import of one of `modules` anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules:
                    yield full, node.lineno
                elif base in modules:
                    yield base, node.lineno


@functools.cache
def _tree(path: Path, text: str) -> ast.Module:
    """A file's syntax tree, parsed once a process for the tests below that all read it."""
    return ast.parse(text, str(path))


def import_graph(src: Path) -> dict[str, dict[str, int]]:
    """module -> {module it imports: the line of the first such import}."""
    modules = _module_names(src)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        tree = _tree(path, path.read_text(encoding="utf-8"))
        for target, line in _imported(name, path, tree, modules):
            if target != name:
                edges.setdefault(target, line)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (a -> b -> ... -> a) for each strongly connected component of more than
    one module (Tarjan's algorithm, then the shortest way round from its first module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_way_round(graph, component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _way_round(graph: dict[str, dict[str, int]], component: set[str]) -> list[str]:
    """The shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    for v in queue:
        for w in sorted(graph[v]):
            if w == start:
                return paths[v] + [start]
            if w in component and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no way round {sorted(component)}")  # pragma: no cover


def _shown(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle)]
    return " -> ".join([*steps, cycle[-1]])


def test_no_import_cycle() -> None:
    """No two modules of evitrack import each other, directly or through others.

    Every import counts: at the top of a module, inside a function (a lazy import), and
    under `if TYPE_CHECKING:` too (import-linter's layers contract counts those as well).
    """
    graph = import_graph(SRC)
    assert len(graph) > 50
    found = [_shown(graph, c) for c in cycles(graph)]
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_the_cycle_finder_names_a_cycle_made_by_a_lazy_import(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.sub import c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from typing import TYPE_CHECKING\n\nfrom .. import a\n")
    (pkg / "d.py").write_text("import pkg.a\nimport os\n")
    graph = import_graph(tmp_path)
    assert graph["pkg.d"] == {"pkg.a": 1}
    assert [_shown(graph, c) for c in cycles(graph)] == [
        "pkg.a (line 1) -> pkg.b (line 2) -> pkg.sub.c (line 3) -> pkg.a"
    ]


def test_every_layer_of_the_layers_contract_is_one_module_or_independent_siblings() -> None:
    """A layer groups modules only with "|" (siblings that do not import each other); ":"
    (modules allowed to import each other) would hide a cycle."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = [c for c in config["contracts"] if c["type"] == "layers"]
    assert len(layers) == 1
    named = [layer for c in layers for layer in c["layers"]]
    assert [layer for layer in named if ":" in layer] == []
    modules = {n.partition(".")[2] for n in _module_names(SRC) if "." in n}
    declared = {m.strip() for layer in named for m in layer.split("|")}
    assert declared <= modules
    # the apprenticeship package is left out of the exhaustive check: each module of it
    # is a layer of its own
    assert [c["exhaustive_ignores"] for c in layers] == [["apprenticeship"]]
    inside = {m for m in modules if m.startswith("apprenticeship.")}
    assert sorted(inside - declared) == []


PKG = Path(__file__).resolve().parents[1] / "src" / "evitrack"
SCREEN = 50  # lines of a function's body, after its docstring

# "module.qualname": why this function may be longer than a screen.
LONG_ALLOWED: dict[str, str] = {}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _functions(tree: ast.AST, prefix: str) -> Iterator[tuple[str, ast.FunctionDef]]:
    """Every function in `tree`, methods and nested functions included, with its qualname."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}{node.name}"
            yield name, node  # type: ignore[misc]
            yield from _functions(node, f"{name}.<locals>.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def _length(node: ast.FunctionDef) -> int:
    """Lines of the body after the docstring."""
    body = node.body
    first = body[0]
    if (
        len(body) > 1
        and isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        first = body[1]
    assert node.end_lineno is not None
    return node.end_lineno - first.lineno + 1


@functools.cache
def long_functions() -> dict[str, str]:
    """`module.qualname` of every function over a screen, with `path:line name (N lines)`."""
    found = {}
    for path in sorted(PKG.rglob("*.py")):
        module = _module(path)
        for qualname, node in _functions(_tree(path, path.read_text(encoding="utf-8")), ""):
            lines = _length(node)
            if lines > SCREEN:
                where = f"{path.relative_to(PKG.parents[1])}:{node.lineno}"
                found[f"{module}.{qualname}"] = f"{where} {qualname} ({lines} lines)"
    return found


def test_no_function_longer_than_a_screen() -> None:
    long = long_functions()
    over = [shown for name, shown in long.items() if name not in LONG_ALLOWED]
    assert not over, "split these into named helpers:\n" + "\n".join(over)


def test_the_allow_list_names_only_long_functions_with_a_reason() -> None:
    long = long_functions()
    stale = [name for name in LONG_ALLOWED if name not in long]
    assert not stale, "no longer over a screen; take them off LONG_ALLOWED: " + ", ".join(stale)
    assert all(reason.strip() for reason in LONG_ALLOWED.values())


def test_the_measure_counts_the_body_after_the_docstring() -> None:
    source = 'def f():\n    """Doc.\n\n    More."""\n' + "    x = 1\n" * SCREEN
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.FunctionDef)
    assert _length(node) == SCREEN
    (node,) = ast.parse(source + "    x = 2\n").body
    assert isinstance(node, ast.FunctionDef)
    assert _length(node) == SCREEN + 1
