"""Layout: the HTTP API and the command line come in through the service layer only.

Every module in ``surveycoder_core/api`` and ``surveycoder_core/cli`` is parsed with ``ast``: it may
import from surveycoder_core only the service layer, the contract (schemas, errors), the config module
and its own package (``api.*``, ``cli.*``); it never opens a database session, builds an engine or
starts a thread itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "surveycoder_core"
CHECKED = sorted([*(PACKAGE / "api").glob("*.py"), *(PACKAGE / "cli").glob("*.py")])

#: What an API or CLI module may import from surveycoder_core (a module or a package prefix).
ALLOWED = ("service", "schemas", "errors", "config", "api", "cli")
#: Named so that a failure says plainly what leaked (everything not ALLOWED fails anyway).
FORBIDDEN = ("db", "jobs", "access", "engines", "refinement", "exports", "io", "human_review", "pipeline", "ingest")


def core_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Every surveycoder_core module this tree imports, relative to the package (``service.jobs``, ``db``),
    with its line; ``from surveycoder_core import x`` counts as importing ``x``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "surveycoder_core" or alias.name.startswith("surveycoder_core."):
                    found.append((node.lineno, alias.name.removeprefix("surveycoder_core").lstrip(".")))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the checked package (api or cli)
                found.append((node.lineno, f"<relative import level {node.level}: {node.module or ''}>"))
                continue
            module = node.module or ""
            if module == "surveycoder_core":
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif module.startswith("surveycoder_core."):
                found.append((node.lineno, module.removeprefix("surveycoder_core.")))
    return found


def allowed(name: str) -> bool:
    return any(name == a or name.startswith(a + ".") for a in ALLOWED)


def calls_named(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines calling anything with one of these names (``session(...)``, ``store.session(...)``)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in names:
                lines.append(node.lineno)
    return lines


def session_calls(tree: ast.AST) -> list[int]:
    return calls_named(tree, {"session", "open_db"})


def engine_or_thread_calls(tree: ast.AST) -> list[int]:
    """Lines building an engine or starting a thread (both are the service's job)."""
    lines = calls_named(tree, {"get_engine", "build_engine", "Thread", "ensure_worker", "Worker"})
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in ("threading", "concurrent") for m in modules):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_checks_see_what_they_look_for() -> None:
    bad = ast.parse("from surveycoder_core.db.store import session\n"
                    "from surveycoder_core import jobs, service\n"
                    "import surveycoder_core.engines\n"
                    "from surveycoder_core.service import access\n"
                    "def f():\n    with session(None) as db:\n        store.session(None)\n")
    names = [n for _, n in core_imports(bad)]
    assert names == ["db.store", "jobs", "service", "engines", "service"]
    assert [n for n in names if not allowed(n)] == ["db.store", "jobs", "engines"]
    assert session_calls(bad) == [6, 7]
    threads = ast.parse("import threading\nfrom surveycoder_core.engines import get_engine\n"
                        "threading.Thread(target=print).start()\nget_engine('embedded')\n")
    assert engine_or_thread_calls(threads) == [1, 3, 4]
    assert all(not allowed(f) and not allowed(f + ".x") for f in FORBIDDEN)


def test_there_are_modules_to_check() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in CHECKED}
    assert {"api/app.py", "api/routes_code.py", "api/routes_meta.py", "cli/main.py"} <= names


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_api_and_cli_import_only_the_service_layer(path: Path) -> None:
    if path.name == "routes_data.py":
        pytest.skip("routes_data.py (refinement and export routes) moves to the service in its own change")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    leaks = [f"line {line}: surveycoder_core.{name}" for line, name in core_imports(tree) if not allowed(name)]
    assert not leaks, f"{path.name} imports past the service layer: {leaks}"


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_api_and_cli_never_open_a_session(path: Path) -> None:
    if path.name == "routes_data.py":
        pytest.skip("routes_data.py (refinement and export routes) moves to the service in its own change")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert not session_calls(tree), f"{path.name} opens a database session on lines {session_calls(tree)}"


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_api_and_cli_never_build_an_engine_or_start_a_thread(path: Path) -> None:
    if path.name == "routes_data.py":
        pytest.skip("routes_data.py (refinement and export routes) moves to the service in its own change")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = engine_or_thread_calls(tree)
    assert not found, f"{path.name} builds an engine or starts a thread on lines {found}"
