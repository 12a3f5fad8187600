"""The public contract: pydantic models that mirror POST /v2/code field for field.

Field names, enums and nesting follow the seed page for ``POST /v2/code``; fields the
pipeline page names (``needs_review``, ``review_reason``) and our own additions are
*additive* (new optional fields), never renames.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

API_VERSION = "v2"
MAX_RESPONSES = 10_000
MAX_VERBATIM_CHARS = 2_000
ASYNC_THRESHOLD = 50

# The contract's literals, written once: models, API bodies, argparse choices and checks use these
# (or the tuples of their values below).
CodingType = Literal["qualitative", "entity", "qualitative_topics"]
#: POST /v2/projects: the documented enum for projects (no ``qualitative_topics``).
ProjectCodingType = Literal["qualitative", "entity"]
Sentiment = Literal["Positive", "Negative", "Neutral", "Mixed"]
Confidence = Literal["high", "medium", "low"]
ResponseStatus = Literal["coded", "uncoded", "no_data"]
JobStatus = Literal["queued", "processing", "completed", "failed"]
JobType = Literal["codebook_generation", "auto_coding", "one_call"]
ExportLayout = Literal["wide_by_question", "columns_by_mention", "binary_dummy", "one_row_per_code"]
#: flagged: what the engine flagged; audit: the random audit sample; all: every codable response.
ReviewQueue = Literal["flagged", "audit", "all"]
AgreementQueue = Literal["all", "audit"]
ReviewDecision = Literal["accepted", "corrected"]

CODING_TYPES: tuple[str, ...] = get_args(CodingType)
JOB_STATUSES: tuple[str, ...] = get_args(JobStatus)
EXPORT_LAYOUTS: tuple[str, ...] = get_args(ExportLayout)
REVIEW_QUEUES: tuple[str, ...] = get_args(ReviewQueue)

#: Stable machine tokens for ``review_reason``; ``review_note`` carries the plain words.
REVIEW_REASONS = (
    "competing_aspects",
    "low_confidence",
    "no_code_fit",
    "mixed_sentiment",
    "too_long_truncated",
    "possible_duplicate_conflict",
)

SENTIMENTS: tuple[str, ...] = get_args(Sentiment)


def normalise_sentiment(value: Any) -> str:
    """Accept any casing of the four sentiments ('positive', 'NEGATIVE'); default Neutral."""
    if value is None or value == "":
        return "Neutral"
    text = str(value).strip().lower()
    for s in SENTIMENTS:
        if s.lower() == text:
            return s
    raise ValueError(f"sentiment must be one of {', '.join(SENTIMENTS)}, got {value!r}")


# ---------------------------------------------------------------- request


class ResponseIn(BaseModel):
    """One verbatim: the caller's id and the text."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, description="Unique respondent or response identifier.")
    text: str = Field(description="The verbatim open-ended response text.")
    # Ours (additive): respondent attributes kept for filters, crosstabs and exports.
    attributes: dict[str, Any] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_string(cls, v: Any) -> Any:
        # Spreadsheet ids arrive as ints; the contract is a string.
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return v.strip()
        return v


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    definition: str | None = None
    sentiment: Sentiment = "Neutral"
    # Ours (additive): verbatims a human already coded with this code; the engine learns from them.
    examples: list[str] = Field(default_factory=list)
    # Ours (additive): keep a code's id across waves when the caller has one.
    id: str | None = None

    @field_validator("sentiment", mode="before")
    @classmethod
    def _sentiment(cls, v: Any) -> str:
        return normalise_sentiment(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("code name must not be blank")
        return v


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    codes: list[CodeIn]


class CodebookIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    categories: list[CategoryIn]
    # Ours (additive): answers a human coded with none of these codes (an earlier wave's uncoded
    # answers); the engine learns from them what fits no code. No cap, like ``examples``.
    no_code_examples: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fold_repeated_code_names(self) -> CodebookIn:
        """A code name that appears twice (in two categories, as real codebooks do) is one code.

        Results name codes, not ids, so two codes with one name could not be told apart: the
        first keeps its place, later ones fold into it (definitions and examples kept).
        """
        first: dict[str, CodeIn] = {}
        for cat in self.categories:
            kept = []
            for code in cat.codes:
                key = code.name.casefold()
                if key not in first:
                    first[key] = code
                    kept.append(code)
                    continue
                target = first[key]
                if code.definition and code.definition != target.definition:
                    target.definition = (f"{target.definition} / {code.definition}" if target.definition
                                         else code.definition)
                target.examples = list(dict.fromkeys([*target.examples, *code.examples]))
            cat.codes = kept
        self.categories = [c for c in self.categories if c.codes]
        return self

    def code_count(self) -> int:
        return sum(len(c.codes) for c in self.categories)


class CodeRequest(BaseModel):
    """Body of POST /v2/code."""

    model_config = ConfigDict(extra="ignore")

    responses: list[ResponseIn] = Field(min_length=1, max_length=MAX_RESPONSES)
    coding_type: CodingType = "qualitative"
    language: str = "en"
    codebook: CodebookIn | None = None
    question_text: str | None = None
    project_name: str | None = None
    country: str | None = None
    category: str | None = None
    coding_guidance: str | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> CodeRequest:
        seen: set[str] = set()
        dupes: list[str] = []
        for r in self.responses:
            if r.id in seen and r.id not in dupes:
                dupes.append(r.id)
            seen.add(r.id)
        if dupes:
            shown = ", ".join(repr(d) for d in dupes[:5])
            more = f" (and {len(dupes) - 5} more)" if len(dupes) > 5 else ""
            raise ValueError(f"response ids must be unique; duplicated: {shown}{more}")
        return self


# ---------------------------------------------------------------- result


class CodeOut(BaseModel):
    id: str
    name: str
    sentiment: Sentiment
    code_number: int
    frequency: int
    # Ours (additive).
    definition: str | None = None


class CategoryOut(BaseModel):
    id: str
    name: str
    codes: list[CodeOut]


class AssignedCode(BaseModel):
    name: str
    sentiment: Sentiment
    confidence: Confidence
    # Ours (additive): the calibrated probability behind ``confidence`` and the code's id.
    score: float | None = None
    code_id: str | None = None


class ResultItem(BaseModel):
    id: str
    codes: list[AssignedCode]
    needs_review: bool = False
    review_reason: str | None = None
    # Ours (additive): plain-words explanation and what happened to the response.
    review_note: str | None = None
    status: ResponseStatus = "coded"


class CodeResultData(BaseModel):
    codebook: list[CategoryOut]
    results: list[ResultItem]
    credits_used: int
    project_id: str
    question_id: str


class Meta(BaseModel):
    model_config = ConfigDict(extra="allow")

    api_version: str = API_VERSION


class SyncMeta(Meta):
    mode: Literal["sync"] = "sync"


class CodeResponseSync(BaseModel):
    success: Literal[True] = True
    data: CodeResultData
    meta: SyncMeta = Field(default_factory=SyncMeta)


class AsyncAcceptedData(BaseModel):
    model_config = ConfigDict(extra="allow")

    job_id: str
    status: Literal["queued"] = "queued"
    estimated_seconds: int


class AsyncMeta(Meta):
    mode: Literal["async"] = "async"
    poll_url: str


class CodeResponseAsync(BaseModel):
    success: Literal[True] = True
    data: AsyncAcceptedData
    meta: AsyncMeta


class JobProgress(BaseModel):
    processed: int
    total: int
    percentage: int


class JobError(BaseModel):
    code: str
    message: str


class Job(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    type: JobType
    status: JobStatus
    progress: JobProgress
    created_at: str
    updated_at: str
    result: dict[str, Any] | None = None
    error: JobError | None = None
    # Ours (additive): where the work stands, for progress displays.
    stage: str | None = None
    project_id: str | None = None
    question_id: str | None = None
    partial_result: dict[str, Any] | None = None
    failed_response_indices: list[int] | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str | None = None
    doc_url: str | None = None


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    error: ErrorBody
