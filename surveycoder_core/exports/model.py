"""What an export is made of: the questions, their codes, the responses and their assignments, and
the options a researcher picks (layout, which columns). Plain dataclasses, filled by the service
layer from the database and read by :mod:`surveycoder_core.exports.frames`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ExportCode:
    """One code of the codebook."""

    id: str
    name: str
    category: str
    code_number: int
    definition: str | None
    sentiment: str
    frequency: int


@dataclass
class ExportAssignment:
    """One code on one response, in mention order."""

    code_id: str
    sentiment: str
    confidence: str | None  # high|medium|low, None for a human's code
    score: float | None
    source: str  # "engine:embedded", "human:alice"


@dataclass
class ExportResponse:
    respondent_id: str
    text: str
    status: str  # coded | uncoded | no_data
    attributes: dict[str, Any]
    assignments: list[ExportAssignment]
    needs_review: bool
    review_reason: str | None
    reviewed: bool
    reviewed_by: str | None = None  # who made the human decision (blank while the engine's codes stand)


@dataclass
class ExportQuestion:
    project_id: str
    project_name: str
    question_id: str
    question_text: str
    codes: list[ExportCode]
    responses: list[ExportResponse]


@dataclass
class ExportOptions:
    layout: str = "wide_by_question"  # wide_by_question | columns_by_mention | binary_dummy | one_row_per_code
    include_categories: bool = True
    include_sentiment: bool = False
    include_confidence: bool = True
    include_demographics: bool = True
    include_code_dictionary: bool = True
