"""The app's pages go through the service layer only: no database module, no engine, no SQL in pages/.

Every file in pages/ is parsed with ``ast``: each import of ``surveycoder_core`` must be the service
package (or one of its submodules), the contract models or the errors; the other imports are the
pages' own helpers and the UI libraries; and no string holds an SQL statement.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parents[1] / "pages"
ALLOWED_CORE = ("surveycoder_core.service", "surveycoder_core.schemas", "surveycoder_core.errors")
ALLOWED_OTHER = ("streamlit", "pandas", "plotly", "pages", "__future__", "typing", "collections", "pathlib", "re",
                 "html")
# SQL as this code base writes it (keywords in capitals), and statements in any case that read as SQL
# (not English such as "Select the answers to move from the list").
SQL_CAPITALS = re.compile(r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\b[\s\S]*\bSET|DELETE\s+FROM)\b")
COLUMNS = r"(\*|[\w.]+(\s+as\s+\w+)?(\s*,\s*[\w.*]+(\s+as\s+\w+)?)*)"
SQL_ANY_CASE = re.compile(rf"\b(select\s+(distinct\s+)?{COLUMNS}\s+from\s+\w+"
                          r"|insert\s+(or\s+\w+\s+)?into\s+\w+|update\s+\w+\s+set\s+\w+\s*=|delete\s+from\s+\w+)",
                          re.IGNORECASE)


def holds_sql(text: str) -> bool:
    return bool(SQL_CAPITALS.search(text) or SQL_ANY_CASE.search(text))


def page_files() -> list[Path]:
    return sorted(PAGES.glob("*.py"))


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted module) for every import, ``from a import b`` counted as ``a.b`` (b may be a module)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                out.append((node.lineno, "pages"))  # a relative import stays inside pages/
                continue
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def violations(source: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for line, name in imported(tree):
        if name == "surveycoder_core.service" or name.startswith("surveycoder_core."):
            if not under(name, ALLOWED_CORE):
                found.append(f"line {line}: imports {name}")
        elif name == "surveycoder_core":
            found.append(f"line {line}: imports surveycoder_core itself (use surveycoder_core.service)")
        elif not under(name, ALLOWED_OTHER):
            found.append(f"line {line}: imports {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and holds_sql(node.value):
            found.append(f"line {node.lineno}: SQL in a string: {node.value[:60]!r}")
    return found


def test_there_are_pages_to_check():
    names = {p.name for p in page_files()}
    assert {"_ui.py", "_coded_wave.py", "1_Projects.py", "5_Review.py", "9_Settings.py"} <= names


@pytest.mark.parametrize("page", page_files(), ids=lambda p: p.name)
def test_page_imports_only_the_service_and_holds_no_sql(page):
    assert violations(page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "from surveycoder_core.db import store",
    "from surveycoder_core.db.store import session",
    "import surveycoder_core.jobs.queue",
    "from surveycoder_core.engines import get_engine",
    "from surveycoder_core import analytics",
    "import threading",
    "x = 'SELECT id FROM codes'",
    "x = 'delete from responses'",
    "x = 'select r.id, r.text from responses r'",
    "x = ('SELECT COUNT(*) AS n '\n     'FROM jobs')",
    "x = f'UPDATE codes SET name = {1}'",
    "x = 'INSERT INTO events (id) VALUES (1)'",
])
def test_the_check_catches_what_it_forbids(source):
    assert violations(source)


@pytest.mark.parametrize("source", [
    "from surveycoder_core import service",
    "from surveycoder_core.service import dashboard as analytics",
    "from surveycoder_core.schemas import SENTIMENTS",
    "from surveycoder_core.errors import SurveyCoderError",
    "import streamlit as st",
    "from pages import _ui",
    "x = 'Select the responses to move from the list'",
])
def test_the_check_allows_what_pages_may_use(source):
    assert violations(source) == []
