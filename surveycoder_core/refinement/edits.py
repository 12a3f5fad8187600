"""Codebook editing: rename, redefine, add, delete, merge, split, move — each versioned and undoable.

Every public function is one ``write`` transaction that captures the rows it is about to
touch (:class:`history.Capture`), makes the change, bumps the codebook version and records
one event carrying the undo payload. The ``*_rows`` helpers do the work inside a caller's
transaction so refinement can combine them into a single undoable event.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from surveycoder_core.db.codebooks import ensure_category, insert_code
from surveycoder_core.db.projects import get_question
from surveycoder_core.db.store import get_row, new_uuid, one, rows, write
from surveycoder_core.db.undo import Capture, commit_change
from surveycoder_core.errors import ValidationError
from surveycoder_core.schemas import normalise_sentiment


def clean_name(name: str | None, what: str = "code") -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError(f"a {what} name must not be empty")
    return text


def check_sentiment(value: Any) -> str:
    try:
        return normalise_sentiment(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def get_code(db: sqlite_utils.Database, question_id: str, code_id: str) -> dict[str, Any]:
    code = get_row(db, "codes", code_id, what="Code", question_id=question_id)
    return code


def check_unique_name(db: sqlite_utils.Database, question_id: str, name: str, except_id: str | None = None) -> None:
    clash = one(db, "SELECT id FROM codes WHERE question_id = ? AND name = ? COLLATE NOCASE AND id != ?",
                (question_id, name, except_id or ""))
    if clash:
        raise ValidationError(f"a code named '{name}' already exists in this question")


def category_id_for(db: sqlite_utils.Database, cap: Capture, question_id: str, name: str) -> str:
    """The category with this name, created (and recorded as created, for undo) when new."""
    existing = one(db, "SELECT id FROM categories WHERE question_id = ? AND name = ? COLLATE NOCASE",
                   (question_id, " ".join(name.split())))
    cat_id = ensure_category(db, question_id, name)
    if existing is None:
        cap.created("categories", [cat_id])
    return cat_id


def response_ids_with(db: sqlite_utils.Database, code_id: str) -> list[int]:
    return [r["response_id"] for r in rows(db, "SELECT response_id FROM assignments WHERE code_id = ?"
                                           " ORDER BY response_id", (code_id,))]


def mark_uncoded_if_empty(db: sqlite_utils.Database, response_ids: list[int]) -> None:
    """Responses left with no code are 'uncoded' again (so they reach review and refinement)."""
    for rid in response_ids:
        db.conn.execute(
            "UPDATE responses SET status = 'uncoded', version = version + 1 WHERE id = ? AND status = 'coded'"
            " AND NOT EXISTS (SELECT 1 FROM assignments WHERE response_id = ?)", (rid, rid))


# ------------------------------------------------------------------ helpers inside a caller's write


def create_code_rows(db: sqlite_utils.Database, cap: Capture, question_id: str, *, name: str, category: str | None,
                     category_id: str | None = None, definition: str | None = None,
                     sentiment: str = "Neutral") -> str:
    name = clean_name(name)
    check_unique_name(db, question_id, name)
    if category_id is not None:
        cat = one(db, "SELECT name FROM categories WHERE id = ? AND question_id = ?", (category_id, question_id))
        if cat is None:
            raise ValidationError(f"category not found: {category_id}")
        category = cat["name"]
    else:
        category_id_for(db, cap, question_id, clean_name(category or "General", "category"))
    code_id = new_uuid()
    cap.created("codes", [code_id])
    insert_code(db, question_id, name=name, category=category or "General", definition=definition or None,
                sentiment=check_sentiment(sentiment), code_id=code_id)
    return code_id


def merge_rows(db: sqlite_utils.Database, cap: Capture, question_id: str, source_id: str, target_id: str) -> list[int]:
    """Move the source's responses to the target, keep the stronger score, delete the source."""
    if source_id == target_id:
        raise ValidationError("a code cannot be merged into itself")
    get_code(db, question_id, source_id)
    get_code(db, question_id, target_id)
    moved = response_ids_with(db, source_id)
    cap.codes([source_id, target_id]).assignments(moved).responses(moved)
    for rid in moved:
        src = one(db, "SELECT * FROM assignments WHERE response_id = ? AND code_id = ?", (rid, source_id))
        tgt = one(db, "SELECT * FROM assignments WHERE response_id = ? AND code_id = ?", (rid, target_id))
        assert src is not None
        if tgt is None:
            db.conn.execute("UPDATE assignments SET code_id = ? WHERE id = ?", (target_id, src["id"]))
        else:
            stronger = src if (src["score"] or 0) > (tgt["score"] or 0) else tgt
            db.conn.execute("UPDATE assignments SET score = ?, confidence = ?, mention = ? WHERE id = ?",
                            (stronger["score"], stronger["confidence"], min(src["mention"], tgt["mention"]),
                             tgt["id"]))
            db.conn.execute("DELETE FROM assignments WHERE id = ?", (src["id"],))
        # The engine's original code is renamed with the merge, so agreement compares like with like.
        if one(db, "SELECT 1 AS x FROM engine_assignments WHERE response_id = ? AND code_id = ?", (rid, source_id)):
            db.conn.execute("DELETE FROM engine_assignments WHERE response_id = ? AND code_id = ?", (rid, source_id))
            db.conn.execute("INSERT OR IGNORE INTO engine_assignments (response_id, code_id) VALUES (?, ?)",
                            (rid, target_id))
        db.conn.execute("UPDATE responses SET version = version + 1 WHERE id = ?", (rid,))
    db.conn.execute("DELETE FROM codes WHERE id = ?", (source_id,))
    return moved


