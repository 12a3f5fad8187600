"""Request bodies and response envelopes of the HTTP API (beyond POST /v2/code's, in schemas.py).

They document /openapi.json (schemathesis checks responses against them) and validate bodies.
Unknown fields are ignored, as the upstream API does, so newer SDKs keep working.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from surveycoder_core.errors import ERROR_STATUS
from surveycoder_core.schemas import (
    CodingType,
    ErrorBody,
    ErrorEnvelope,
    ExportLayout,
    Job,
    Meta,
    ProjectCodingType,
    ResponseIn,
)

Layout = ExportLayout
ResolveAction = Literal["create_new", "assign_existing", "merge", "dismiss"]
#: Upstream's "unlimited": self-hosted default organisation has no meter; a big int keeps client arithmetic working.
UNLIMITED_CREDITS = 999_999_999


def shown_credits(balance: int | None) -> int:
    """A balance as the API shows it (``None`` = the unlimited organisation)."""
    return UNLIMITED_CREDITS if balance is None else balance


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ExportOptionsIn(_Body):
    project_id: str = Field(min_length=1)
    question_ids: list[str] | None = None
    layout: Layout = "wide_by_question"
    include_categories: bool = True
    include_sentiment: bool = False
    include_confidence: bool = True
    include_demographics: bool = True
    include_code_dictionary: bool = True


class QuestionRef(_Body):
    project_id: str = Field(min_length=1)
    question_id: str = Field(min_length=1)


class SuggestionsIn(QuestionRef):
    force: bool = False


class SuggestionRef(BaseModel):
    """A suggestion as /v2/refinement/suggestions returned it (extra fields and override_* kept)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)


class ApplyIn(QuestionRef):
    suggestion: SuggestionRef


class ResolveIn(QuestionRef):
    suggestion_id: str = Field(min_length=1)
    action: ResolveAction
    target_code_id: str | None = None
    source_code_id: str | None = None
    dismiss_reason: str | None = None


class UndoIn(QuestionRef):
    suggestion_id: str = Field(min_length=1)


class BulkApplyIn(QuestionRef):
    action: Literal["create_new"] = "create_new"
    suggestion_ids: list[str] | None = None
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class RefinementExportIn(QuestionRef):
    format: Literal["xlsx", "csv"] = "xlsx"


class ProjectIn(_Body):
    """Body of POST /v2/projects."""

    name: str = Field(min_length=1, max_length=200)
    language: str = Field(default="en", min_length=2, max_length=12)
    coding_type: ProjectCodingType = "qualitative"
    objective: str | None = Field(default=None, max_length=2000)


class LegacyCodeItem(_Body):
    code: str = Field(min_length=1, max_length=200)
    category: str | None = Field(default=None, max_length=200)


class LegacyCodeIn(_Body):
    """Body of the legacy POST /v1/code: answers as plain strings, a flat codebook."""

    question: str | None = Field(default=None, max_length=2000)
    responses: list[str] = Field(min_length=1, max_length=10_000)
    codebook: list[LegacyCodeItem] | None = None
    coding_type: CodingType = "qualitative"
    language: str = "en"


class EstimateIn(_Body):
    """Body of POST /v1/codebook/estimate: answers as strings or as {id, text} objects."""

    responses: list[str | ResponseIn] = Field(min_length=1, max_length=10_000)


class WebhookIn(_Body):
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://[^\s/?#]+[^\s]*$")
    events: list[str] | None = None


# ---------------------------------------------------------------- responses


class ListMeta(Meta):
    count: int


# The error envelope is the contract's own (schemas.py); the API documents it under these names.
ErrorOut = ErrorBody
ErrorEnvelopeOut = ErrorEnvelope


class DataEnvelope(BaseModel):
    success: Literal[True]
    data: dict[str, Any]
    meta: Meta


class ListEnvelope(BaseModel):
    success: Literal[True]
    data: list[dict[str, Any]]
    meta: ListMeta


class JobEnvelope(BaseModel):
    success: Literal[True]
    data: Job
    meta: Meta


class JobListEnvelope(BaseModel):
    success: Literal[True]
    data: list[Job]
    meta: ListMeta


class RateLimitOut(BaseModel):
    rpm: int
    concurrent_jobs: int


class UsageOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    plan: str
    credits_remaining: int
    credits_monthly: int
    is_trial: bool
    rate_limit: RateLimitOut
    balance: int
    period_used: int
    unlimited: bool


class UsageEnvelope(BaseModel):
    success: Literal[True]
    data: UsageOut
    meta: Meta


class DependencyOut(BaseModel):
    status: Literal["ok", "error", "unavailable"]
    latency_ms: float | None = None
    detail: str | None = None


class HealthOut(BaseModel):
    status: Literal["healthy", "degraded"]
    timestamp: str
    version: str
    uptime_seconds: float
    environment: str
    dependencies: dict[str, DependencyOut]


class HealthEnvelope(BaseModel):
    """200 healthy; 503 degraded also carries ``error`` (so clients read a code) besides ``data``."""

    success: bool
    data: HealthOut
    meta: Meta
    error: ErrorOut | None = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error envelope (and no FastAPI default 422 schema)."""
    desc = {401: "Missing or invalid API key", 402: "Not enough credits", 403: "Key lacks the scope",
            404: "Not found", 405: "Method not allowed", 409: "Conflict with the resource's state",
            422: "Request failed validation", 429: "Rate limit exceeded", 500: "Unexpected server error",
            503: "Service unavailable", 504: "Upstream timeout"}
    chosen = statuses or (401, 403, 404, 405, 409, 422, 429, 500)
    return {s: {"model": ErrorEnvelopeOut, "description": desc.get(s, "Error")} for s in chosen}


assert all(s in ERROR_STATUS.values() for s in (401, 402, 403, 404, 409, 422, 429, 500))

