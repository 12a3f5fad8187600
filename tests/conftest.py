"""Shared fixtures: a fresh SQLite file per test and one embedded engine per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from surveycoder_core.engines.embedded.engine import EmbeddedEngine


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "surveycoder-test.db"


@pytest.fixture(scope="session")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine()


@pytest.fixture()
def coded(tmp_path: Path) -> Iterator[tuple[sqlite_utils.Database, dict[str, Any]]]:
    """A small coded question (tests/factories.py) in a fresh SQLite file."""
    from surveycoder_core.db.store import open_db

    from .factories import make_coded_question

    db = open_db(tmp_path / "t.db")
    yield db, make_coded_question(db)
    db.conn.close()
