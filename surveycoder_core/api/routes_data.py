"""Routes: exports, refinement suggestions, projects.

A project (and its questions) is visible to keys of the organisation that owns it; the
self-hosted ``default`` organisation also owns everything made in the app, so a project coded
through the API opens in the app and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlite_utils
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from surveycoder_core import service
from surveycoder_core.api.envelopes import ok
from surveycoder_core.api.models import (
    ApplyIn,
    BulkApplyIn,
    DataEnvelope,
    ExportOptionsIn,
    ListEnvelope,
    ProjectIn,
    QuestionRef,
    RefinementExportIn,
    ResolveIn,
    SuggestionsIn,
    UndoIn,
    error_responses,
)
from surveycoder_core.api.routes_code import Caller, api_key_header, caller
from surveycoder_core.db import projects
from surveycoder_core.db.store import session
from surveycoder_core.engines import get_engine
from surveycoder_core.errors import NotFoundError
from surveycoder_core.refinement import suggestions as refine

if TYPE_CHECKING:
    from surveycoder_core.exports.model import ExportOptions, ExportQuestion

router = APIRouter(dependencies=[Depends(api_key_header)])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
_DOWNLOAD: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}, CSV: {}}, "description": "The file"}}
_OVERRIDES = ("override_name", "override_definition", "override_sentiment", "override_category_id",
              "dismiss_reason")


def _owned_project(db: sqlite_utils.Database, c: Caller, project_id: str) -> dict[str, Any]:
    project = projects.get_project(db, project_id)
    if project["org_id"] != c.org_id:
        raise NotFoundError(f"Project not found: {project_id}")  # other organisations' projects do not exist
    return project


@contextmanager
def owned_question(c: Caller, ref: QuestionRef) -> Iterator[sqlite_utils.Database]:
    """A connection, once the question is known to belong to the project and the caller."""
    with session(c.db_path) as db:
        _owned_project(db, c, ref.project_id)
        projects.get_question(db, ref.question_id, project_id=ref.project_id)
        yield db


def _filename(name: str, suffix: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80] or "export"
    return f"{safe}{suffix}"


def _download(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(content=content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _export_questions(c: Caller, body: ExportOptionsIn) -> tuple[list[ExportQuestion], ExportOptions]:
    with session(c.db_path) as db:
        _owned_project(db, c, body.project_id)
    questions = service.export_questions(body.project_id, body.question_ids, db_path=c.db_path)
    from surveycoder_core.exports import files as exports  # pandas: loaded on the first export

    options = exports.ExportOptions(
        layout=body.layout, include_categories=body.include_categories, include_sentiment=body.include_sentiment,
        include_confidence=body.include_confidence, include_demographics=body.include_demographics,
        include_code_dictionary=body.include_code_dictionary)
    return questions, options


@router.post("/v2/export/excel", summary="Coded results as .xlsx", response_class=Response,
             responses={**_DOWNLOAD, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def export_excel(body: ExportOptionsIn, c: Caller = Depends(caller)) -> Response:
    from surveycoder_core.exports import files as exports

    questions, options = _export_questions(c, body)
    content = exports.export_xlsx(questions, options)
    return _download(content, XLSX, _filename(questions[0].project_name, "_coded.xlsx"))


@router.post("/v2/export/csv", summary="Coded results as CSV", response_class=Response,
             responses={**_DOWNLOAD, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def export_csv(body: ExportOptionsIn, c: Caller = Depends(caller)) -> Response:
    from surveycoder_core.exports import files as exports

    questions, options = _export_questions(c, body)
    content = exports.export_csv(questions, options)
    return _download(content, CSV, _filename(questions[0].project_name, "_coded.csv"))


# ---------------------------------------------------------------- refinement


@router.post("/v2/refinement/suggestions", summary="Run (or return the cached) refinement suggestions",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_suggestions(body: SuggestionsIn, c: Caller = Depends(caller)) -> JSONResponse:
    with owned_question(c, body) as db:
        cached = bool(refine.list_suggestions(db, body.question_id, "pending")) and not body.force
        # Refinement is free (codebook work is never charged), force=True included.
        found = refine.generate_suggestions(db, body.question_id, get_engine(db_path=c.db_path), force=body.force,
                                            actor=c.actor)
        summary = refine.suggestion_summary(db, body.question_id)
    data = {"project_id": body.project_id, "question_id": body.question_id, "cached": cached,
            "summary": summary, "suggestions": found}
    return ok(c.request, data, count=len(found))


@router.post("/v2/refinement/apply", summary="Apply one suggestion (its recommended action, with overrides)",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_apply(body: ApplyIn, c: Caller = Depends(caller)) -> JSONResponse:
    sid = body.suggestion.id
    given = body.suggestion.model_dump()
    overrides = {k: given[k] for k in _OVERRIDES if given.get(k) is not None}
    with owned_question(c, body) as db:
        data = refine.apply_suggestion(db, body.question_id, sid, actor=c.actor, overrides=overrides or None)
    return ok(c.request, data)


@router.post("/v2/refinement/resolve", summary="Resolve a suggestion: create_new, assign_existing, merge, dismiss",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_resolve(body: ResolveIn, c: Caller = Depends(caller)) -> JSONResponse:
    # Omitted code ids default to the suggestion's own (a merge suggestion names both); refine checks them.
    with owned_question(c, body) as db:
        data = refine.resolve_suggestion(
            db, body.question_id, body.suggestion_id, body.action, actor=c.actor, target_code_id=body.target_code_id,
            source_code_id=body.source_code_id, dismiss_reason=body.dismiss_reason)
    return ok(c.request, data)


@router.post("/v2/refinement/undo", summary="Undo a resolved suggestion (reverts its changes, reopens it)",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_undo(body: UndoIn, c: Caller = Depends(caller)) -> JSONResponse:
    with owned_question(c, body) as db:
        data = refine.undo_suggestion(db, body.question_id, body.suggestion_id, actor=c.actor)
    return ok(c.request, data)


@router.post("/v2/refinement/bulk-apply", summary="Apply many new_code suggestions",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_bulk_apply(body: BulkApplyIn, c: Caller = Depends(caller)) -> JSONResponse:
    with owned_question(c, body) as db:
        data = refine.bulk_apply(db, body.question_id, actor=c.actor, suggestion_ids=body.suggestion_ids,
                                 min_confidence=body.min_confidence, action=body.action)
    return ok(c.request, data)


@router.post("/v2/refinement/export", summary="Every suggestion as .xlsx (Summary/Pending/Applied/Dismissed) or CSV",
             response_class=Response, responses={**_DOWNLOAD, **error_responses(401, 403, 404, 422, 429, 500)})
def refinement_export(body: RefinementExportIn, c: Caller = Depends(caller)) -> Response:
    from surveycoder_core.exports import files as exports

    with owned_question(c, body) as db:
        suggestions = refine.suggestions_for_export(db, body.question_id)
        name = projects.get_project(db, body.project_id)["name"]
    if body.format == "csv":
        return _download(exports.export_suggestions_csv(suggestions), CSV, _filename(name, "_refinement.csv"))
    return _download(exports.export_suggestions_xlsx(suggestions), XLSX, _filename(name, "_refinement.xlsx"))


# ---------------------------------------------------------------- projects


def _project_out(p: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "name", "language", "coding_type", "status", "objective", "country", "category", "source",
            "created_at", "updated_at")
    out = {k: p.get(k) for k in keep}
    out["questions"] = [
        {"id": q["id"], "text": q["text"], "status": q["status"], "coding_type": q["coding_type"],
         "language": q["language"], "response_count": q.get("response_count", 0), "coded": q.get("coded", 0),
         "code_count": q.get("code_count", 0), "credits_used": q.get("credits_used", 0)}
        for q in p.get("questions", [])
    ]
    return out


@router.post("/v2/projects", summary="Create an empty project (add its answers in the app or with /v2/code)",
             status_code=201, responses={201: {"model": DataEnvelope}, **error_responses(401, 403, 422, 429, 500)})
def create_project(body: ProjectIn, c: Caller = Depends(caller)) -> JSONResponse:
    with session(c.db_path) as db:
        project_id = projects.create_project(
            db, name=body.name, language=body.language, coding_type=body.coding_type, objective=body.objective,
            source="api", org_id=c.org_id, actor=c.actor,
        )
        project = projects.get_project(db, project_id)
        project["questions"] = []
    return ok(c.request, _project_out(project), status_code=201)


@router.get("/v2/projects", summary="List projects",
            responses={200: {"model": ListEnvelope}, **error_responses(401, 403, 429, 500)})
def list_projects(c: Caller = Depends(caller)) -> JSONResponse:
    with session(c.db_path) as db:
        data = [_project_out(p) for p in projects.list_projects(db, c.org_id)]
    return ok(c.request, data, count=len(data))


@router.get("/v2/projects/{project_id}", summary="A project and its questions",
            responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 429, 500)})
def get_project(project_id: str, c: Caller = Depends(caller)) -> JSONResponse:
    with session(c.db_path) as db:
        project = _owned_project(db, c, project_id)
        project["questions"] = projects.list_questions(db, project_id)
    return ok(c.request, _project_out(project))
