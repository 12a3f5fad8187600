"""Use cases of the review loop for integrations: the API's /v2/review/* routes and ``surveycoder review``.

They speak the caller's language: a response is named by its respondent id (the ``id`` given to
POST /v2/code or the id column of an uploaded table) and a code by its name (or id). Underneath they
are the app's own review functions (``reviews``): the same queue, the same decisions with optimistic
concurrency, the same agreement figures, the same "recode the rest". Two differences for callers
that cannot reload a screen: a decision made on a stale ``version`` is refused with ``INVALID_STATE``
(409) naming who decided the response and when, and sending a response's codes as they are is an
accept.

Every function opens its own connection; ``org_id`` (the API caller's organisation) makes another
organisation's project not found, ``None`` (the CLI, the app) sees every project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from surveycoder_core.db import projects
from surveycoder_core.db.codebooks import code_rows, has_codebook
from surveycoder_core.db.store import one, session
from surveycoder_core.engine_api import Engine
from surveycoder_core.errors import ConflictError, InvalidStateError, NotFoundError, ValidationError
from surveycoder_core.human_review import queue as reviews
from surveycoder_core.schemas import ASYNC_THRESHOLD, normalise_sentiment
from surveycoder_core.schemas import ReviewQueue as Queue

Progress = Any  # Callable[[str, int, int], None], as in service


def check_question(db: sqlite_utils.Database, project_id: str, question_id: str,
                   org_id: str | None = None) -> dict[str, Any]:
    """The question, once it is known to belong to the project (and the project to the caller)."""
    projects.get_project(db, project_id, org_id=org_id)
    return projects.get_question(db, question_id, project_id=project_id)


def _response_row(db: sqlite_utils.Database, question_id: str, response_id: str) -> dict[str, Any]:
    row = one(db, "SELECT * FROM responses WHERE question_id = ? AND respondent_id = ?", (question_id, response_id))
    if row is None:
        raise NotFoundError(f"Response not found in this question: {response_id}")
    return row


def _item(entry: dict[str, Any]) -> dict[str, Any]:
    """One queue entry in the API's shape (codes by name; a human's code has no confidence)."""
    reviewed = bool(entry["reviewed"])
    return {
        "response_id": entry["respondent_id"], "text": entry["text"], "status": entry["status"],
        "codes": [{"name": a["name"], "code_id": a["code_id"], "sentiment": a["sentiment"],
                   "confidence": a["confidence"], "source": a["source"]} for a in entry["assignments"]],
        # Needs a human now: flagged (a reason) and not decided yet.
        "needs_review": not reviewed and entry["review_reason"] is not None,
        "review_reason": entry["review_reason"], "review_note": entry["review_note"],
        "reviewed": reviewed, "reviewed_by": entry["reviewed_by"], "reviewed_at": entry["reviewed_at"],
        "version": int(entry["version"]),
    }


def review_queue(
    project_id: str, question_id: str, *, queue: Queue = "flagged", limit: int = 50, offset: int = 0,
    include_reviewed: bool = False, org_id: str | None = None, db_path: str | Path | None = None,
) -> dict[str, Any]:
    """A page of the review queue, with how much of that queue is reviewed.

    ``flagged``: the responses the engine flagged (low confidence, no code fits, truncated…) not yet
    decided; ``audit``: the question's random audit sample (the same for every reviewer) not yet
    decided; ``all``: every codable response. ``include_reviewed`` keeps decided ones in the first
    two. ``total`` counts the whole queue, decided ones included, and ``reviewed`` the decided ones.
    """
    if limit < 1 or offset < 0:
        raise ValidationError("limit must be at least 1 and offset at least 0")
    with session(db_path) as db:
        check_question(db, project_id, question_id, org_id)
        entries = reviews.review_queue(db, question_id, include_reviewed=include_reviewed or queue == "all",
                                       audit=queue == "audit", every=queue == "all")
        progress = reviews.review_progress(db, question_id)
        if queue == "audit":
            sample = reviews.audit_sample(db, question_id)
            done = one(db, "SELECT COUNT(*) AS n FROM responses WHERE reviewed = 1 AND id IN (%s)"
                       % (",".join("?" * len(sample)) or "NULL"), sample) or {"n": 0}
            total, reviewed = len(sample), int(done["n"])
        elif queue == "all":
            total, reviewed = progress["total"], progress["reviewed"]
        else:
            total, reviewed = progress["flagged"], progress["reviewed_flagged"]
    page = [_item(e) for e in entries[offset : offset + limit]]
    return {"project_id": project_id, "question_id": question_id, "queue": queue, "items": page,
            "count": len(page), "matching": len(entries), "offset": offset, "reviewed": reviewed, "total": total}


def _resolve_codes(db: sqlite_utils.Database, question_id: str, row_id: int,
                   codes: list[dict[str, Any]]) -> list[dict[str, str]]:
    """``[{name | code_id, sentiment?}]`` → ``[{code_id, sentiment}]``, naming any code not in the codebook.

    A code sent without a sentiment keeps the one it has on the response, else the code's expected one.
    """
    book = code_rows(db, question_id)
    by_id = {c["id"]: c for c in book}
    by_name = {c["name"].casefold(): c for c in book}
    current = {r["code_id"]: r["sentiment"] for r in db.conn.execute(
        "SELECT code_id, sentiment FROM assignments WHERE response_id = ?", (row_id,))}
    unknown, out = [], []
    for given in codes:
        code = by_id.get(str(given.get("code_id") or "")) or by_name.get(" ".join(str(given.get("name") or "").split())
                                                                       .casefold())
        if code is None:
            unknown.append(str(given.get("name") or given.get("code_id") or ""))
            continue
        try:
            sentiment = (normalise_sentiment(given["sentiment"]) if given.get("sentiment")
                         else current.get(code["id"]) or code["sentiment"])
        except ValueError as exc:
            raise ValidationError(f"codes: {exc}") from exc
        out.append({"code_id": code["id"], "sentiment": sentiment})
    if unknown:
        raise ValidationError("codes not in this question's codebook: " + ", ".join(repr(u) for u in unknown)
                              + "; the codebook has " + ", ".join(repr(c["name"]) for c in book[:20])
                              + (" …" if len(book) > 20 else ""))
    return out


def decide_response(
    project_id: str, question_id: str, response_id: str, *, codes: list[dict[str, Any]] | None, reviewer: str,
    version: int, org_id: str | None = None, db_path: str | Path | None = None,
) -> dict[str, Any]:
    """A reviewer's final codes for one response (``codes=None`` or the codes as they are: accept).

    ``version`` is the one the reviewer saw (from the queue); if the response changed since, nothing is
    written and ``INVALID_STATE`` says who changed it and when.
    """
    reviewer = " ".join((reviewer or "").split())
    if not reviewer:
        raise ValidationError("reviewer: name the person deciding (it is recorded with the decision)")
    with session(db_path) as db:
        check_question(db, project_id, question_id, org_id)
        row = _response_row(db, question_id, response_id)
        if row["status"] == "no_data":
            raise InvalidStateError(f"response {response_id} is empty or junk (no_data); there is nothing to review")
        current = [{"code_id": r["code_id"], "sentiment": r["sentiment"]} for r in db.conn.execute(
            "SELECT code_id, sentiment FROM assignments WHERE response_id = ? ORDER BY mention, id", (row["id"],))]
        chosen = current if codes is None else _resolve_codes(db, question_id, row["id"], codes)
        try:
            if chosen == current:
                out = reviews.accept_review(db, question_id, row["id"], actor=reviewer, expected_version=version)
            else:
                out = reviews.decide_review(db, question_id, row["id"], codes=chosen, actor=reviewer,
                                            expected_version=version)
        except ConflictError as err:
            if err.code != "STALE_EDIT":
                raise
            raise InvalidStateError(err.message, response_id=response_id, version=err.details.get("version")) from err
        names = {c["id"]: c["name"] for c in code_rows(db, question_id)}
    return {"project_id": project_id, "question_id": question_id, "response_id": response_id,
            "decision": "accepted" if chosen == current else "corrected", "status": out["status"],
            "codes": [{"name": names.get(c["code_id"], c["code_id"]), "code_id": c["code_id"],
                       "sentiment": c["sentiment"]} for c in out["codes"]],
            "reviewed": True, "reviewed_by": out["reviewed_by"], "reviewed_at": out["reviewed_at"],
            "version": out["version"]}


def review_agreement(
    project_id: str, question_id: str, *, audit: bool = False, org_id: str | None = None,
    db_path: str | Path | None = None,
) -> dict[str, Any]:
    """The engine's original codes against the reviewers' final ones, on every reviewed response
    (or on the reviewed part of the audit sample): micro-F1, Cohen's kappa, Krippendorff's alpha."""
    with session(db_path) as db:
        check_question(db, project_id, question_id, org_id)
        found = reviews.audit_agreement(db, question_id) if audit else reviews.agreement(db, question_id)
    out = {"project_id": project_id, "question_id": question_id, "scope": "audit" if audit else "reviewed",
           "reviewed": found["n"]}
    for key in ("micro_f1", "kappa", "alpha", "mean_f1", "ci_low", "ci_high", "exact_match", "sufficient",
                "message", "benchmark_f1"):
        out[key] = found.get(key)
    if audit:
        out["sample_size"] = found["sample_size"]
    return out


def recode_question(
    project_id: str, question_id: str, *, org_id: str | None = None, db_path: str | Path | None = None,
    actor: str = "api", as_job: bool | None = None, engine: Engine | None = None, progress: Progress = None,
) -> dict[str, Any]:
    """Recode every unreviewed response, learning from the decisions; a decided response is never touched.

    Under 50 unreviewed responses it runs inline (``as_job`` None), else it is a job to poll.
    """
    from surveycoder_core.service.coding import recode_unreviewed

    with session(db_path) as db:
        check_question(db, project_id, question_id, org_id)
        if not has_codebook(db, question_id):
            raise InvalidStateError("this question has no codebook yet; code it first")
        kept = (one(db, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND reviewed = 1",
                    (question_id,)) or {"n": 0})["n"]
    out = recode_unreviewed(question_id, db_path=db_path, engine=engine, progress=progress, actor=actor,
                            as_job=as_job)
    return {"project_id": project_id, "question_id": question_id, "mode": "job" if out["job_id"] else "inline",
            "job_id": out["job_id"], "status": "queued" if out["job_id"] else "completed",
            "responses": out["responses"], "reviewed_kept": int(kept), "threshold": ASYNC_THRESHOLD}


# ---------------------------------------------------------------- the app's Review page
# The page names a response by its row id and version (what it has on screen) and a code by its id.

AUDIT_SIZE = reviews.AUDIT_SIZE


def review_screen(question_id: str, *, audit: bool = False, db_path: str | Path | None = None) -> dict[str, Any]:
    """The Review page's figures: the codebook (id -> code), progress, agreement (on the audit
    sample with ``audit``) and the engine's estimated agreement (or None)."""
    with session(db_path) as db:
        codes = {c["id"]: c for c in code_rows(db, question_id)}
        progress = reviews.review_progress(db, question_id)
        agree = reviews.audit_agreement(db, question_id) if audit else reviews.agreement(db, question_id)
        estimate = reviews.estimated_agreement(db, question_id)
    return {"codes": codes, "progress": progress, "agreement": agree, "estimate": estimate}


