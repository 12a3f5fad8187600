"""Small read helpers and labels shared by the app's pages (no Streamlit here).

Pages stay thin: anything that needs SQL or knows the tables lives here or in the
service modules, never in ``pages/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlite_utils

from surveycoder_core.db import projects
from surveycoder_core.db.codebooks import has_codebook, save_given_codebook
from surveycoder_core.db.store import default_db_path, one, rows, write
from surveycoder_core.jobs import queue as jobs
from surveycoder_core.refinement import edits
from surveycoder_core.schemas import ASYNC_THRESHOLD, CodebookIn, Job

STAGE_LABELS = {
    "queued": "Waiting for the worker",
    "codebook": "Building the codebook",
    "coding": "Coding responses",
    "review": "Flagging responses for review",
    "completed": "Done",
    "failed": "Stopped",
}
REASON_LABELS = {
    "competing_aspects": "Competing aspects",
    "low_confidence": "Low confidence",
    "no_code_fit": "No code fits",
    "mixed_sentiment": "Mixed sentiment",
    "too_long_truncated": "Too long (cut)",
    "possible_duplicate_conflict": "Duplicate conflict",
    "uncoded": "Uncoded",
}
STATUS_LABELS = {"pending": "Not coded yet", "codebook_ready": "Codebook ready", "coding": "Coding…",
                 "coded": "Coded"}
LAYOUT_LABELS = {
    "wide_by_question": "Wide — one row per respondent, codes listed per question",
    "columns_by_mention": "Columns by mention — 1st, 2nd, 3rd code in their own columns",
    "binary_dummy": "Binary dummies — one 0/1 column per code (SPSS style)",
    "one_row_per_code": "Long — one row per respondent × code",
}


def db_location(path: str | Path | None = None) -> str:
    return str(Path(path or default_db_path()).expanduser().resolve())


def question_choices(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every question with its project's name, newest project first (for the question picker)."""
    out = []
    for p in rows(db, "SELECT id, name FROM projects ORDER BY created_at DESC, id"):
        for q in rows(db, "SELECT id, text, status, (SELECT COUNT(*) FROM codes c WHERE c.question_id = questions.id)"
                      " AS codes FROM questions WHERE project_id = ? ORDER BY created_at, id",
                      (p["id"],)):
            text = " ".join((q["text"] or "").split()) or "(no question text)"
            out.append({"question_id": q["id"], "project_id": p["id"], "project": p["name"], "question": text,
                        "status": q["status"], "codes": int(q["codes"])})
    return out


def project_choices(db: sqlite_utils.Database) -> dict[str, str]:
    """Every project, newest first, id -> name (empty ones too: a project made through the API
    has no question until answers are added)."""
    return {p["id"]: p["name"] for p in rows(db, "SELECT id, name FROM projects ORDER BY created_at DESC, id")}


def question_exists(db: sqlite_utils.Database, question_id: str | None) -> bool:
    return bool(question_id) and one(db, "SELECT 1 AS x FROM questions WHERE id = ?", (question_id,)) is not None


def data_stamp(db: sqlite_utils.Database, question_id: str) -> tuple[Any, ...]:
    """Changes whenever the question's codes, assignments or reviews change (a cheap cache key)."""
    ev = one(db, "SELECT MAX(id) AS e FROM events WHERE question_id = ?", (question_id,)) or {}
    q = one(db, "SELECT codebook_version, updated_at, status FROM questions WHERE id = ?", (question_id,)) or {}
    r = one(db, "SELECT COUNT(*) AS n, SUM(version) AS v, SUM(status = 'coded') AS c, SUM(reviewed) AS rv"
            " FROM responses WHERE question_id = ?", (question_id,)) or {}
    return (ev.get("e"), q.get("codebook_version"), q.get("updated_at"), q.get("status"), r.get("n"), r.get("v"),
            r.get("c"), r.get("rv"))


def pending_count(db: sqlite_utils.Database, question_id: str) -> int:
    """Distinct responses still waiting to be coded (what a run will code and charge)."""
    r = one(db, "SELECT COUNT(*) AS n FROM responses WHERE question_id = ? AND status = 'pending'"
            " AND dedup_of IS NULL", (question_id,))
    return int(r["n"] if r else 0)


def runs_as_job(db: sqlite_utils.Database, question_id: str) -> bool:
    return pending_count(db, question_id) >= ASYNC_THRESHOLD


def latest_job(db: sqlite_utils.Database, question_id: str) -> Job | None:
    row = one(db, "SELECT id FROM jobs WHERE question_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
              (question_id,))
    return jobs.get_job(db, row["id"], with_result=False) if row else None


