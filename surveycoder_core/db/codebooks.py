"""A question's codebook in SQLite: save, load, version, and hand to the engine.

The live codebook is the ``categories`` and ``codes`` rows of the question; every change
bumps ``questions.codebook_version`` and stores a JSON snapshot in ``codebook_versions``
so any earlier version can be read back (and undone to).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

from surveycoder_core.db.store import dumps, loads, new_uuid, now, one, rows
from surveycoder_core.engine_api import CodeSpec, DraftCode
from surveycoder_core.errors import EmptyCodebookError
from surveycoder_core.schemas import CodebookIn


def load_codebook(db: sqlite_utils.Database, question_id: str) -> list[dict[str, Any]]:
    """Categories in order, each with its codes in order (code rows as dicts)."""
    cats = rows(db, "SELECT * FROM categories WHERE question_id = ? ORDER BY position, name", (question_id,))
    codes = rows(db, "SELECT * FROM codes WHERE question_id = ? ORDER BY position, code_number", (question_id,))
    by_cat: dict[str, list[dict[str, Any]]] = {c["id"]: [] for c in cats}
    for code in codes:
        code["examples"] = loads(code["examples"], [])
        code["keywords"] = loads(code["keywords"], [])
        by_cat.setdefault(code["category_id"], []).append(code)
    return [dict(cat, codes=by_cat.get(cat["id"], [])) for cat in cats]


def code_rows(db: sqlite_utils.Database, question_id: str) -> list[dict[str, Any]]:
    """Every code of the question with its category name, in codebook order."""
    return [dict(code, category=cat["name"]) for cat in load_codebook(db, question_id) for code in cat["codes"]]


def has_codebook(db: sqlite_utils.Database, question_id: str) -> bool:
    row = one(db, "SELECT COUNT(*) AS n FROM codes WHERE question_id = ?", (question_id,))
    return bool(row and row["n"])


def snapshot(db: sqlite_utils.Database, question_id: str) -> dict[str, Any]:
    return {"categories": load_codebook(db, question_id)}


def bump_version(db: sqlite_utils.Database, question_id: str, actor: str, reason: str) -> int:
    """Record the codebook as it now stands as a new version (call inside a write)."""
    row = one(db, "SELECT codebook_version FROM questions WHERE id = ?", (question_id,))
    version = int(row["codebook_version"] if row else 0) + 1
    db.conn.execute("UPDATE questions SET codebook_version = ?, updated_at = ? WHERE id = ?",
                    (version, now(), question_id))
    db.conn.execute(
        "INSERT INTO codebook_versions (question_id, version, snapshot, actor, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (question_id, version, dumps(snapshot(db, question_id)), actor, reason, now()),
    )
    return version


def next_code_number(db: sqlite_utils.Database, question_id: str) -> int:
    row = one(db, "SELECT COALESCE(MAX(code_number), 0) AS n FROM codes WHERE question_id = ?", (question_id,))
    return int(row["n"] if row else 0) + 1


def ensure_category(db: sqlite_utils.Database, question_id: str, name: str) -> str:
    """The id of the category with this name, created at the end when missing (inside a write)."""
    name = " ".join((name or "General").split()) or "General"
    row = one(db, "SELECT id FROM categories WHERE question_id = ? AND name = ? COLLATE NOCASE",
              (question_id, name))
    if row:
        return str(row["id"])
    pos = one(db, "SELECT COALESCE(MAX(position), -1) + 1 AS p FROM categories WHERE question_id = ?",
              (question_id,))
    cat_id = new_uuid()
    db.conn.execute("INSERT INTO categories (id, question_id, name, position) VALUES (?, ?, ?, ?)",
                    (cat_id, question_id, name, int(pos["p"] if pos else 0)))
    return cat_id


def insert_code(
    db: sqlite_utils.Database,
    question_id: str,
    *,
    name: str,
    category: str,
    definition: str | None = None,
    sentiment: str = "Neutral",
    examples: Sequence[str] = (),
    keywords: Sequence[str] = (),
    code_id: str | None = None,
) -> str:
    """Add one code at the end of its category (inside a write)."""
    category_id = ensure_category(db, question_id, category)
    number = next_code_number(db, question_id)
    code_id = code_id or new_uuid()
    db.conn.execute(
        "INSERT INTO codes (id, question_id, category_id, name, definition, sentiment, code_number, position,"
        " examples, keywords, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (code_id, question_id, category_id, name, definition, sentiment, number, number,
         dumps(list(examples)), dumps(list(keywords)), now()),
    )
    return code_id


def save_given_codebook(db: sqlite_utils.Database, question_id: str, codebook: CodebookIn, actor: str) -> None:
    """Import a caller's codebook, keeping its order (inside a write)."""
    if codebook.code_count() == 0:
        raise EmptyCodebookError("the codebook given has no codes")
    for cat in codebook.categories:
        for code in cat.codes:
            insert_code(db, question_id, name=code.name, category=cat.name, definition=code.definition,
                        sentiment=code.sentiment, examples=code.examples)
    if codebook.no_code_examples:
        set_no_code_examples(db, question_id, codebook.no_code_examples)
    bump_version(db, question_id, actor, "codebook imported")


