"""The house rules of surveycoder_core, checked on the source itself: small modules, small rooms, no cycles.

Import-linter (run by .ci/run) checks the layers; these checks need nothing but the import graph.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "surveycoder_core"
MAX_MODULE_LINES = 500
MAX_MODULES_PER_FOLDER = 15


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_is_over_500_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_folder_holds_over_15_modules() -> None:
    per_folder = Counter(p.parent.relative_to(PACKAGE) for p in _modules() if p.name != "__init__.py")
    crowded = {str(folder): n for folder, n in per_folder.items() if n > MAX_MODULES_PER_FOLDER}
    assert not crowded, f"folders over {MAX_MODULES_PER_FOLDER} modules: {crowded}"


def test_every_folder_is_a_package() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in [PACKAGE, *PACKAGE.rglob("*")]
               if p.is_dir() and p.name != "__pycache__" and not (p / "__init__.py").exists()]
    assert not missing, f"folders without __init__.py: {missing}"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), over every import in the source,
    those inside functions included."""
    adjacency = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in adjacency[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(adjacency):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_counting_lazy_imports() -> None:
    graph = grimp.build_graph("surveycoder_core", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: a package whose two modules import each other (one lazily) is caught."""
    pkg = tmp_path / "cyclic_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic_demo import b\n")
    (pkg / "b.py").write_text("def f():\n    from cyclic_demo import a\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclic_demo", cache_dir=None)
    assert _cycles(graph) == [["cyclic_demo.a", "cyclic_demo.b"]]


def test_front_door_names_resolve() -> None:
    import surveycoder_core

    assert surveycoder_core.__version__
    for name in surveycoder_core.__all__:
        assert getattr(surveycoder_core, name) is not None, name
    from surveycoder_core import service

    assert surveycoder_core.code_request is service.code_request
    with pytest.raises(AttributeError):
        _ = surveycoder_core.no_such_name


def test_the_service_front_door_lists_every_use_case() -> None:
    """Every public function of a service submodule is reachable as surveycoder_core.service.<name>, and
    from the package root: a new use case cannot be forgotten at the door."""
    import ast

    import surveycoder_core
    from surveycoder_core import service

    for path in sorted((PACKAGE / "service").glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                assert node.name in service.__all__, f"service.{path.stem}.{node.name} is not in service.__all__"
                assert getattr(service, node.name) is getattr(surveycoder_core, node.name)
