"""Refinement use cases, for the app's Refine page and the API's /v2/refinement/* routes alike.

Finding suggestions builds the engine and runs the refinement agent here, once for both callers.
With ``project_id`` (and ``org_id``, the API caller's organisation) the question must belong to that
project (and organisation), else it is not found. Each resolution is one transaction and one undo entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from surveycoder_core.db.codebooks import code_rows
from surveycoder_core.db.store import session
from surveycoder_core.engine_api import Engine
from surveycoder_core.refinement import suggestions as refine
from surveycoder_core.refinement.suggestions import KINDS, suggestion_title

__all__ = ["KINDS", "apply_suggestion", "bulk_apply", "bulk_apply_all", "find_suggestions", "refinement_screen",
           "resolve_suggestion", "suggestion_title", "suggestions_file", "undo_suggestion"]


@contextmanager
def _question(question_id: str, project_id: str | None, org_id: str | None,
              db_path: str | Path | None) -> Iterator[sqlite_utils.Database]:
    with session(db_path) as db:
        if project_id is not None:
            from surveycoder_core.service.review import check_question

            check_question(db, project_id, question_id, org_id)
        yield db


def refinement_screen(question_id: str, *, db_path: str | Path | None = None) -> dict[str, Any]:
    """The Refine page's read model: the codebook (id -> code) and every suggestion, pending or resolved."""
    with session(db_path) as db:
        return {"codes": {c["id"]: c for c in code_rows(db, question_id)},
                "suggestions": refine.list_suggestions(db, question_id)}


def find_suggestions(
    question_id: str, *, force: bool = False, actor: str = "app", project_id: str | None = None,
    org_id: str | None = None, engine: Engine | None = None, db_path: str | Path | None = None,
) -> dict[str, Any]:
    """Run the refinement agent (or return the pending set when there is one and not ``force``):
    ``{cached, summary, suggestions}``. Free: codebook work is never charged."""
    with _question(question_id, project_id, org_id, db_path) as db:
        cached = bool(refine.list_suggestions(db, question_id, "pending")) and not force
        if engine is None:
            from surveycoder_core.service.settings import build_engine

            engine = build_engine(db_path)
        found = refine.generate_suggestions(db, question_id, engine, force=force, actor=actor)
        summary = refine.suggestion_summary(db, question_id)
    return {"cached": cached, "summary": summary, "suggestions": found}


def apply_suggestion(
    question_id: str, suggestion_id: str, *, actor: str, overrides: dict[str, Any] | None = None,
    project_id: str | None = None, org_id: str | None = None, db_path: str | Path | None = None,
) -> dict[str, Any]:
    """Perform the suggestion's recommended action (``overrides``: override_name/definition/…)."""
    with _question(question_id, project_id, org_id, db_path) as db:
        return refine.apply_suggestion(db, question_id, suggestion_id, actor=actor, overrides=overrides)


def resolve_suggestion(
    question_id: str, suggestion_id: str, action: str, *, actor: str, target_code_id: str | None = None,
    source_code_id: str | None = None, dismiss_reason: str | None = None, project_id: str | None = None,
    org_id: str | None = None, db_path: str | Path | None = None,
) -> dict[str, Any]:
    """Resolve a pending suggestion with an explicit action: create_new, assign_existing, merge, dismiss."""
    with _question(question_id, project_id, org_id, db_path) as db:
        return refine.resolve_suggestion(db, question_id, suggestion_id, action, actor=actor,
                                         target_code_id=target_code_id, source_code_id=source_code_id,
                                         dismiss_reason=dismiss_reason)


def undo_suggestion(
    question_id: str, suggestion_id: str, *, actor: str, project_id: str | None = None, org_id: str | None = None,
    db_path: str | Path | None = None,
) -> dict[str, Any]:
    """Revert what resolving the suggestion changed and set it back to pending."""
    with _question(question_id, project_id, org_id, db_path) as db:
        return refine.undo_suggestion(db, question_id, suggestion_id, actor=actor)


def bulk_apply(
    question_id: str, *, actor: str, suggestion_ids: list[str] | None = None, min_confidence: float | None = None,
    action: str = "create_new", project_id: str | None = None, org_id: str | None = None,
    db_path: str | Path | None = None,
) -> dict[str, Any]:
    """Apply many pending suggestions recommending ``action``; each is its own undo entry, and one
    failure never stops the rest."""
    with _question(question_id, project_id, org_id, db_path) as db:
        return refine.bulk_apply(db, question_id, actor=actor, suggestion_ids=suggestion_ids,
                                 min_confidence=min_confidence, action=action)


def suggestions_file(
    question_id: str, fmt: str = "xlsx", *, project_id: str | None = None, org_id: str | None = None,
    db_path: str | Path | None = None,
) -> tuple[bytes | str, str, str]:
    """Every suggestion of the question as a file: (content, file name, media type); ``xlsx`` has
    Summary/Pending/Applied/Dismissed sheets, ``csv`` one table with a status column."""
    from surveycoder_core.db.projects import get_project, get_question
    from surveycoder_core.exports import files as exports
    from surveycoder_core.service.export import MEDIA_TYPES, export_filename

    with _question(question_id, project_id, org_id, db_path) as db:
        suggestions = refine.suggestions_for_export(db, question_id)
        name = get_project(db, get_question(db, question_id)["project_id"])["name"]
    if fmt == "csv":
        return exports.export_suggestions_csv(suggestions), export_filename(name, "csv", "refinement"), \
            MEDIA_TYPES["csv"]
    return exports.export_suggestions_xlsx(suggestions), export_filename(name, "xlsx", "refinement"), \
        MEDIA_TYPES["xlsx"]


def bulk_apply_all(question_id: str, *, min_confidence: float, actor: str,
                   db_path: str | Path | None = None) -> int:
    """Apply every pending suggestion with at least ``min_confidence``, whatever it recommends (dismissals
    aside); returns how many were applied."""
    applied = 0
    with session(db_path) as db:
        pending = refine.list_suggestions(db, question_id, "pending")
        for action in sorted({s["action"] for s in pending if s["action"] != "dismiss"}):
            out = refine.bulk_apply(db, question_id, actor=actor, min_confidence=min_confidence, action=action)
            applied += len(out["applied"])
    return applied