def save_drafts(db: sqlite_utils.Database, question_id: str, drafts: Sequence[DraftCode], actor: str,
                examples: dict[int, list[str]] | None = None) -> None:
    """Store a generated codebook (inside a write); ``examples`` by draft index."""
    used: set[str] = set()
    # Number codes in the order they are shown (category by category), catch-all categories last.
    first_seen: dict[str, int] = {}
    for d in drafts:
        first_seen.setdefault(d.category, len(first_seen))

    def shown_order(n: int) -> tuple[bool, int, int]:
        category = drafts[n].category
        return (category.lower().startswith(("other", "general", "misc")), first_seen[category], n)

    for n in sorted(range(len(drafts)), key=shown_order):
        d = drafts[n]
        name = d.name
        suffix = 2
        while name.casefold() in used:  # names must stay unique within a question
            name = f"{d.name} ({suffix})"
            suffix += 1
        used.add(name.casefold())
        insert_code(db, question_id, name=name, category=d.category, definition=d.definition,
                    sentiment=d.sentiment, keywords=d.keywords, examples=(examples or {}).get(n, ()))
    bump_version(db, question_id, actor, "codebook generated")


def _reviewed_codes(db: sqlite_utils.Database, question_id: str) -> dict[str, list[str]]:
    """code id -> the texts of reviewed answers that carry it (newest review first)."""
    learned: dict[str, list[str]] = {}
    for r in rows(
        db,
        "SELECT a.code_id, r.clean_text FROM assignments a JOIN responses r ON r.id = a.response_id"
        " WHERE r.question_id = ? AND r.reviewed = 1 AND r.dedup_of IS NULL ORDER BY r.reviewed_at DESC, r.id",
        (question_id,),
    ):
        learned.setdefault(r["code_id"], []).append(r["clean_text"])
    return learned


def code_specs(db: sqlite_utils.Database, question_id: str) -> list[CodeSpec]:
    """The codebook as the engine sees it, with every human-coded answer as an example.

    Examples come from the codebook (given, imported from a coded wave) and from human reviews:
    every code a reviewer kept or added on a response becomes an example of that code for the next
    coding run. There is no cap: an answer with three codes is an example of each of the three.
    """
    learned = _reviewed_codes(db, question_id)
    return [CodeSpec(key=code["id"], name=code["name"], category=code["category"], definition=code["definition"],
                     sentiment=code["sentiment"],
                     examples=list(dict.fromkeys([*code["examples"], *learned.get(code["id"], [])])))
            for code in code_rows(db, question_id)]


def no_code_examples(db: sqlite_utils.Database, question_id: str) -> list[str]:
    """Answers a human coded with none of the codes: stored with the codebook (an imported wave's
    blank rows) and reviewed answers left with no code. The learner's negatives."""
    row = one(db, "SELECT no_code_examples FROM questions WHERE id = ?", (question_id,))
    stored = loads(row["no_code_examples"], []) if row else []
    reviewed = [r["clean_text"] for r in rows(
        db, "SELECT clean_text FROM responses WHERE question_id = ? AND reviewed = 1 AND dedup_of IS NULL"
        " AND status = 'uncoded' ORDER BY reviewed_at DESC, id", (question_id,))]
    return list(dict.fromkeys([*stored, *reviewed]))


def set_no_code_examples(db: sqlite_utils.Database, question_id: str, texts: Sequence[str]) -> None:
    """Replace the stored no-code answers of the question (inside a write)."""
    clean = list(dict.fromkeys(" ".join(t.split()) for t in texts if t and t.strip()))
    db.conn.execute("UPDATE questions SET no_code_examples = ? WHERE id = ?", (dumps(clean) if clean else None,
                                                                            question_id))


def training_counts(db: sqlite_utils.Database, question_id: str) -> dict[str, Any]:
    """How many human-coded answers teach each code (code name -> count) and how many fit none."""
    return {"codes": {s.name: len(s.examples) for s in code_specs(db, question_id)},
            "no_code": len(no_code_examples(db, question_id))}


def codebook_as_request(db: sqlite_utils.Database, question_id: str, with_training: bool = False) -> CodebookIn:
    """The codebook in the seed's request shape (for export, and reuse in the next wave).

    ``with_training``: every human-coded answer of the question travels with it as an example (the
    reviewed ones too, and those a human coded with no code), so the next wave learns from this one.
    """
    learned = _reviewed_codes(db, question_id) if with_training else {}
    cats = []
    for cat in load_codebook(db, question_id):
        if not cat["codes"]:
            continue
        cats.append({"name": cat["name"], "codes": [
            {"name": c["name"], "definition": c["definition"], "sentiment": c["sentiment"],
             "examples": list(dict.fromkeys([*c["examples"], *learned.get(c["id"], [])]))} for c in cat["codes"]]})
    if with_training:
        none = no_code_examples(db, question_id)
    else:
        row = one(db, "SELECT no_code_examples FROM questions WHERE id = ?", (question_id,))
        none = loads(row["no_code_examples"], []) if row else []
    return CodebookIn.model_validate({"categories": cats, "no_code_examples": none})
