"""Coding a stored question from the app: what is waiting, inline or as a job, the job's progress, cancel.

The service decides how a run goes: under ``schemas.ASYNC_THRESHOLD`` distinct pending responses it
codes inline, from there on it queues a job for the worker (:func:`projects.ensure_worker`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from surveycoder_core.db import projects
from surveycoder_core.db.store import one, session
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.schemas import ASYNC_THRESHOLD
from surveycoder_core.service.coding import Progress, code_question, start_question_job


def _pending(db: Any, question_id: str) -> int:
    """Distinct responses still waiting to be coded (what a run will code and charge)."""
    r = one(db, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND status = 'pending'"
            " AND dedup_of IS NULL", (question_id,))
    return int(r["n"] if r else 0)


def run_status(question_id: str, *, db_path: str | Path | None = None) -> dict[str, Any]:
    """The Run page's read model: the question, its sizes, the running job (if any), the last job,
    how many distinct responses wait and whether coding them runs as a background job."""
    with session(db_path) as db:
        question = projects.get_question(db, question_id)
        summary = projects.question_summary(db, question_id)
        running = jobs.running_job_for(db, question_id)
        row = one(db, "SELECT id FROM jobs WHERE question_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                  (question_id,))
        last = jobs.get_job(db, row["id"], with_result=False) if row else None
        pending = _pending(db, question_id)
    return {"question": question, "summary": summary, "running_job_id": running["id"] if running else None,
            "last_job": last, "pending": pending, "as_job": pending >= ASYNC_THRESHOLD}


def start_coding(
    question_id: str, *, db_path: str | Path | None = None, progress: Progress | None = None, actor: str = "app",
) -> dict[str, Any]:
    """Code the question's pending responses: inline under the threshold (``progress`` follows it),
    else as a queued job. Returns ``{"job_id": id or None, "responses": n}``."""
    with session(db_path) as db:
        projects.get_question(db, question_id)
        n = _pending(db, question_id)
    if n >= ASYNC_THRESHOLD:
        return {"job_id": start_question_job(question_id, db_path=db_path, actor=actor), "responses": n}
    code_question(question_id, db_path=db_path, progress=progress, actor=actor)
    return {"job_id": None, "responses": n}
