"""Builders for tests: a small coded question in a real SQLite file, and a fake engine.

``make_coded_question`` writes ~32 responses the way the pipeline would leave them: codes in
two categories, engine assignments with scores and candidates, a few uncoded responses (a
clear "parking" theme among them), low-confidence codes, duplicates, one junk answer and
respondent attributes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlite_utils

from surveycoder_core.db import codebooks, projects, responses
from surveycoder_core.db.store import dumps, now, rows, write
from surveycoder_core.engine_api import CodingContext, DraftCode, confidence_label
from surveycoder_core.pipeline import ingest
from surveycoder_core.schemas import ResponseIn

CODES = [  # (category, name, definition, sentiment)
    ("Service", "Friendly staff", "Staff were kind, helpful or polite.", "Positive"),
    ("Service", "Slow service", "Waiting too long to be served.", "Negative"),
    ("Product", "Price too high", "The price is too high for what you get.", "Negative"),
    ("Product", "Expensive", "Costs a lot of money.", "Negative"),
    ("Product", "Good quality", "The product works well and lasts.", "Positive"),
    ("Product", "Delivery", None, "Neutral"),
]

# respondent, text, segment, [(code, sentiment, score)], [(candidate code, score)], review reason
DATA: list[tuple[str, str, str, list[tuple[str, str, float]], list[tuple[str, float]], str | None]] = [
    ("r01", "The staff were so friendly and helpful", "A", [("Friendly staff", "Positive", 0.92)], [], None),
    ("r02", "Friendly staff, always polite", "B", [("Friendly staff", "Positive", 0.88)], [], None),
    ("r03", "Great staff", "A", [("Friendly staff", "Positive", 0.81)], [], None),
    ("r04", "Great staff", "B", [("Friendly staff", "Positive", 0.81)], [], None),  # duplicate of r03
    ("r05", "I waited forty minutes to be served", "A", [("Slow service", "Negative", 0.9)], [], None),
    ("r06", "Service was really slow today", "B", [("Slow service", "Negative", 0.85)], [], None),
    ("r07", "Too slow at the till", "A", [("Slow service", "Negative", 0.77)], [], None),
    ("r08", "Way too expensive for what it is", "A",
     [("Price too high", "Negative", 0.86), ("Expensive", "Negative", 0.8)], [], None),
    ("r09", "Prices are far too high", "B",
     [("Price too high", "Negative", 0.9), ("Expensive", "Negative", 0.7)], [], None),
    ("r10", "Costs a fortune", "A", [("Price too high", "Negative", 0.66), ("Expensive", "Negative", 0.79)], [], None),
    ("r11", "Overpriced compared to other shops", "B", [("Price too high", "Negative", 0.8)], [], None),
    ("r12", "Quality is excellent, it lasts for years", "A", [("Good quality", "Positive", 0.93)], [], None),
    ("r13", "Very good quality products", "B", [("Good quality", "Positive", 0.9)], [], None),
    ("r14", "Solid build quality", "A", [("Good quality", "Positive", 0.84)], [], None),
    ("r15", "Delivery took two weeks", "B", [("Delivery", "Negative", 0.45)], [("Slow service", 0.52)],
     "low_confidence"),
    ("r16", "The parcel arrived late", "A", [("Delivery", "Negative", 0.55)], [], None),
    ("r17", "Courier left the box outside", "B", [("Delivery", "Negative", 0.5)], [], None),
    # Low-confidence "Slow service" that the candidates say is really about staff: a reassign group.
    ("r18", "The cashier smiled and chatted with me", "A", [("Slow service", "Neutral", 0.3)],
     [("Friendly staff", 0.74), ("Slow service", 0.3)], None),
    ("r19", "Lovely cashier, very warm", "B", [("Slow service", "Neutral", 0.35)],
     [("Friendly staff", 0.7), ("Slow service", 0.35)], None),
    ("r20", "Helpful and friendly but slow", "A",
     [("Friendly staff", "Positive", 0.7), ("Slow service", "Negative", 0.65)], [], "mixed_sentiment"),
    ("r21", "Good value and nice people", "B", [("Good quality", "Positive", 0.6), ("Friendly staff", "Positive", 0.6)],
     [], None),
    ("r22", "Cheap plastic that broke quickly", "A", [("Good quality", "Negative", 0.4)], [], "low_confidence"),
    # No code fits: a parking theme and two loners.
    ("r23", "Parking was impossible on Saturday", "A", [], [("Delivery", 0.2)], "no_code_fit"),
    ("r24", "No parking spaces near the store", "B", [], [], "no_code_fit"),
    ("r25", "The parking lot is far too small", "A", [], [], None),
    ("r26", "Parking costs too much", "B", [], [], None),
    ("r27", "No parking spaces near the store", "A", [], [], None),  # duplicate of r24
    ("r28", "The website crashed at checkout", "B", [], [], None),
    ("r29", "I like the music they play", "A", [], [], None),
    ("r30", "n/a", "B", [], [], None),  # junk: no_data
    ("r31", "Staff are friendly", "A", [("Friendly staff", "Positive", 0.86)], [], None),
    ("r32", "Excellent quality and fast delivery", "B",
     [("Good quality", "Positive", 0.82), ("Delivery", "Positive", 0.58)], [], None),
]


def make_coded_question(db: sqlite_utils.Database) -> dict[str, Any]:
    """Build the question; returns ids: project_id, question_id, codes/categories (name → id), responses."""
    project_id = projects.create_project(db, name="Store survey")
    question_id = projects.create_question(db, project_id=project_id, text="What did you think of our store?")
    items = [ResponseIn(id=r[0], text=r[1], attributes={"segment": r[2], "age": 20 + i})
             for i, r in enumerate(DATA)]
    result = ingest.ingest_responses(items)
    with write(db):
        by_position = responses.insert_responses(db, question_id, result)
        code_ids = {name: codebooks.insert_code(db, question_id, name=name, category=cat, definition=definition,
                                                sentiment=sentiment)
                    for cat, name, definition, sentiment in CODES}
        version = codebooks.bump_version(db, question_id, "system", "codebook generated")
        stamp = now()
        for position, (_, _, _, codes, candidates, reason) in enumerate(DATA):
            rid = by_position[position]
            if result.items[position].status == "no_data":
                continue
            for mention, (name, sentiment, score) in enumerate(codes, start=1):
                db.conn.execute(
                    "INSERT INTO assignments (response_id, code_id, sentiment, confidence, score, mention, source,"
                    " codebook_version, created_at) VALUES (?, ?, ?, ?, ?, ?, 'engine:fake', ?, ?)",
                    (rid, code_ids[name], sentiment, confidence_label(score), score, mention, version, stamp))
                db.conn.execute("INSERT INTO engine_assignments (response_id, code_id) VALUES (?, ?)",
                                (rid, code_ids[name]))
            cands = candidates or [(n, s) for n, _, s in codes]
            db.conn.execute(
                "UPDATE responses SET status = ?, needs_review = ?, review_reason = ?, review_note = ?,"
                " candidates = ? WHERE id = ?",
                ("coded" if codes else "uncoded", int(reason is not None), reason,
                 f"flagged: {reason}" if reason else None, dumps([[code_ids[n], s] for n, s in cands]), rid))
        db.conn.execute("UPDATE questions SET status = 'coded' WHERE id = ?", (question_id,))
    cats = {r["name"]: r["id"] for r in rows(db, "SELECT id, name FROM categories WHERE question_id = ?",
                                             (question_id,))}
    respondents = {r["respondent_id"]: r["id"] for r in rows(db, "SELECT id, respondent_id FROM responses"
                                                               " WHERE question_id = ?", (question_id,))}
    return {"project_id": project_id, "question_id": question_id, "codes": code_ids, "categories": cats,
            "responses": respondents}


def question_state(db: sqlite_utils.Database, question_id: str, *, with_versions: bool = False) -> dict[str, Any]:
    """Every row a change could touch, for before/after comparisons (response versions only move forward)."""
    resp_cols = "id, status, needs_review, review_reason, review_note, reviewed, reviewed_by, reviewed_at"
    if with_versions:
        resp_cols += ", version"
    return {
        "categories": rows(db, "SELECT * FROM categories WHERE question_id = ? ORDER BY id", (question_id,)),
        "codes": rows(db, "SELECT * FROM codes WHERE question_id = ? ORDER BY id", (question_id,)),
        "assignments": rows(db, "SELECT a.* FROM assignments a JOIN responses r ON r.id = a.response_id"
                            " WHERE r.question_id = ? ORDER BY a.response_id, a.code_id", (question_id,)),
        "engine_assignments": rows(db, "SELECT e.* FROM engine_assignments e JOIN responses r ON r.id = e.response_id"
                                   " WHERE r.question_id = ? ORDER BY e.response_id, e.code_id", (question_id,)),
        "responses": rows(db, f"SELECT {resp_cols} FROM responses WHERE question_id = ? ORDER BY id", (question_id,)),
        "suggestions": rows(db, "SELECT * FROM suggestions WHERE question_id = ? ORDER BY id", (question_id,)),
    }


_WORD = re.compile(r"[a-z]+")
_STOP = {"the", "and", "a", "to", "it", "is", "are", "was", "were", "for", "of", "at", "so", "but", "with", "very",
         "i", "my", "that", "what", "too", "on", "in", "you"}
_THEMES = {  # keyword -> (name, category, definition, sentiment)
    "parking": ("Parking", "Access", "Trouble finding or paying for parking.", "Negative"),
    "website": ("Website problems", "Online", "The website failed or was hard to use.", "Negative"),
    "staff": ("Staff attitude", "Service", "How the staff treated people.", "Positive"),
}


class FakeEngine:
    """Deterministic stand-in: hashed bag-of-words embeddings and keyword clustering."""

    name = "engine:fake"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.generate_calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in (w for w in _WORD.findall(text.lower()) if w not in _STOP):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return out

    def generate_codebook(self, texts: Sequence[str], context: CodingContext,
                          progress: Any = None) -> list[DraftCode]:
        self.generate_calls += 1
        drafts = []
        for keyword, (name, category, definition, sentiment) in _THEMES.items():
            members = [i for i, t in enumerate(texts) if keyword in t.lower()]
            if members:
                drafts.append(DraftCode(name=name, category=category, definition=definition, sentiment=sentiment,
                                        member_indices=members, keywords=[keyword], confidence=0.8))
        return drafts

    def prepare(self, *args: Any, **kwargs: Any) -> Any:  # not needed by refinement
        raise NotImplementedError


def cb_version(db: sqlite_utils.Database, qid: str) -> int:
    """The question's current codebook version."""
    row = db.conn.execute("SELECT codebook_version FROM questions WHERE id = ?", (qid,)).fetchone()
    return int(row["codebook_version"])
