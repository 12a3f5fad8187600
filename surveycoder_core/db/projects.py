"""Projects and their questions: create, list, open, rename, delete."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from surveycoder_core.db.store import get_row, new_uuid, now, one, record_event, rows, write
from surveycoder_core.errors import ValidationError


def create_project(
    db: sqlite_utils.Database,
    *,
    name: str,
    language: str = "en",
    coding_type: str = "qualitative",
    country: str | None = None,
    category: str | None = None,
    source: str = "app",
    org_id: str = "default",
    actor: str = "system",
    objective: str | None = None,
) -> str:
    project_id = new_uuid()
    stamp = now()
    with write(db):
        db.conn.execute(
            "INSERT INTO projects (id, name, language, coding_type, status, country, category, source, org_id,"
            " objective, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
            (project_id, name.strip() or "Untitled project", language, coding_type, country, category, source,
             org_id, (objective or "").strip() or None, stamp, stamp),
        )
        record_event(db, actor=actor, action="project.create", project_id=project_id, payload={"name": name})
    return project_id


def create_question(
    db: sqlite_utils.Database,
    *,
    project_id: str,
    text: str = "",
    coding_type: str = "qualitative",
    language: str = "en",
    coding_guidance: str | None = None,
    actor: str = "system",
) -> str:
    get_project(db, project_id)
    question_id = new_uuid()
    stamp = now()
    with write(db):
        db.conn.execute(
            "INSERT INTO questions (id, project_id, text, coding_type, language, status, coding_guidance,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            (question_id, project_id, text or "", coding_type, language, coding_guidance, stamp, stamp),
        )
        record_event(db, actor=actor, action="question.create", project_id=project_id, question_id=question_id,
                     payload={"text": text})
    return question_id


def get_project(db: sqlite_utils.Database, project_id: str, org_id: str | None = None) -> dict[str, Any]:
    """The project; with ``org_id``, only if it is that organisation's (other organisations' projects do
    not exist for the caller: NotFoundError either way)."""
    return get_row(db, "projects", project_id, what="Project", org_id=org_id)


def get_question(db: sqlite_utils.Database, question_id: str, project_id: str | None = None) -> dict[str, Any]:
    return get_row(db, "questions", question_id, what="Question", project_id=project_id)


def question_summary(db: sqlite_utils.Database, question_id: str) -> dict[str, Any]:
    """Sizes and review progress of one question, for lists and the API's project view."""
    counts = one(
        db,
        "SELECT COUNT(*) AS response_count,"
        " SUM(status = 'coded') AS coded, SUM(status = 'uncoded') AS uncoded,"
        " SUM(status = 'no_data') AS no_data, SUM(status = 'pending') AS pending,"
        " SUM(needs_review = 1 OR status = 'uncoded') AS flagged,"
        " SUM(reviewed = 1) AS reviewed"
        " FROM responses WHERE question_id = ?",
        (question_id,),
    ) or {}
    codes = one(db, "SELECT COUNT(*) AS n FROM codes WHERE question_id = ?", (question_id,)) or {"n": 0}
    return {k: int(v or 0) for k, v in counts.items()} | {"code_count": int(codes["n"])}


def list_questions(db: sqlite_utils.Database, project_id: str) -> list[dict[str, Any]]:
    questions = rows(db, "SELECT * FROM questions WHERE project_id = ? ORDER BY created_at, id", (project_id,))
    for q in questions:
        q.update(question_summary(db, q["id"]))
    return questions


def list_projects(db: sqlite_utils.Database, org_id: str | None = None) -> list[dict[str, Any]]:
    if org_id is None:
        projects = rows(db, "SELECT * FROM projects ORDER BY created_at DESC, id")
    else:
        projects = rows(db, "SELECT * FROM projects WHERE org_id = ? ORDER BY created_at DESC, id", (org_id,))
    for p in projects:
        p["questions"] = list_questions(db, p["id"])
    return projects


def rename_project(db: sqlite_utils.Database, project_id: str, name: str, actor: str = "system") -> None:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("a project name must not be empty")
    before = get_project(db, project_id)
    with write(db):
        db.conn.execute("UPDATE projects SET name = ?, updated_at = ? WHERE id = ?", (name, now(), project_id))
        record_event(db, actor=actor, action="project.rename", project_id=project_id,
                     payload={"from": before["name"], "to": name})


def delete_project(db: sqlite_utils.Database, project_id: str, actor: str = "system") -> None:
    project = get_project(db, project_id)
    with write(db):
        qids = [r["id"] for r in rows(db, "SELECT id FROM questions WHERE project_id = ?", (project_id,))]
        for qid in qids:
            # Codes reference categories without cascade; clear codes first.
            db.conn.execute("DELETE FROM suggestions WHERE question_id = ?", (qid,))
            db.conn.execute("DELETE FROM assignments WHERE response_id IN"
                            " (SELECT id FROM responses WHERE question_id = ?)", (qid,))
            db.conn.execute("DELETE FROM codes WHERE question_id = ?", (qid,))
            db.conn.execute("DELETE FROM categories WHERE question_id = ?", (qid,))
        db.conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))
        record_event(db, actor=actor, action="project.delete", project_id=project_id,
                     payload={"name": project["name"], "questions": qids})


def set_question_status(db: sqlite_utils.Database, question_id: str, status: str) -> None:
    """Move a question (and its project) along pending → codebook_ready → coding → coded."""
    with write(db):
        db.conn.execute("UPDATE questions SET status = ?, updated_at = ? WHERE id = ?", (status, now(), question_id))
        project_status = {"pending": "pending", "codebook_ready": "in_progress", "coding": "in_progress",
                          "coded": "completed"}[status]
        db.conn.execute(
            "UPDATE projects SET status = ?, updated_at = ? WHERE id = (SELECT project_id FROM questions WHERE id = ?)",
            (project_status, now(), question_id),
        )
