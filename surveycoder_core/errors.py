"""One error hierarchy for the whole product.

Every failure the core reports is a :class:`SurveyCoderError` carrying a seed error code
and its HTTP status. The API turns it into the seed's envelope, the CLI into a non-zero
exit and the envelope on stdout, and the app into a plain-words message.

Tree::

    SurveyCoderError                 (INTERNAL_ERROR 500 unless a code is given)
    ├── ValidationError              VALIDATION_ERROR 422
    ├── NoDataError                  NO_DATA 422
    ├── EmptyCodebookError           EMPTY_CODEBOOK 422
    ├── NotFoundError                NOT_FOUND 404
    ├── InvalidStateError            INVALID_STATE 409
    ├── ConflictError                ALREADY_CODING / JOB_ALREADY_RUNNING / STALE_EDIT 409
    ├── AuthError                    UNAUTHORIZED / AUTH_ERROR / KEY_REVOKED / KEY_EXPIRED 401,
    │                                INSUFFICIENT_SCOPE 403
    ├── CreditsError                 INSUFFICIENT_CREDITS / TRIAL_LIMIT_EXCEEDED / NEGATIVE_BALANCE 402
    ├── RateLimitedError             RATE_LIMITED 429 (carries retry_after seconds)
    ├── EngineError                  CODEBOOK_GENERATION_FAILED / CODING_FAILED 500,
    │                                GATEWAY_TIMEOUT 504, CONFIG_ERROR 500
    └── StorageError                 DB_ERROR 500
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schemas import ErrorBody, ErrorEnvelope

if TYPE_CHECKING:
    import pydantic
    from fastapi.exceptions import RequestValidationError

DOC_BASE = "https://docs.surveycoder.io/errors/"

#: Every error code either seed or the public docs name, with its HTTP status.
ERROR_STATUS: dict[str, int] = {
    "VALIDATION_ERROR": 422,
    "NO_DATA": 422,
    "EMPTY_CODEBOOK": 422,
    "UNAUTHORIZED": 401,
    "AUTH_ERROR": 401,
    "KEY_REVOKED": 401,
    "KEY_EXPIRED": 401,
    "NO_ORG": 401,
    "INSUFFICIENT_SCOPE": 403,
    "INSUFFICIENT_CREDITS": 402,
    "TRIAL_LIMIT_EXCEEDED": 402,
    "NEGATIVE_BALANCE": 402,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "ALREADY_CODING": 409,
    "INVALID_STATE": 409,
    "NOT_GROUPED": 409,
    "JOB_ALREADY_RUNNING": 409,
    "STALE_EDIT": 409,
    "RATE_LIMITED": 429,
    "CODEBOOK_GENERATION_FAILED": 500,
    "CODING_FAILED": 500,
    "INTERNAL_ERROR": 500,
    "CONFIG_ERROR": 500,
    "DB_ERROR": 500,
    "QUEUE_UNAVAILABLE": 503,
    "SPSS_SERVICE_ERROR": 503,
    "SERVICE_UNAVAILABLE": 503,
    "GATEWAY_TIMEOUT": 504,
}


def doc_url(code: str) -> str:
    return DOC_BASE + code.lower().replace("_", "-")


class SurveyCoderError(Exception):
    """Base error: a seed error code, a human message and the HTTP status that goes with it."""

    default_code = "INTERNAL_ERROR"

    def __init__(self, message: str, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.details = details

    @property
    def http_status(self) -> int:
        return ERROR_STATUS.get(self.code, 500)

    def envelope(self, request_id: str | None = None) -> dict[str, Any]:
        body = ErrorEnvelope(
            error=ErrorBody(
                code=self.code, message=self.message, request_id=request_id, doc_url=doc_url(self.code)
            )
        )
        return body.model_dump(exclude_none=True)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationError(SurveyCoderError):
    default_code = "VALIDATION_ERROR"


class NoDataError(SurveyCoderError):
    default_code = "NO_DATA"


class EmptyCodebookError(SurveyCoderError):
    default_code = "EMPTY_CODEBOOK"


class NotFoundError(SurveyCoderError):
    default_code = "NOT_FOUND"


class InvalidStateError(SurveyCoderError):
    default_code = "INVALID_STATE"


class ConflictError(SurveyCoderError):
    default_code = "JOB_ALREADY_RUNNING"


class AuthError(SurveyCoderError):
    default_code = "UNAUTHORIZED"


class CreditsError(SurveyCoderError):
    default_code = "INSUFFICIENT_CREDITS"


class RateLimitedError(SurveyCoderError):
    default_code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after = int(retry_after)


class EngineError(SurveyCoderError):
    default_code = "CODING_FAILED"


class StorageError(SurveyCoderError):
    default_code = "DB_ERROR"


def from_pydantic(exc: pydantic.ValidationError | RequestValidationError) -> ValidationError:
    """Turn a pydantic ValidationError (or FastAPI's request one) into ours, naming the field that failed.

    Only for those: callers catch ``pydantic.ValidationError``, never ``Exception`` (any other error
    has no ``errors()`` and is a bug to surface, not a 422).
    """
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = err.get("msg", "invalid value")
        msg = msg.removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    more = len(exc.errors()) - 5
    text = "; ".join(parts) + (f" (and {more} more problems)" if more > 0 else "")
    return ValidationError(text or "request body failed validation")


def plain_words(err: SurveyCoderError) -> str:
    """The message people see in the app: what went wrong, without the machine code up front."""
    return err.message
