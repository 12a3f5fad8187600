"""Fixtures for the app's tests: temp databases, empty or with the sample survey coded (helpers.py drives AppTest)."""

from __future__ import annotations

import sqlite3

import pytest

from surveycoder_core import service
from surveycoder_core.io import sample
from surveycoder_core.jobs import queue as jobs


def copy_db(src: str, dst: str) -> None:
    """A consistent copy of a WAL database (the backup API folds the WAL in)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def import_sample(db_path: str, n: int | None = None) -> dict:
    req = sample.sample_request()
    responses = req.responses[:n] if n else req.responses
    return service.import_question(db_path=db_path, responses=responses, project_name=req.project_name,
                                   question_text=req.question_text or "")


@pytest.fixture(scope="session")
def coded_template(tmp_path_factory) -> tuple[str, dict]:
    path = str(tmp_path_factory.mktemp("tpl") / "coded.db")
    out = import_sample(path)
    service.code_question(out["question_id"], db_path=path)
    return path, out


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "app.db")
    monkeypatch.setenv("SURVEYCODER_DB", path)
    for var in ("SURVEYCODER_ENGINE", "SURVEYCODER_LLM_BASE_URL", "SURVEYCODER_LLM_MODEL", "SURVEYCODER_LLM_API_KEY"):
        monkeypatch.setenv(var, "")  # recorded, so whatever the Settings page sets is undone after the test
        monkeypatch.delenv(var)
    yield path
    for key, worker in list(jobs._workers.items()):
        if key.startswith(str(tmp_path)):
            worker.stop()


@pytest.fixture
def coded_db(coded_template, db_path) -> tuple[str, dict]:
    """A copy of the sample survey, coded (150 responses, attributes, suggestions), as SURVEYCODER_DB."""
    copy_db(coded_template[0], db_path)
    return db_path, coded_template[1]