def import_codebook(db: sqlite_utils.Database, question_id: str, codebook: CodebookIn, actor: str) -> dict[str, int]:
    """Bring a codebook into a question: all of it when the question has none yet, otherwise only
    the codes whose names are new (each an undoable "add code"; existing codes are kept as they are)."""
    if not has_codebook(db, question_id):
        with write(db):
            save_given_codebook(db, question_id, codebook, actor)
        projects.set_question_status(db, question_id, "codebook_ready")
        return {"added": codebook.code_count(), "skipped": 0}
    existing = {r["name"].casefold() for r in rows(db, "SELECT name FROM codes WHERE question_id = ?",
                                                   (question_id,))}
    added = skipped = 0
    for cat in codebook.categories:
        for code in cat.codes:
            if code.name.casefold() in existing:
                skipped += 1
                continue
            edits.add_code(db, question_id, name=code.name, category=cat.name, definition=code.definition,
                           sentiment=code.sentiment, actor=actor)
            existing.add(code.name.casefold())
            added += 1
    return {"added": added, "skipped": skipped}


def responses_with_code(db: sqlite_utils.Database, question_id: str, code_id: str) -> list[dict[str, Any]]:
    """(row id, respondent id, text) of the responses holding a code — for splitting it."""
    return rows(db, "SELECT r.id, r.respondent_id, r.text FROM responses r JOIN assignments a ON a.response_id = r.id"
                " WHERE r.question_id = ? AND a.code_id = ? ORDER BY r.position", (question_id, code_id))


_MD_SPECIAL = set("\\`*_{}[]()#+-!|<>~$&=\"'^%/;,?")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])")
_MD_ENTITY = {":": "&#58;", ".": "&#46;", "@": "&#64;"}  # entities also stop URL/e-mail autolinking


def md(text: object) -> str:
    """Text made inert for Markdown: punctuation backslash-escaped (CommonMark allows escaping any ASCII
    punctuation) and ``: . @`` written as character references so that bare URLs, e-mails and Streamlit's
    ``:emoji:``/``:color[...]`` directives are not recognised; newlines kept as line breaks. Use it for
    names and values from uploads inside st.markdown/st.caption; verbatims themselves go to st.text."""
    # Streamlit links bare URLs and e-mails found in the *decoded* text: an invisible word joiner breaks them.
    text = _AUTOLINK.sub("\\1\u2060", str(text)).replace("@", "@\u2060")
    out = "".join(_MD_ENTITY.get(ch) or ("\\" + ch if ch in _MD_SPECIAL else ch) for ch in text)
    return out.replace("\n", "  \n")


def codebook_csv(codebook: CodebookIn) -> str:
    """The codebook as a CSV with category, code, definition, sentiment (imports.read_codebook reads it back)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["category", "code", "definition", "sentiment"])
    for cat in codebook.categories:
        for code in cat.codes:
            w.writerow([cat.name, code.name, code.definition or "", code.sentiment])
    return buf.getvalue()


ACTION_LABELS = {
    "code.rename": "Renamed a code", "code.update": "Edited a code", "code.add": "Added a code",
    "code.delete": "Deleted a code", "code.merge": "Merged codes", "code.split": "Split a code",
    "code.reorder": "Moved a code", "category.rename": "Renamed a category", "review.decide": "Reviewed a response",
    "review.accept": "Accepted a response", "suggestion.apply": "Applied a suggestion",
    "suggestion.dismiss": "Dismissed a suggestion", "suggestion.reopen": "Reopened a suggestion",
    "refinement.generate": "Generated suggestions", "undo": "Undid a change", "question.recode": "Recoded",
    "responses.import": "Imported responses", "question.create": "Created the question", "job.create": "Queued a job",
    "job.completed": "Coding finished", "job.failed": "Coding stopped", "job.cancel": "Cancelled a job",
}


def describe_event(event: dict[str, Any]) -> str:
    """One line saying what a history event did (names come from the payload; show it with st.text)."""
    p = event.get("payload") or {}
    label = ACTION_LABELS.get(event["action"], event["action"])
    if event["action"] in ("code.rename", "category.rename"):
        return f"{label}: {p.get('from')} → {p.get('to')}"
    if event["action"] == "code.merge":
        return f"{label}: {p.get('source')} → {p.get('target')}"
    if event["action"] == "code.split":
        return f"{label}: {p.get('name')} → {p.get('new_name')} ({len(p.get('response_ids') or [])} responses)"
    if event["action"] == "undo":
        return f"{label}: {ACTION_LABELS.get(p.get('undone_action'), p.get('undone_action'))}"
    if p.get("name"):
        return f"{label}: {p['name']}"
    return label
