"""Responses and their code assignments in SQLite: written by the pipeline, read back in the seed's
result shape (:func:`build_result`) and as rows for the app and exports.

Duplicates (same text) point at their first occurrence with ``dedup_of``; the engine codes
the first one and :func:`save_codings` fans its codes out to every duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from surveycoder_core.db.codebooks import load_codebook
from surveycoder_core.db.projects import get_question
from surveycoder_core.db.store import dumps, loads, now, rows
from surveycoder_core.engine_api import TextCoding
from surveycoder_core.schemas import AssignedCode, CategoryOut, CodeOut, CodeResultData, ResponseStatus, ResultItem

if TYPE_CHECKING:  # the ingest stage's result, only named in a signature
    from surveycoder_core.pipeline.ingest import IngestResult


@dataclass
class Flag:
    needs_review: bool
    reason: str | None
    note: str | None


def insert_responses(db: sqlite_utils.Database, question_id: str, ingest: IngestResult) -> dict[int, int]:
    """Store every ingested response (inside a write); returns position → row id."""
    ids: dict[int, int] = {}
    for item in ingest.items:
        cur = db.conn.execute(
            "INSERT INTO responses (question_id, respondent_id, position, text, clean_text, dedup_of, status,"
            " truncated, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (question_id, item.respondent_id, item.position, item.text, item.clean_text,
             ids.get(item.dedup_of) if item.dedup_of is not None else None, item.status, int(item.truncated),
             dumps(item.attributes) if item.attributes else None),
        )
        ids[item.position] = int(cur.lastrowid or 0)
    return ids


def pending_canonical(db: sqlite_utils.Database, question_id: str) -> list[dict[str, Any]]:
    """Responses still to be coded: codable, not yet coded, first of their text."""
    return rows(
        db,
        "SELECT id, clean_text, truncated, position FROM responses"
        " WHERE question_id = ? AND status = 'pending' AND dedup_of IS NULL ORDER BY position",
        (question_id,),
    )


def canonical_texts(db: sqlite_utils.Database, question_id: str) -> list[str]:
    """Every distinct codable text of the question (what the engine prepares on)."""
    return [r["clean_text"] for r in rows(
        db,
        "SELECT clean_text FROM responses WHERE question_id = ? AND status != 'no_data' AND dedup_of IS NULL"
        " ORDER BY position",
        (question_id,),
    )]


def duplicates_of(db: sqlite_utils.Database, response_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {rid: [] for rid in response_ids}
    for start in range(0, len(response_ids), 500):
        chunk = list(response_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for r in db.conn.execute(f"SELECT id, dedup_of FROM responses WHERE dedup_of IN ({marks})", chunk):
            out[r["dedup_of"]].append(r["id"])
    return out


def save_codings(
    db: sqlite_utils.Database,
    batch: Sequence[dict[str, Any]],
    codings: Sequence[TextCoding],
    flags: Sequence[Flag],
    *,
    source: str,
    codebook_version: int,
    sentiment_override: str | None = None,
) -> int:
    """Write one batch of engine results and fan them out to duplicates (inside a write).

    Returns how many responses were newly charged (canonical responses not charged before).
    Responses a human has reviewed are never overwritten by the engine.
    """
    stamp = now()
    dupes = duplicates_of(db, [r["id"] for r in batch])
    charged = 0
    for row, coding, flag in zip(batch, codings, flags, strict=True):
        targets = [row["id"], *dupes.get(row["id"], [])]
        status = "coded" if coding.assignments else "uncoded"
        candidates = dumps([[k, round(float(s), 4)] for k, s in coding.candidates[:5]])
        for rid in targets:
            reviewed = db.conn.execute("SELECT reviewed FROM responses WHERE id = ?", (rid,)).fetchone()
            if reviewed and reviewed["reviewed"]:
                continue
            db.conn.execute("DELETE FROM assignments WHERE response_id = ?", (rid,))
            db.conn.execute("DELETE FROM engine_assignments WHERE response_id = ?", (rid,))
            for mention, a in enumerate(coding.assignments, start=1):
                db.conn.execute(
                    "INSERT OR IGNORE INTO assignments (response_id, code_id, sentiment, confidence, score, mention,"
                    " source, codebook_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rid, a.code_key, sentiment_override or a.sentiment, a.confidence, round(float(a.score), 4),
                     mention, source, codebook_version, stamp),
                )
                db.conn.execute("INSERT OR IGNORE INTO engine_assignments (response_id, code_id) VALUES (?, ?)",
                                (rid, a.code_key))
            db.conn.execute(
                "UPDATE responses SET status = ?, needs_review = ?, review_reason = ?, review_note = ?,"
                " candidates = ?, version = version + 1 WHERE id = ?",
                (status, int(flag.needs_review), flag.reason, flag.note, candidates, rid),
            )
        cur = db.conn.execute("UPDATE responses SET charged = 1 WHERE id = ? AND charged = 0", (row["id"],))
        charged += cur.rowcount
    return charged


def reset_for_recoding(db: sqlite_utils.Database, question_id: str) -> int:
    """Mark every unreviewed codable response as pending again (inside a write)."""
    cur = db.conn.execute(
        "UPDATE responses SET status = 'pending' WHERE question_id = ? AND status IN ('coded', 'uncoded')"
        " AND reviewed = 0 AND dedup_of IS NULL",
        (question_id,),
    )
    return cur.rowcount

# --- reading back --------------------------------------------------------------------------------


def code_counts(db: sqlite_utils.Database, question_id: str) -> dict[str, int]:
    """Number of assignments of each code (every response, duplicates included)."""
    return {r["code_id"]: int(r["n"]) for r in rows(
        db,
        "SELECT a.code_id, COUNT(*) AS n FROM assignments a JOIN responses r ON r.id = a.response_id"
        " WHERE r.question_id = ? GROUP BY a.code_id",
        (question_id,),
    )}


def codebook_out(db: sqlite_utils.Database, question_id: str) -> list[CategoryOut]:
    freq = code_counts(db, question_id)
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
        status: ResponseStatus = r["status"] if r["status"] in ("coded", "uncoded", "no_data") else "uncoded"
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
