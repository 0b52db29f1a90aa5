"""The package's layering (DESIGN.md): one-way imports, no circles, small modules, lazy heavy imports.

These read the source as text (``ast``), so a violation is found without running the code path
that would trigger it; an import inside a function counts like one at the top, since it ties
the two modules together just the same.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "trailtech"

#: Modules allowed above ~600 lines, with why (issue 13: "no module over about 600 lines").
MAX_MODULE_LINES = 650


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """trailtech modules that ``name`` imports anywhere in its source."""
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                root = base[: len(base) - (node.level - 1)]
                mod = ".".join(root + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # "from pkg import sub" imports the submodule when there is one, else pkg itself
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {name: _imports(name, path, known) for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    "lower, upper",
    [
        ("trailtech.analysis", ("trailtech.result", "trailtech.report", "trailtech.season", "trailtech.cli", "trailtech.web")),
        ("trailtech.processing", ("trailtech.analysis", "trailtech.result", "trailtech.report", "trailtech.season")),
        ("trailtech.prepare", ("trailtech.analysis", "trailtech.result", "trailtech.report", "trailtech.season")),
        ("trailtech.io", ("trailtech.processing", "trailtech.analysis", "trailtech.prepare", "trailtech.report", "trailtech.season")),
    ],
)
def test_imports_flow_one_way(lower, upper):
    graph = _graph()
    bad = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items()
        if m == lower or m.startswith(lower + ".")
        for t in targets
        if any(t == u or t.startswith(u + ".") for u in upper)
    )
    assert bad == []


def test_the_version_comes_from_version_module_not_the_package_init():
    bad = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and any(a.name == "__version__" for a in node.names):
                if node.module not in ("_version", "trailtech._version"):
                    bad.append(name)
    assert bad == []


def test_no_module_is_over_the_size_limit():
    sizes = {name: len(p.read_text().splitlines()) for name, p in _modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_MODULE_LINES} == {}


def test_import_trailtech_imports_no_scipy_and_no_matplotlib():
    code = "import sys, trailtech; print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'matplotlib'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_version_is_written_once():
    """pyproject.toml takes the version from trailtech/_version.py instead of repeating it."""
    import tomllib

    meta = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    assert "version" not in meta["project"]
    assert "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "trailtech._version.__version__"}
