"""Use cases for the command line's projects and files: list projects, find one, export it to a file.

A project is named by its id or, for people at a terminal, by its exact name (when only one project
has it). Exports are the API's and the app's own (``exports``): the same layouts, the same columns,
the human decisions in every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from surveycoder_core.db import projects
from surveycoder_core.db.store import session
from surveycoder_core.errors import NotFoundError, ValidationError
from surveycoder_core.schemas import EXPORT_LAYOUTS

FileFormat = Literal["csv", "xlsx", "sav"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "sav": "application/x-spss-sav"}


def _question_out(q: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "text", "status", "coding_type", "language", "response_count", "coded", "uncoded", "no_data",
            "reviewed", "code_count", "credits_used")
    return {k: q.get(k) for k in keep}


def list_projects(*, org_id: str | None = None, db_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every project (of ``org_id`` when given), newest first, with its questions and their sizes."""
    with session(db_path) as db:
        found = projects.list_projects(db, org_id)
    keep = ("id", "name", "status", "language", "coding_type", "source", "objective", "created_at", "updated_at")
    return [{**{k: p.get(k) for k in keep}, "questions": [_question_out(q) for q in p["questions"]]} for p in found]


def find_project(ref: str, *, org_id: str | None = None, db_path: str | Path | None = None) -> dict[str, Any]:
    """The project with this id, or else the only one with this exact name (any case)."""
    ref = (ref or "").strip()
    every = list_projects(org_id=org_id, db_path=db_path)
    by_id = [p for p in every if p["id"] == ref]
    if by_id:
        return by_id[0]
    named = [p for p in every if p["name"].casefold() == ref.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        raise ValidationError(f"{len(named)} projects are called {ref!r}; name one by its id: "
                              + ", ".join(p["id"] for p in named))
    raise NotFoundError(f"Project not found: {ref} (give a project id or name; `surveycoder projects list` lists them)")


def find_question(project: dict[str, Any], ref: str | None = None) -> dict[str, Any]:
    """The project's question with this id; with none given, its only question."""
    questions = project["questions"]
    if ref:
        for q in questions:
            if q["id"] == ref.strip():
                return q
        raise NotFoundError(f"Question not found in project {project['name']!r}: {ref}")
    if len(questions) == 1:
        return questions[0]
    if not questions:
        raise ValidationError(f"project {project['name']!r} has no question yet")
    listed = "; ".join(f"{q['id']} ({(q['text'] or 'no question text')[:40]})" for q in questions)
    raise ValidationError(f"project {project['name']!r} has {len(questions)} questions; pick one with --question: "
                          + listed)


def export_filename(project_name: str, fmt: str, what: str = "coded") -> str:
    """A safe download name for one of a project's files: ``<project>_<what>.<fmt>``."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", project_name).strip("_")[:80] or "export"
    return f"{safe}_{what}.{fmt}"


def export_file(
    project_id: str, *, fmt: FileFormat = "csv", layout: str = "wide_by_question",
    question_ids: Sequence[str] | None = None, include_categories: bool = True, include_sentiment: bool = False,
    include_confidence: bool = True, include_demographics: bool = True, include_code_dictionary: bool = True,
    org_id: str | None = None, db_path: str | Path | None = None, bom: bool = False,
) -> tuple[bytes, str, str]:
    """The coded project as a file: (content, suggested file name, media type).

    ``layout`` applies to CSV and XLSX; an SPSS file always has one 0/1 variable per code (plus the
    reviewed flag and reviewer of each question). ``bom`` starts a CSV with a byte-order mark (Excel
    then reads it as UTF-8).
    """
    from surveycoder_core.exports import files as exports  # pandas: loaded on the first export
    from surveycoder_core.service.coding import export_questions

    if fmt not in MEDIA_TYPES:
        raise ValidationError(f"format must be one of {', '.join(MEDIA_TYPES)}, got {fmt!r}")
    if layout not in exports.LAYOUTS:
        raise ValidationError(f"layout {layout!r} is not known; layouts are {', '.join(exports.LAYOUTS)}")
    with session(db_path) as db:
        project = projects.get_project(db, project_id, org_id=org_id)
    questions = export_questions(project_id, question_ids, db_path=db_path)
    options = exports.ExportOptions(
        layout=layout, include_categories=include_categories, include_sentiment=include_sentiment,
        include_confidence=include_confidence, include_demographics=include_demographics,
        include_code_dictionary=include_code_dictionary)
    if fmt == "csv":
        content = exports.export_csv(questions, options, bom=bom).encode("utf-8")
    elif fmt == "xlsx":
        content = exports.export_xlsx(questions, options)
    else:
        content = exports.export_sav(questions)
    return content, export_filename(project["name"], fmt), MEDIA_TYPES[fmt]


# ---------------------------------------------------------------- the app's Export page

LAYOUTS = EXPORT_LAYOUTS


def export_screen(question_id: str, *, db_path: str | Path | None = None) -> dict[str, Any]:
    """The Export page's read model: the open question's project and that project's coded questions."""
    with session(db_path) as db:
        question = projects.get_question(db, question_id)
        project = projects.get_project(db, question["project_id"])
        questions = projects.list_questions(db, project["id"])
    return {"project": project, "coded": {q["id"]: q for q in questions if q["code_count"]}}


def export_preview(project_id: str, question_ids: Sequence[str], *, rows: int = 20, layout: str = "wide_by_question",
                   db_path: str | Path | None = None, **options: bool) -> Any:
    """The first rows of the coded-responses table as the file would hold them (a DataFrame)."""
    from surveycoder_core.exports import files as exports
    from surveycoder_core.service.coding import export_questions

    model = export_questions(project_id, question_ids, db_path=db_path)
    return exports.build_table(model, exports.ExportOptions(layout=layout, **options)).head(rows)


def result_json(question_id: str, *, db_path: str | Path | None = None) -> str:
    """The question's results in the API's result envelope (what POST /v2/code returns)."""
    from surveycoder_core.exports import files as exports
    from surveycoder_core.service.coding import get_result

    return exports.export_json(get_result(question_id, db_path=db_path))


def review_log_csv(question_id: str, *, db_path: str | Path | None = None) -> str:
    """Every review decision of the question, oldest first (undone ones say so)."""
    from surveycoder_core.exports import files as exports
    from surveycoder_core.human_review.queue import review_log

    with session(db_path) as db:
        return exports.export_review_log_csv(review_log(db, question_id))


def suggestions_xlsx(question_id: str, *, db_path: str | Path | None = None) -> bytes:
    """Every refinement suggestion of the question (Summary/Pending/Applied/Dismissed sheets)."""
    from surveycoder_core.exports import files as exports
    from surveycoder_core.refinement.suggestions import suggestions_for_export

    with session(db_path) as db:
        return exports.export_suggestions_xlsx(suggestions_for_export(db, question_id))
