"""Routes: human review over the API, in the style of the refinement family.

``POST /v2/review/queue`` (what to review), ``/decide`` (a reviewer's final codes, with optimistic
concurrency on the response's ``version``), ``/agreement`` (engine against reviewers) and ``/recode``
(recode the unreviewed answers, learning from the decisions). Each takes ``project_id`` and
``question_id`` in the body and answers with the seed's envelope; each is a thin call into the
review use cases (``service.review``), which the CLI's ``surveycoder review`` calls too.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from surveycoder_core import service
from surveycoder_core.api.envelopes import ok
from surveycoder_core.api.models import QuestionRef, error_responses
from surveycoder_core.api.routes_code import Caller, api_key_header, caller
from surveycoder_core.schemas import (
    AgreementQueue,
    Confidence,
    Meta,
    ResponseStatus,
    ReviewDecision,
    ReviewQueue,
    Sentiment,
)

router = APIRouter(dependencies=[Depends(api_key_header)])

# ---------------------------------------------------------------- bodies


class ReviewQueueIn(QuestionRef):
    queue: ReviewQueue = Field(
        "flagged", description="flagged: what the engine flagged, not yet decided; audit: the question's random "
                               "audit sample, not yet decided; all: every codable response")
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0)
    include_reviewed: bool = Field(False, description="keep decided responses in the flagged and audit queues")


class ReviewCodeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(None, min_length=1, max_length=500, pattern=r"\S",
                             description="the code's name (any case)")
    code_id: str | None = Field(None, min_length=1, description="or the code's id")
    sentiment: str | None = Field(None, description="Positive, Negative, Neutral or Mixed; default: the code's "
                                                    "sentiment on this response, else its expected one")

    @model_validator(mode="after")
    def _named(self) -> ReviewCodeIn:
        if not self.name and not self.code_id:
            raise ValueError("each code needs a name (or a code_id)")
        return self


class ReviewDecideIn(QuestionRef):
    response_id: str = Field(min_length=1, description="the response's id as given to /v2/code or in the table")
    codes: list[ReviewCodeIn] = Field(max_length=200, description="the final codes in mention order; the codes "
                                                                  "as they are accept the engine's coding")
    reviewer: str = Field(min_length=1, max_length=200, pattern=r"\S",
                          description="who decides (recorded with the decision)")
    version: int = Field(ge=0, description="the response's version as the queue showed it")


class ReviewAgreementIn(QuestionRef):
    queue: AgreementQueue = Field("all", description="all reviewed responses, or the audit sample's")


class ReviewRecodeIn(QuestionRef):
    pass


# ---------------------------------------------------------------- answers (they document /openapi.json)


class ReviewCodeOut(BaseModel):
    name: str
    code_id: str
    sentiment: Sentiment
    confidence: Confidence | None = Field(description="null for a code a person chose")
    source: str


class ReviewItemOut(BaseModel):
    response_id: str
    text: str
    status: ResponseStatus | Literal["pending"]
    codes: list[ReviewCodeOut]
    needs_review: bool
    review_reason: str | None
    review_note: str | None
    reviewed: bool
    reviewed_by: str | None
    reviewed_at: str | None
    version: int


class ReviewQueueOut(BaseModel):
    project_id: str
    question_id: str
    queue: str
    items: list[ReviewItemOut]
    count: int
    matching: int
    offset: int
    reviewed: int
    total: int


class DecisionCodeOut(BaseModel):
    name: str
    code_id: str
    sentiment: Sentiment


class ReviewDecisionOut(BaseModel):
    project_id: str
    question_id: str
    response_id: str
    decision: ReviewDecision
    status: ResponseStatus
    codes: list[DecisionCodeOut]
    reviewed: bool
    reviewed_by: str
    reviewed_at: str
    version: int


class AgreementOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    project_id: str
    question_id: str
    scope: Literal["reviewed", "audit"]
    reviewed: int
    micro_f1: float | None
    kappa: float | None
    alpha: float | None
    mean_f1: float | None
    sufficient: bool
    message: str


class RecodeOut(BaseModel):
    project_id: str
    question_id: str
    mode: Literal["inline", "job"]
    job_id: str | None
    status: Literal["completed", "queued"]
    responses: int
    reviewed_kept: int
    threshold: int


def _envelope(name: str, data_model: type[BaseModel]) -> type[BaseModel]:
    """``{success: true, data: <data_model>, meta}`` under its own name in /openapi.json."""
    return create_model(name, success=(Literal[True], ...), data=(data_model, ...), meta=(Meta, ...))


ReviewQueueEnvelope = _envelope("ReviewQueueEnvelope", ReviewQueueOut)
ReviewDecisionEnvelope = _envelope("ReviewDecisionEnvelope", ReviewDecisionOut)
AgreementEnvelope = _envelope("AgreementEnvelope", AgreementOut)
RecodeEnvelope = _envelope("RecodeEnvelope", RecodeOut)

# ---------------------------------------------------------------- routes


@router.post("/v2/review/queue", summary="Responses to review, with how much of the queue is reviewed",
             responses={200: {"model": ReviewQueueEnvelope}, **error_responses(401, 403, 404, 422, 429, 500)})
def review_queue(body: ReviewQueueIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = service.review_queue(body.project_id, body.question_id, queue=body.queue, limit=body.limit,
                                offset=body.offset, include_reviewed=body.include_reviewed, org_id=c.org_id,
                                db_path=c.db_path)
    return ok(c.request, data, count=data["count"])


@router.post("/v2/review/decide",
             summary="A reviewer's final codes for one response (a stale version is a 409 naming who decided it)",
             responses={200: {"model": ReviewDecisionEnvelope}, **error_responses(401, 403, 404, 409, 422, 429, 500)})
def review_decide(body: ReviewDecideIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = service.decide_response(body.project_id, body.question_id, body.response_id,
                                   codes=[code.model_dump() for code in body.codes], reviewer=body.reviewer,
                                   version=body.version, org_id=c.org_id, db_path=c.db_path)
    return ok(c.request, data)


@router.post("/v2/review/agreement", summary="Engine against reviewers: micro-F1, Cohen's kappa, Krippendorff's alpha",
             responses={200: {"model": AgreementEnvelope}, **error_responses(401, 403, 404, 422, 429, 500)})
def review_agreement(body: ReviewAgreementIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = service.review_agreement(body.project_id, body.question_id, audit=body.queue == "audit",
                                    org_id=c.org_id, db_path=c.db_path)
    return ok(c.request, data)


@router.post("/v2/review/recode",
             summary="Recode the unreviewed responses, learning from the decisions (a job from 50 responses)",
             responses={200: {"model": RecodeEnvelope, "description": "Recoded inline (< 50 responses)"},
                        202: {"model": RecodeEnvelope, "description": "A job was queued; poll GET /v2/jobs/{id}"},
                        **error_responses(401, 403, 404, 409, 422, 429, 500)})
def review_recode(body: ReviewRecodeIn, c: Caller = Depends(caller)) -> JSONResponse:
    data = service.recode_question(body.project_id, body.question_id, org_id=c.org_id, db_path=c.db_path,
                                   actor=c.actor)
    if data["job_id"]:
        poll_url = f"/v2/jobs/{data['job_id']}"
        return ok(c.request, data, status_code=202, headers={"Location": poll_url}, mode="async", poll_url=poll_url)
    return ok(c.request, data, mode="sync")


__all__ = ["router"]