# ------------------------------------------------------------------ public edits


def rename_code(db: sqlite_utils.Database, question_id: str, code_id: str, new_name: str, *, actor: str) -> None:
    get_question(db, question_id)
    name = clean_name(new_name)
    with write(db):
        code = get_code(db, question_id, code_id)
        check_unique_name(db, question_id, name, except_id=code_id)
        cap = Capture(db, question_id).codes([code_id])
        db.conn.execute("UPDATE codes SET name = ? WHERE id = ?", (name, code_id))
        commit_change(db, cap, actor=actor, action="code.rename",
                      payload={"code_id": code_id, "from": code["name"], "to": name})


def update_code(db: sqlite_utils.Database, question_id: str, code_id: str, *, actor: str,
                definition: str | None = None, sentiment: str | None = None, category: str | None = None) -> None:
    """Change what was given (None leaves a field alone; an empty definition clears it)."""
    get_question(db, question_id)
    with write(db):
        code = get_code(db, question_id, code_id)
        cap = Capture(db, question_id).codes([code_id])
        changes: dict[str, Any] = {}
        if definition is not None:
            changes["definition"] = definition.strip() or None
        if sentiment is not None:
            changes["sentiment"] = check_sentiment(sentiment)
        if category is not None:
            changes["category_id"] = category_id_for(db, cap, question_id, clean_name(category, "category"))
        if not changes:
            return
        db.conn.execute(f"UPDATE codes SET {', '.join(k + ' = ?' for k in changes)} WHERE id = ?",
                        [*changes.values(), code_id])
        commit_change(db, cap, actor=actor, action="code.update",
                      payload={"code_id": code_id, "name": code["name"], "changes": changes})


def add_code(db: sqlite_utils.Database, question_id: str, *, name: str, category: str,
             definition: str | None = None, sentiment: str = "Neutral", actor: str) -> str:
    get_question(db, question_id)
    with write(db):
        cap = Capture(db, question_id)
        code_id = create_code_rows(db, cap, question_id, name=name, category=category, definition=definition,
                                   sentiment=sentiment)
        commit_change(db, cap, actor=actor, action="code.add",
                      payload={"code_id": code_id, "name": clean_name(name), "category": category})
    return code_id


def delete_code(db: sqlite_utils.Database, question_id: str, code_id: str, *, actor: str) -> None:
    get_question(db, question_id)
    with write(db):
        code = get_code(db, question_id, code_id)
        affected = response_ids_with(db, code_id)
        cap = Capture(db, question_id).codes([code_id]).assignments(affected).responses(affected)
        db.conn.execute("DELETE FROM codes WHERE id = ?", (code_id,))  # assignments cascade
        mark_uncoded_if_empty(db, affected)
        commit_change(db, cap, actor=actor, action="code.delete",
                      payload={"code_id": code_id, "name": code["name"], "response_ids": affected})


