"""Responses and their code assignments in SQLite.

Duplicates (same text) point at their first occurrence with ``dedup_of``; the engine codes
the first one and :func:`save_codings` fans its codes out to every duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .engines.base import TextCoding
from .ingest import IngestResult
from .store import dumps, now, rows


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
