"""Read a coded question back in the seed's result shape."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from .codebooks import load_codebook
from .projects import get_question
from .schemas import AssignedCode, CategoryOut, CodeOut, CodeResultData, ResultItem
from .store import loads, rows


def code_frequencies(db: sqlite_utils.Database, question_id: str) -> dict[str, int]:
    """Number of assignments of each code (every response, duplicates included)."""
    return {r["code_id"]: int(r["n"]) for r in rows(
        db,
        "SELECT a.code_id, COUNT(*) AS n FROM assignments a JOIN responses r ON r.id = a.response_id"
        " WHERE r.question_id = ? GROUP BY a.code_id",
        (question_id,),
    )}


def codebook_out(db: sqlite_utils.Database, question_id: str) -> list[CategoryOut]:
    freq = code_frequencies(db, question_id)
    out = []
    for cat in load_codebook(db, question_id):
        codes = [CodeOut(id=c["id"], name=c["name"], sentiment=c["sentiment"], code_number=c["code_number"],
                         frequency=freq.get(c["id"], 0), definition=c["definition"]) for c in cat["codes"]]
        if codes:
            out.append(CategoryOut(id=cat["id"], name=cat["name"], codes=codes))
    return out


def assignments_by_response(db: sqlite_utils.Database, question_id: str) -> dict[int, list[dict[str, Any]]]:
    by_response: dict[int, list[dict[str, Any]]] = {}
    for a in rows(
        db,
        "SELECT a.*, c.name AS code_name, c.category_id FROM assignments a"
        " JOIN responses r ON r.id = a.response_id JOIN codes c ON c.id = a.code_id"
        " WHERE r.question_id = ? ORDER BY a.response_id, a.mention, a.id",
        (question_id,),
    ):
        by_response.setdefault(a["response_id"], []).append(a)
    return by_response


def result_items(db: sqlite_utils.Database, question_id: str) -> list[ResultItem]:
    by_response = assignments_by_response(db, question_id)
    items = []
    for r in rows(db, "SELECT * FROM responses WHERE question_id = ? ORDER BY position", (question_id,)):
        codes = [
            AssignedCode(name=a["code_name"], sentiment=a["sentiment"], confidence=a["confidence"] or "high",
                         score=a["score"], code_id=a["code_id"])
            for a in by_response.get(r["id"], [])
        ]
        status = r["status"] if r["status"] in ("coded", "uncoded", "no_data") else "uncoded"
        if codes:
            status = "coded"
        items.append(ResultItem(id=r["respondent_id"], codes=codes, needs_review=bool(r["needs_review"]),
                                review_reason=r["review_reason"], review_note=r["review_note"], status=status))
    return items


def build_result(db: sqlite_utils.Database, question_id: str) -> CodeResultData:
    question = get_question(db, question_id)
    return CodeResultData(
        codebook=codebook_out(db, question_id),
        results=result_items(db, question_id),
        credits_used=int(question["credits_used"]),
        project_id=question["project_id"],
        question_id=question_id,
    )


def response_rows(db: sqlite_utils.Database, question_id: str) -> list[dict[str, Any]]:
    """Responses with attributes decoded and their assignments attached (for the app and exports)."""
    by_response = assignments_by_response(db, question_id)
    out = []
    for r in rows(db, "SELECT * FROM responses WHERE question_id = ? ORDER BY position", (question_id,)):
        r["attributes"] = loads(r["attributes"], {})
        r["candidates"] = loads(r["candidates"], [])
        r["assignments"] = by_response.get(r["id"], [])
        out.append(r)
    return out
