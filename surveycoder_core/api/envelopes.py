"""The two envelopes every API response uses: success ``{success, data, meta}`` and the seed's error
envelope ``{success: false, error: {code, message, request_id, doc_url}}``.

Kept apart from the app factory so that the routes can build responses without importing the app
(which imports them).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from surveycoder_core.errors import RateLimitedError, SurveyCoderError
from surveycoder_core.schemas import API_VERSION

__all__ = ["envelope_response", "ok"]


def envelope_response(err: SurveyCoderError, request_id: str, headers: dict[str, str] | None = None,
                      status_code: int | None = None) -> JSONResponse:
    extra = dict(headers or {})
    if isinstance(err, RateLimitedError):
        extra["Retry-After"] = str(err.retry_after)
    return JSONResponse(err.envelope(request_id), status_code=status_code or err.http_status, headers=extra)


def ok(request: Request, data: Any, *, status_code: int = 200, headers: dict[str, str] | None = None,
       **meta: Any) -> JSONResponse:
    """The success envelope: ``{success: true, data, meta: {api_version, request_id, …}}``."""
    body = {"success": True, "data": data,
            "meta": {"api_version": API_VERSION, **meta, "request_id": request.state.request_id}}
    return JSONResponse(body, status_code=status_code, headers=headers)