def review_items(
    question_id: str, *, reasons: list[str] | None = None, code_id: str | None = None,
    include_reviewed: bool = False, audit: bool = False, teach: bool = False, db_path: str | Path | None = None,
) -> list[dict[str, Any]]:
    """The queue the reviewer works through: flagged (filtered by reason and code), the audit sample,
    or (``teach``) the answers that teach the engine most, embedded with the offline engine."""
    with session(db_path) as db:
        if teach:
            from surveycoder_core.service.coding import embedder

            return reviews.teach_queue(db, question_id, embed=embedder(db_path))
        return reviews.review_queue(db, question_id, reasons=reasons or None, code_id=code_id,
                                    include_reviewed=include_reviewed, audit=audit)


def save_review(
    question_id: str, response_row_id: int, *, version: int, actor: str, codes: list[dict[str, Any]] | None = None,
    blind: bool = False, db_path: str | Path | None = None,
) -> dict[str, Any]:
    """A reviewer's decision on the response as it was shown (row id + ``version``): ``codes=None``
    accepts the engine's codes, else ``[{code_id, sentiment}]`` become the final ones. A stale
    version raises ``ConflictError`` (``STALE_EDIT``) naming who changed it; nothing is written."""
    with session(db_path) as db:
        if codes is None:
            return reviews.accept_review(db, question_id, response_row_id, actor=actor, expected_version=version)
        return reviews.decide_review(db, question_id, response_row_id, codes=codes, actor=actor,
                                     expected_version=version, blind=blind)
