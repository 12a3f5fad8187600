"""Codebook use cases for the app's Codebook page: read it with its history, edit codes and categories,
undo, import and download it.

Every edit is one transaction and one undo entry (saving a code's name and definition together is
one change, undone at once). Each function opens its own connection and closes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from surveycoder_core.db import codebooks, projects
from surveycoder_core.db import undo as history
from surveycoder_core.db.responses import code_counts
from surveycoder_core.db.store import rows, session, write
from surveycoder_core.exports.files import export_codebook_csv
from surveycoder_core.refinement import edits
from surveycoder_core.schemas import CodebookIn


def codebook_screen(question_id: str, *, history_limit: int = 40,
                    db_path: str | Path | None = None) -> dict[str, Any]:
    """The Codebook page's read model: categories with their codes (in order), responses per code id,
    and the newest events of the question (each saying whether it can be undone now)."""
    with session(db_path) as db:
        return {"categories": codebooks.load_codebook(db, question_id), "counts": code_counts(db, question_id),
                "history": history.history(db, question_id, limit=history_limit)}


def responses_with_code(question_id: str, code_id: str, *,
                        db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """(row id, respondent id, text) of the responses holding a code, in question order (for splitting it)."""
    with session(db_path) as db:
        return rows(db, "SELECT r.id, r.respondent_id, r.text FROM responses r"
                        " JOIN assignments a ON a.response_id = r.id"
                        " WHERE r.question_id = ? AND a.code_id = ? ORDER BY r.position", (question_id, code_id))


def save_code(
    question_id: str, code_id: str, *, actor: str, name: str | None = None, definition: str | None = None,
    sentiment: str | None = None, category: str | None = None, db_path: str | Path | None = None,
) -> bool:
    """Save a code's name, definition, expected sentiment and category in one go: one transaction,
    one undo entry (a clash on the name changes nothing). Returns whether anything changed."""
    with session(db_path) as db:
        return edits.edit_code(db, question_id, code_id, actor=actor, name=name, definition=definition,
                               sentiment=sentiment, category=category)


def add_code(question_id: str, *, name: str, category: str, actor: str, definition: str | None = None,
             sentiment: str = "Neutral", db_path: str | Path | None = None) -> str:
    with session(db_path) as db:
        return edits.add_code(db, question_id, name=name, category=category, definition=definition,
                              sentiment=sentiment, actor=actor)


def merge_codes(question_id: str, source_code_id: str, target_code_id: str, *, actor: str,
                db_path: str | Path | None = None) -> dict[str, Any]:
    with session(db_path) as db:
        return edits.merge_codes(db, question_id, source_code_id, target_code_id, actor=actor)


def split_code(question_id: str, code_id: str, *, new_name: str, response_ids: list[int], actor: str,
               db_path: str | Path | None = None) -> str:
    with session(db_path) as db:
        return edits.split_code(db, question_id, code_id, new_name=new_name, response_ids=response_ids, actor=actor)


def delete_code(question_id: str, code_id: str, *, actor: str, db_path: str | Path | None = None) -> None:
    with session(db_path) as db:
        edits.delete_code(db, question_id, code_id, actor=actor)


def rename_category(question_id: str, category_id: str, new_name: str, *, actor: str,
                    db_path: str | Path | None = None) -> None:
    with session(db_path) as db:
        edits.rename_category(db, question_id, category_id, new_name, actor=actor)


def undo_last(question_id: str, *, actor: str, db_path: str | Path | None = None) -> dict[str, Any] | None:
    """Undo the question's newest standing change (None when there is nothing to undo)."""
    with session(db_path) as db:
        return history.undo_last(db, question_id, actor)


def undo_change(event_id: int, *, actor: str, db_path: str | Path | None = None) -> dict[str, Any]:
    """Undo one change from the history (refused when a later change touched the same rows)."""
    with session(db_path) as db:
        return history.undo_event(db, event_id, actor)


def import_codebook(question_id: str, codebook: CodebookIn, *, actor: str,
                    db_path: str | Path | None = None) -> dict[str, int]:
    """Bring a codebook into a question: all of it when the question has none yet, otherwise only the
    codes whose names are new, each an undoable "add code" (existing codes are kept as they are).
    All or nothing: one transaction."""
    with session(db_path) as db:
        if not codebooks.has_codebook(db, question_id):
            with write(db):
                codebooks.save_given_codebook(db, question_id, codebook, actor)
            projects.set_question_status(db, question_id, "codebook_ready")
            return {"added": codebook.code_count(), "skipped": 0}
        added = skipped = 0
        with write(db):
            existing = {r["name"].casefold() for r in rows(db, "SELECT name FROM codes WHERE question_id = ?",
                                                           (question_id,))}
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


def codebook_file(question_id: str, fmt: Literal["json", "csv"] = "json", *, with_training: bool = False,
                  db_path: str | Path | None = None) -> str:
    """The question's codebook as the API's JSON (``CodebookIn``) or as a CSV (category, code,
    definition, sentiment); both import back."""
    book = codebook_request(question_id, with_training=with_training, db_path=db_path)
    return book.model_dump_json(indent=2) if fmt == "json" else export_codebook_csv(book)


def codebook_request(question_id: str, *, with_training: bool = False,
                     db_path: str | Path | None = None) -> CodebookIn:
    """The question's codebook as a request body (``with_training``: its coded answers as examples),
    e.g. to reuse it for the next wave."""
    with session(db_path) as db:
        return codebooks.codebook_as_request(db, question_id, with_training=with_training)
