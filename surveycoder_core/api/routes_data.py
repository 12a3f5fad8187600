"""Routes: exports, refinement suggestions, projects.

A project (and its questions) is visible to keys of the organisation that owns it; the
self-hosted ``default`` organisation also owns everything made in the app, so a project coded
through the API opens in the app and the other way round.
"""

from __future__ import annotations

from typing import Any, Literal

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
from surveycoder_core.service import projects as workspace
from surveycoder_core.service import refinement

router = APIRouter(dependencies=[Depends(api_key_header)])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
_DOWNLOAD: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}, CSV: {}}, "description": "The file"}}
_OVERRIDES = ("override_name", "override_definition", "override_sentiment", "override_category_id",
              "dismiss_reason")


def _scope(c: Caller, ref: QuestionRef) -> dict[str, Any]:
    """The service's arguments that make another organisation's (or project's) question not found."""
    return {"project_id": ref.project_id, "org_id": c.org_id, "db_path": c.db_path}


def _download(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(content=content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _export(c: Caller, body: ExportOptionsIn, fmt: Literal["csv", "xlsx"]) -> Response:
    content, filename, media_type = service.export_file(
        body.project_id, fmt=fmt, layout=body.layout, question_ids=body.question_ids,
        include_categories=body.include_categories, include_sentiment=body.include_sentiment,
        include_confidence=body.include_confidence, include_demographics=body.include_demographics,
        include_code_dictionary=body.include_code_dictionary, org_id=c.org_id, db_path=c.db_path)
    return _download(content, media_type, filename)


@router.post("/v2/export/excel", summary="Coded results as .xlsx", response_class=Response,
             responses={**_DOWNLOAD, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def export_excel(body: ExportOptionsIn, c: Caller = Depends(caller)) -> Response:
    return _export(c, body, "xlsx")


@router.post("/v2/export/csv", summary="Coded results as CSV", response_class=Response,
             responses={**_DOWNLOAD, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def export_csv(body: ExportOptionsIn, c: Caller = Depends(caller)) -> Response:
    return _export(c, body, "csv")


# ---------------------------------------------------------------- refinement


@router.post("/v2/refinement/suggestions", summary="Run (or return the cached) refinement suggestions",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_suggestions(body: SuggestionsIn, c: Caller = Depends(caller)) -> JSONResponse:
    # Refinement is free (codebook work is never charged), force=True included.
    out = refinement.find_suggestions(body.question_id, force=body.force, actor=c.actor, **_scope(c, body))
    data = {"project_id": body.project_id, "question_id": body.question_id, **out}
    return ok(c.request, data, count=len(out["suggestions"]))


@router.post("/v2/refinement/apply", summary="Apply one suggestion (its recommended action, with overrides)",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_apply(body: ApplyIn, c: Caller = Depends(caller)) -> JSONResponse:
    given = body.suggestion.model_dump()
    overrides = {k: given[k] for k in _OVERRIDES if given.get(k) is not None}
    data = refinement.apply_suggestion(body.question_id, body.suggestion.id, actor=c.actor,
                                       overrides=overrides or None, **_scope(c, body))
    return ok(c.request, data)


@router.post("/v2/refinement/resolve", summary="Resolve a suggestion: create_new, assign_existing, merge, dismiss",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_resolve(body: ResolveIn, c: Caller = Depends(caller)) -> JSONResponse:
    # Omitted code ids default to the suggestion's own (a merge suggestion names both); refine checks them.
    data = refinement.resolve_suggestion(
        body.question_id, body.suggestion_id, body.action, actor=c.actor, target_code_id=body.target_code_id,
        source_code_id=body.source_code_id, dismiss_reason=body.dismiss_reason, **_scope(c, body))
    return ok(c.request, data)


@router.post("/v2/refinement/undo", summary="Undo a resolved suggestion (reverts its changes, reopens it)",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_undo(body: UndoIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = refinement.undo_suggestion(body.question_id, body.suggestion_id, actor=c.actor, **_scope(c, body))
    return ok(c.request, data)


@router.post("/v2/refinement/bulk-apply", summary="Apply many new_code suggestions",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def refinement_bulk_apply(body: BulkApplyIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = refinement.bulk_apply(body.question_id, actor=c.actor, suggestion_ids=body.suggestion_ids,
                                 min_confidence=body.min_confidence, action=body.action, **_scope(c, body))
    return ok(c.request, data)


@router.post("/v2/refinement/export", summary="Every suggestion as .xlsx (Summary/Pending/Applied/Dismissed) or CSV",
             response_class=Response, responses={**_DOWNLOAD, **error_responses(401, 403, 404, 422, 429, 500)})
def refinement_export(body: RefinementExportIn, c: Caller = Depends(caller)) -> Response:
    content, filename, media_type = refinement.suggestions_file(body.question_id, body.format, **_scope(c, body))
    return _download(content, media_type, filename)


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
    project = workspace.create_project(name=body.name, language=body.language, coding_type=body.coding_type,
                                       objective=body.objective, source="api", org_id=c.org_id, actor=c.actor,
                                       db_path=c.db_path)
    return ok(c.request, _project_out(project), status_code=201)


@router.get("/v2/projects", summary="List projects",
            responses={200: {"model": ListEnvelope}, **error_responses(401, 403, 429, 500)})
def list_projects(c: Caller = Depends(caller)) -> JSONResponse:
    data = [_project_out(p) for p in workspace.organisation_projects(org_id=c.org_id, db_path=c.db_path)]
    return ok(c.request, data, count=len(data))


@router.get("/v2/projects/{project_id}", summary="A project and its questions",
            responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 429, 500)})
def get_project(project_id: str, c: Caller = Depends(caller)) -> JSONResponse:
    return ok(c.request, _project_out(workspace.organisation_project(project_id, org_id=c.org_id,
                                                                     db_path=c.db_path)))
