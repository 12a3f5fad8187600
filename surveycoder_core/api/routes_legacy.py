"""Routes: the legacy ``POST /v1/code`` of the getting-started guide, on the v2 pipeline; the free
cost quote ``POST /v1/codebook/estimate``; and the project flow's ``POST /v1/codebook/generate``
(draft a stored question's codebook without coding) and ``GET /v1/projects/{id}/questions/{qid}``.

v1 took answers as plain strings and a flat codebook (``[{code, category}]``) and answered with
``{codebook: [{code, category, count}], coded: [{response, codes: [names]}]}``. Here the strings get
ids ``r1 … rN`` in order, the request runs through the same service as ``POST /v2/code`` (always
inline, as v1 did), and the answer is reshaped; ``project_id`` / ``question_id`` are added so the
result can be exported, refined and reviewed like any other.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import ValidationError as PydanticValidationError

from surveycoder_core import service
from surveycoder_core.api.envelopes import ok
from surveycoder_core.api.models import (
    DataEnvelope,
    EstimateIn,
    LegacyCodeIn,
    QuestionRef,
    error_responses,
    shown_credits,
)
from surveycoder_core.api.routes_code import Caller, api_key_header, caller, credits_remaining
from surveycoder_core.errors import from_pydantic
from surveycoder_core.schemas import CodeRequest, CodeResultData, ResponseIn
from surveycoder_core.service import access
from surveycoder_core.service import projects as project_service

router = APIRouter(dependencies=[Depends(api_key_header)])

DEFAULT_CATEGORY = "General"


def to_code_request(body: LegacyCodeIn) -> CodeRequest:
    """The v2 request for a v1 body (codes grouped by category, in the order given)."""
    payload: dict[str, Any] = {
        "responses": [{"id": f"r{i}", "text": text} for i, text in enumerate(body.responses, start=1)],
        "coding_type": body.coding_type,
        "language": body.language,
        "question_text": body.question,
    }
    if body.codebook:
        categories: dict[str, list[dict[str, str]]] = {}
        for item in body.codebook:
            category = (item.category or "").strip() or DEFAULT_CATEGORY
            categories.setdefault(category, []).append({"name": item.code})
        payload["codebook"] = {"categories": [{"name": n, "codes": c} for n, c in categories.items()]}
    try:
        return CodeRequest.model_validate(payload)
    except PydanticValidationError as exc:
        raise from_pydantic(exc) from exc


def to_legacy(data: CodeResultData, texts: list[str]) -> dict[str, Any]:
    by_id = {r.id: r for r in data.results}
    codebook = [
        {"code": code.name, "category": category.name, "count": code.frequency}
        for category in data.codebook
        for code in category.codes
    ]
    coded = []
    for i, text in enumerate(texts, start=1):
        item = by_id.get(f"r{i}")
        coded.append({"response": text, "codes": [c.name for c in item.codes] if item else []})
    return {"codebook": codebook, "coded": coded, "credits_used": data.credits_used,
            "project_id": data.project_id, "question_id": data.question_id}


@router.post("/v1/code", summary="Legacy v1: code plain-string answers (runs inline; prefer /v2/code)",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 402, 403, 422, 429, 500)})
def code_v1(body: LegacyCodeIn, c: Caller = Depends(caller)) -> JSONResponse:
    result = service.code_request(to_code_request(body), db_path=c.db_path, org_id=c.org_id, actor=c.actor,
                                  source="api")
    data = to_legacy(result.data, body.responses)
    return ok(c.request, data, credits_used=data["credits_used"],
              credits_remaining=credits_remaining(c.db_path, c.org_id))


@router.post("/v1/codebook/estimate", summary="Free cost quote: credits a coding run of these answers would use",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 422, 429, 500)})
def estimate(body: EstimateIn, c: Caller = Depends(caller)) -> JSONResponse:
    answers = [r if isinstance(r, ResponseIn) else ResponseIn(id=f"r{i}", text=r)
               for i, r in enumerate(body.responses, start=1)]
    data = access.estimate_credits(answers, c.org_id, db_path=c.db_path)  # the same cleaning and dedup as coding
    data["credits_remaining"] = shown_credits(data["credits_remaining"])
    return ok(c.request, data)


def question_state(c: Caller, project_id: str, question_id: str) -> dict[str, Any]:
    return project_service.question_state(project_id, question_id, org_id=c.org_id, db_path=c.db_path)


@router.get("/v1/projects/{project_id}/questions/{question_id}",
            summary="A question's state: has_codebook, coded_count, status",
            responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 429, 500)})
def get_question_state(project_id: str, question_id: str, c: Caller = Depends(caller)) -> JSONResponse:
    return ok(c.request, question_state(c, project_id, question_id))


@router.post("/v1/codebook/generate",
             summary="Draft a stored question's codebook from its answers (free; codes nothing)",
             responses={200: {"model": DataEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def generate_codebook(body: QuestionRef, c: Caller = Depends(caller)) -> JSONResponse:
    question_state(c, body.project_id, body.question_id)  # 404 unless it is the caller's question
    service.draft_codebook(body.question_id, db_path=c.db_path, actor=c.actor)
    return ok(c.request, question_state(c, body.project_id, body.question_id))