def merge_codes(db: sqlite_utils.Database, question_id: str, source_code_id: str, target_code_id: str, *,
                actor: str) -> dict[str, Any]:
    """Merge source into target; returns {moved_response_ids (row ids), target_code_id}."""
    get_question(db, question_id)
    with write(db):
        source = get_code(db, question_id, source_code_id)
        target = get_code(db, question_id, target_code_id)
        cap = Capture(db, question_id)
        moved = merge_rows(db, cap, question_id, source_code_id, target_code_id)
        commit_change(db, cap, actor=actor, action="code.merge",
                      payload={"source_code_id": source_code_id, "source": source["name"],
                               "target_code_id": target_code_id, "target": target["name"], "response_ids": moved})
    return {"moved_response_ids": moved, "target_code_id": target_code_id}


def split_code(db: sqlite_utils.Database, question_id: str, code_id: str, *, new_name: str,
               response_ids: list[int], actor: str, definition: str | None = None,
               category: str | None = None) -> str:
    """Move the chosen responses (row ids) from ``code_id`` to a new code; returns its id."""
    get_question(db, question_id)
    if not response_ids:
        raise ValidationError("choose at least one response to split off")
    with write(db):
        code = get_code(db, question_id, code_id)
        holders = set(response_ids_with(db, code_id))
        missing = sorted({int(r) for r in response_ids} - holders)
        if missing:
            raise ValidationError(f"responses {missing[:10]} do not have the code '{code['name']}'")
        chosen = sorted({int(r) for r in response_ids})
        cap = Capture(db, question_id).codes([code_id]).assignments(chosen).responses(chosen)
        cat_name = category or db.table("categories").get(code["category_id"])["name"]
        new_id = create_code_rows(db, cap, question_id, name=new_name, category=cat_name,
                                  definition=definition, sentiment=code["sentiment"])
        for rid in chosen:
            db.conn.execute("UPDATE assignments SET code_id = ? WHERE response_id = ? AND code_id = ?",
                            (new_id, rid, code_id))
            db.conn.execute("UPDATE responses SET version = version + 1 WHERE id = ?", (rid,))
        commit_change(db, cap, actor=actor, action="code.split",
                      payload={"code_id": code_id, "name": code["name"], "new_code_id": new_id,
                               "new_name": clean_name(new_name), "response_ids": chosen})
    return new_id


def rename_category(db: sqlite_utils.Database, question_id: str, category_id: str, new_name: str, *,
                    actor: str) -> None:
    get_question(db, question_id)
    name = clean_name(new_name, "category")
    with write(db):
        cat = get_row(db, "categories", category_id, what="Category", question_id=question_id)
        if one(db, "SELECT id FROM categories WHERE question_id = ? AND name = ? COLLATE NOCASE AND id != ?",
               (question_id, name, category_id)):
            raise ValidationError(f"a category named '{name}' already exists in this question")
        cap = Capture(db, question_id).categories([category_id])
        db.conn.execute("UPDATE categories SET name = ? WHERE id = ?", (name, category_id))
        commit_change(db, cap, actor=actor, action="category.rename",
                      payload={"category_id": category_id, "from": cat["name"], "to": name})


def reorder_code(db: sqlite_utils.Database, question_id: str, code_id: str, new_index: int, *, actor: str) -> None:
    """Move a code to ``new_index`` (0-based) within its category; the others keep their order."""
    get_question(db, question_id)
    with write(db):
        code = get_code(db, question_id, code_id)
        siblings = [r["id"] for r in rows(db, "SELECT id FROM codes WHERE category_id = ?"
                                          " ORDER BY position, code_number", (code["category_id"],))]
        slots = sorted(r["position"] for r in rows(db, "SELECT position FROM codes WHERE category_id = ?",
                                                     (code["category_id"],)))
        siblings.remove(code_id)
        siblings.insert(max(0, min(int(new_index), len(siblings))), code_id)
        # Reuse the category's own position numbers so codes of other categories are not disturbed.
        for i in range(1, len(slots)):
            slots[i] = max(slots[i], slots[i - 1] + 1)
        cap = Capture(db, question_id).codes(siblings)
        for pos, cid in zip(slots, siblings, strict=True):
            db.conn.execute("UPDATE codes SET position = ? WHERE id = ?", (pos, cid))
        commit_change(db, cap, actor=actor, action="code.reorder",
                      payload={"code_id": code_id, "name": code["name"], "index": int(new_index)})
