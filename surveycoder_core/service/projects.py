"""Projects and questions as an integration sees them, the bundled sample, where the database is, and
the worker thread that runs queued jobs.

Each function opens its own connection and closes it; a write is one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surveycoder_core.db import projects, store
from surveycoder_core.db.store import session, snapshot
from surveycoder_core.errors import NotFoundError
from surveycoder_core.io import sample
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.schemas import CodeRequest


def default_db_path() -> str:
    """The database this process works on (``SURVEYCODER_DB`` or the default file)."""
    return store.default_db_path()


def ensure_worker(db_path: str | Path | None = None) -> Any:
    """Make sure one in-process worker thread runs this database's queued jobs (from the app or the API);
    the worker (``is_alive()``, ``stop()``) is returned for the API's health check."""
    return jobs.ensure_worker(db_path)


def question_state(project_id: str, question_id: str, *, org_id: str,
                   db_path: str | Path | None = None) -> dict[str, Any]:
    """A question's state (``GET /v1/projects/{id}/questions/{qid}``): whether it has a codebook, how much
    is coded. NotFoundError unless the question is in the project and the project is the organisation's
    (other organisations' projects do not exist)."""
    with session(db_path) as db, snapshot(db):
        project = projects.get_project(db, project_id)
        if project["org_id"] != org_id:
            raise NotFoundError(f"Project not found: {project_id}")
        q = projects.get_question(db, question_id, project_id=project_id)
        summary = projects.question_summary(db, question_id)
    return {"id": q["id"], "project_id": project_id, "text": q["text"], "status": q["status"],
            "coding_type": q["coding_type"], "language": q["language"], "has_codebook": summary["code_count"] > 0,
            "code_count": summary["code_count"], "response_count": summary["response_count"],
            "coded_count": summary["coded"], "uncoded_count": summary["uncoded"], "pending_count": summary["pending"],
            "no_data_count": summary["no_data"], "credits_used": int(q["credits_used"] or 0)}


def sample_request() -> CodeRequest:
    """The bundled sample survey as a ``POST /v2/code`` body (``surveycoder sample``)."""
    return sample.sample_request()


__all__ = ["default_db_path", "ensure_worker", "question_state", "sample_request"]
