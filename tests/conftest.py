"""Shared fixtures: a fresh SQLite file per test and one embedded engine per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveycoder_core.engines.embedded import EmbeddedEngine


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "surveycoder-test.db"


@pytest.fixture(scope="session")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine()
