"""The error envelope's shape is part of the contract: pin it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticError

from surveycoder_core.errors import (
    ERROR_STATUS,
    CreditsError,
    NoDataError,
    SurveyCoderError,
    ValidationError,
    from_pydantic,
)
from surveycoder_core.schemas import CodeRequest

SEED_CODES = ["VALIDATION_ERROR", "NO_DATA", "CODEBOOK_GENERATION_FAILED", "EMPTY_CODEBOOK", "CODING_FAILED",
              "GATEWAY_TIMEOUT", "QUEUE_UNAVAILABLE", "JOB_ALREADY_RUNNING", "UNAUTHORIZED", "INSUFFICIENT_CREDITS",
              "INSUFFICIENT_SCOPE", "RATE_LIMITED", "INTERNAL_ERROR"]


def test_envelope_shape_is_the_seeds() -> None:
    env = ValidationError("responses array is required and must not be empty").envelope(request_id="req-1")
    assert env == {
        "success": False,
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "responses array is required and must not be empty",
            "request_id": "req-1",
            "doc_url": "https://docs.surveycoder.io/errors/validation-error",
        },
    }


def test_envelope_without_request_id_omits_it() -> None:
    assert "request_id" not in NoDataError("nothing").envelope()["error"]


@pytest.mark.parametrize("code", SEED_CODES)
def test_every_seed_code_has_a_status(code: str) -> None:
    assert code in ERROR_STATUS
    assert SurveyCoderError("x", code=code).http_status == ERROR_STATUS[code]


def test_statuses_match_the_seed() -> None:
    assert ValidationError("x").http_status == 422
    assert CreditsError("x").http_status == 402
    assert SurveyCoderError("x", code="UNAUTHORIZED").http_status == 401
    assert SurveyCoderError("x", code="INSUFFICIENT_SCOPE").http_status == 403
    assert SurveyCoderError("x", code="RATE_LIMITED").http_status == 429
    assert SurveyCoderError("x").http_status == 500


def test_pydantic_errors_name_the_field() -> None:
    with pytest.raises(PydanticError) as info:
        CodeRequest.model_validate({"responses": [{"id": "a", "text": "x"}], "coding_type": "sentiment"})
    err = from_pydantic(info.value)
    assert err.code == "VALIDATION_ERROR" and "coding_type" in err.message
