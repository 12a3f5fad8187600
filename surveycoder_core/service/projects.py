"""Projects and questions as the app and integrations see them: the question picker, the Projects page,
rename, delete, the bundled sample, a question's state, where the database is, and the worker thread
that runs queued jobs.

Each function opens its own connection and closes it; a write is one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surveycoder_core.db import projects, store
from surveycoder_core.db.store import one, rows, session, snapshot
from surveycoder_core.io import sample
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.schemas import CodeRequest


def default_db_path() -> str:
    """The database this process works on (``SURVEYCODER_DB`` or the default file)."""
    return store.default_db_path()


def db_location(path: str | Path | None = None) -> str:
    """The database's absolute location, as shown to the user."""
    return str(Path(path or default_db_path()).expanduser().resolve())


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
        projects.get_project(db, project_id, org_id=org_id)
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


def create_project(*, name: str, org_id: str, actor: str, language: str = "en", coding_type: str = "qualitative",
                   objective: str | None = None, source: str = "api",
                   db_path: str | Path | None = None) -> dict[str, Any]:
    """An empty project of the organisation (``POST /v2/projects``): the stored row, with no questions."""
    with session(db_path) as db:
        project_id = projects.create_project(db, name=name, language=language, coding_type=coding_type,
                                             objective=objective, source=source, org_id=org_id, actor=actor)
        return {**projects.get_project(db, project_id), "questions": []}


def organisation_projects(*, org_id: str, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """The organisation's projects, newest first, each with its questions and their sizes (the rows as stored)."""
    with session(db_path) as db, snapshot(db):
        return projects.list_projects(db, org_id)


def organisation_project(project_id: str, *, org_id: str, db_path: str | Path | None = None) -> dict[str, Any]:
    """One of the organisation's projects with its questions; NotFoundError for another's or an unknown one."""
    with session(db_path) as db, snapshot(db):
        project = projects.get_project(db, project_id, org_id=org_id)
        return {**project, "questions": projects.list_questions(db, project_id)}


def question_choices(*, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every question with its project's name, newest project first (for the question picker)."""
    with session(db_path) as db:
        found = rows(db, "SELECT q.id, q.project_id, p.name AS project, q.text, q.status,"
                         " (SELECT COUNT(*) FROM codes c WHERE c.question_id = q.id) AS codes"
                         " FROM questions q JOIN projects p ON p.id = q.project_id"
                         " ORDER BY p.created_at DESC, p.id, q.created_at, q.id")
    return [{"question_id": q["id"], "project_id": q["project_id"], "project": q["project"],
             "question": " ".join((q["text"] or "").split()) or "(no question text)", "status": q["status"],
             "codes": int(q["codes"])} for q in found]


def project_choices(*, db_path: str | Path | None = None) -> dict[str, str]:
    """Every project, newest first, id -> name (empty ones too: a project made through the API
    has no question until answers are added)."""
    with session(db_path) as db:
        return {p["id"]: p["name"] for p in rows(db, "SELECT id, name FROM projects ORDER BY created_at DESC, id")}


def projects_overview(*, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every project, newest first, with its questions' sizes, review progress and whether a job
    is coding them now (the Projects page)."""
    with session(db_path) as db:
        found = projects.list_projects(db)
        running = {r["question_id"] for r in rows(db, "SELECT DISTINCT question_id FROM jobs"
                                                      " WHERE status IN ('queued', 'processing')")}
    for p in found:
        for q in p["questions"]:
            q["running"] = q["id"] in running
    return found


def question_heading(question_id: str, *, db_path: str | Path | None = None) -> dict[str, str] | None:
    """The open question's project name and text (None when it does not exist)."""
    with session(db_path) as db:
        q = one(db, "SELECT p.name AS project, q.text FROM questions q JOIN projects p ON p.id = q.project_id"
                    " WHERE q.id = ?", (question_id,))
    if q is None:
        return None
    return {"project": q["project"], "question": " ".join((q["text"] or "").split()) or "(no question text)"}


def rename_project(project_id: str, name: str, *, actor: str, db_path: str | Path | None = None) -> None:
    with session(db_path) as db:
        projects.rename_project(db, project_id, name, actor=actor)


def delete_project(project_id: str, *, actor: str, db_path: str | Path | None = None) -> None:
    """Delete a project with all its questions, codes and reviews (not undoable)."""
    with session(db_path) as db:
        projects.delete_project(db, project_id, actor=actor)


def import_sample(*, actor: str, db_path: str | Path | None = None) -> dict[str, Any]:
    """Store the bundled sample survey as a new project (not coded yet); as :func:`import_question`."""
    from surveycoder_core.service.coding import import_question

    req = sample_request()
    return import_question(db_path=db_path, responses=req.responses,
                           project_name=req.project_name or sample.PROJECT_NAME,
                           question_text=req.question_text or "", coding_type=req.coding_type,
                           language=req.language, actor=actor)


__all__ = ["create_project", "db_location", "default_db_path", "delete_project", "ensure_worker", "import_sample",
           "organisation_project", "organisation_projects", "project_choices", "projects_overview",
           "question_choices", "question_heading", "question_state", "rename_project", "sample_request"]
