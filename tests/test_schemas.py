from __future__ import annotations

import pytest
from pydantic import ValidationError

from surveycoder_core.schemas import CodebookIn, CodeRequest, ResponseIn


def test_request_defaults_follow_the_seed() -> None:
    req = CodeRequest.model_validate({"responses": [{"id": "R1", "text": "hi"}]})
    assert req.coding_type == "qualitative" and req.language == "en" and req.codebook is None


def test_sdk_optional_fields_are_accepted() -> None:
    req = CodeRequest.model_validate({
        "responses": [{"id": "R1", "text": "hi"}], "question_text": "Why?", "project_name": "P",
        "country": "GB", "category": "API", "coding_guidance": "be strict"})
    assert req.question_text == "Why?" and req.country == "GB" and req.coding_guidance == "be strict"


@pytest.mark.parametrize("body, needle", [
    ({"responses": []}, "responses"),
    ({"responses": [{"id": str(i), "text": "x"} for i in range(10_001)]}, "responses"),
    ({"responses": [{"id": "A", "text": "x"}, {"id": "A", "text": "y"}]}, "'A'"),
    ({"responses": [{"id": "A", "text": "x"}], "coding_type": "nope"}, "coding_type"),
    ({"responses": [None]}, "responses"),
    ({"responses": [{"id": "A"}]}, "text"),
])
def test_bad_requests_are_refused(body: dict, needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        CodeRequest.model_validate(body)
    assert needle in str(info.value)


def test_codebook_in_the_seed_shape_with_examples() -> None:
    cb = CodebookIn.model_validate({"categories": [{"name": "Service", "codes": [
        {"name": "Friendly staff", "definition": "Staff were kind", "sentiment": "positive",
         "examples": ["lovely staff"]}, {"name": "Queues"}]}]})
    code = cb.categories[0].codes[0]
    assert code.sentiment == "Positive" and code.examples == ["lovely staff"]
    assert cb.categories[0].codes[1].sentiment == "Neutral"


def test_codebook_folds_a_repeated_code_name_into_one_code() -> None:
    cb = CodebookIn.model_validate({"categories": [
        {"name": "A", "codes": [{"name": "X", "definition": "first", "examples": ["e1"]}]},
        {"name": "B", "codes": [{"name": "x", "definition": "second", "examples": ["e2"]}, {"name": "Y"}]},
        {"name": "C", "codes": [{"name": "X"}]}]})
    assert [c.name for c in cb.categories] == ["A", "B"]
    x = cb.categories[0].codes[0]
    assert x.definition == "first / second" and x.examples == ["e1", "e2"]
    assert [c.name for c in cb.categories[1].codes] == ["Y"]


def test_numeric_ids_become_strings() -> None:
    assert ResponseIn.model_validate({"id": 17, "text": "x"}).id == "17"
