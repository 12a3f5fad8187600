"""The HTTP API, compatible with the Survey Coder Pro API (and its official ``surveycoder`` SDK).

``create_app`` builds the FastAPI app; ``surveycoder serve`` runs it under uvicorn. Routes live in
``routes_code`` (coding, jobs), ``routes_data`` (exports, refinement, projects),
``routes_review`` (the review queue, decisions, agreement, recoding) and ``routes_meta``
(usage, health, webhooks, docs). Every route is a thin call into the service
layer; this module holds what applies to every request:

* ``X-Request-Id`` echoed (or a generated UUID) on every response and in ``error.request_id``;
* the ``x-api-key`` check and the scope check (GET = read, everything else = write);
* per-key rate limits counted in the database (shared by every server process on it), with
  ``X-RateLimit-*`` headers on every response, 429 + integer ``Retry-After``;
* ``Idempotency-Key`` replays on POST;
* every error — ours, FastAPI's 404/405/422, bad JSON, unhandled exceptions — as the seed's
  envelope ``{success: false, error: {code, message, request_id, doc_url}}``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from surveycoder_core.api.envelopes import envelope_response, ok
from surveycoder_core.errors import (
    ERROR_STATUS,
    InvalidStateError,
    SurveyCoderError,
    ValidationError,
    from_pydantic,
)
from surveycoder_core.service import access, projects, system

log = logging.getLogger(__name__)

#: Paths served without a key (health checks, the docs page and the OpenAPI document).
PUBLIC_PATHS = {"/health", "/docs", "/openapi.json", "/"}
MAX_REQUEST_ID = 255
#: How long a retry waits for the first request with the same Idempotency-Key before a 409.
IDEMPOTENCY_WAIT_SECONDS = 60.0


def _request_id(request: Request) -> str:
    given = (request.headers.get("x-request-id") or "").strip()
    if given and len(given) <= MAX_REQUEST_ID and given.isprintable():
        return given
    return str(uuid.uuid4())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class ApiMiddleware(BaseHTTPMiddleware):
    """Request id, key, rate limit, scope and idempotency around every request."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        rid = _request_id(request)
        request.state.request_id = rid
        request.state.api_key = None
        state = request.app.state
        limiter: access.RateLimiter = state.limiter
        quota: access.Quota | None = None
        extra: dict[str, str] = {}
        try:
            if request.url.path in PUBLIC_PATHS:
                quota = await run_in_threadpool(access.peek_anonymous, limiter, _client(request))
                response = await call_next(request)
            else:
                # The key check and the count against its limit: one trip to the thread pool.
                key, quota = await run_in_threadpool(partial(access.admit, request.headers.get("x-api-key"),
                                                             _client(request), limiter=limiter,
                                                             db_path=state.db_path))
                access.check_scope(key, request.method)
                request.state.api_key = key
                idem_key = request.headers.get("idempotency-key")
                if idem_key is not None and request.method == "POST":
                    response = await self._idempotent(request, call_next, key["id"], idem_key)
                    extra["X-Idempotent-Replay"] = response.headers.get("X-Idempotent-Replay", "false")
                else:
                    response = await call_next(request)
        except SurveyCoderError as err:
            if isinstance(err.details.get("quota"), access.Quota):
                quota = err.details["quota"]
            response = envelope_response(err, rid)
        except Exception:  # never a bare 500: the SDK parses every body as JSON
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            response = envelope_response(SurveyCoderError("Unexpected server error", code="INTERNAL_ERROR"), rid)
        response.headers["X-Request-Id"] = rid
        if quota is not None:
            for name, value in quota.headers().items():
                response.headers[name] = value
        for name, value in extra.items():
            response.headers[name] = value
        return response

    @staticmethod
    async def _begin_or_wait(db_path: str, key_id: str, idem_key: str, digest: str) -> Any:
        """A retry that overtakes the first request (the SDK retries on a read timeout) waits for its answer."""
        deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
        while True:
            try:
                return await run_in_threadpool(partial(access.begin_idempotent, key_id, idem_key, digest,
                                                       db_path=db_path))
            except InvalidStateError:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(0.25)

    async def _idempotent(self, request: Request, call_next: RequestResponseEndpoint, key_id: str,
                          idem_key: str) -> Response:
        db_path = request.app.state.db_path
        body = await request.body()
        digest = access.request_digest(request.method, request.url.path, body)
        begun = await self._begin_or_wait(db_path, key_id, idem_key, digest)
        if isinstance(begun, access.Cached):
            headers = dict(begun.headers) | {"X-Idempotent-Replay": "true"}
            return Response(content=begun.body.encode("utf-8"), status_code=begun.status_code, headers=headers)
        try:
            response = await call_next(request)
            chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        except BaseException:
            await run_in_threadpool(partial(access.finish_idempotent, key_id, idem_key, 500, b"", {},
                                            db_path=db_path))
            raise
        content = b"".join(c if isinstance(c, bytes) else c.encode("utf-8") for c in chunks)
        headers = {k.lower(): v for k, v in response.headers.items()}
        await run_in_threadpool(partial(access.finish_idempotent, key_id, idem_key, response.status_code, content,
                                        headers, db_path=db_path))
        return Response(content=content, status_code=response.status_code, headers=dict(response.headers))


# ---------------------------------------------------------------- error handlers


def _validation_message(exc: RequestValidationError) -> SurveyCoderError:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            detail = (err.get("ctx") or {}).get("error")
            return ValidationError(f"Invalid JSON: {detail}" if detail else "Invalid JSON")
        loc = tuple(err.get("loc", ()))
        if loc == ("body",) and err.get("type") == "missing":
            return ValidationError("request body is required (JSON)")
        if loc == ("body", "responses") and err.get("type") in ("missing", "too_short"):
            return ValidationError("responses array is required and must not be empty")
        if loc == ("body", "responses") and err.get("type") == "too_long":
            return ValidationError("responses: at most 10,000 responses per request")
    return from_pydantic(exc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SurveyCoderError)
    async def _ours(request: Request, exc: SurveyCoderError) -> JSONResponse:
        return envelope_response(exc, request.state.request_id)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope_response(_validation_message(exc), request.state.request_id)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            err = SurveyCoderError(f"Route not found: {request.method} {request.url.path}", code="NOT_FOUND")
        elif exc.status_code == 400:
            # FastAPI's "error parsing the body" (e.g. bytes that are not UTF-8): bad JSON, the seed's 422.
            return envelope_response(ValidationError(f"Invalid JSON: {exc.detail}"), request.state.request_id)
        elif exc.status_code == 405:
            err = SurveyCoderError(f"Method {request.method} not allowed on {request.url.path}",
                                   code="METHOD_NOT_ALLOWED")
            allowed = _allowed_methods(request)
            if allowed:
                headers = {"Allow": ", ".join(allowed)}
                return envelope_response(err, request.state.request_id, headers=headers, status_code=405)
        else:
            code = next((c for c, s in ERROR_STATUS.items() if s == exc.status_code), "INTERNAL_ERROR")
            err = SurveyCoderError(str(exc.detail), code=code)
        return envelope_response(err, request.state.request_id, headers=dict(exc.headers or {}),
                                 status_code=exc.status_code)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API serves on this path (Starlette's own Allow names only the first route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


# ---------------------------------------------------------------- the app


def create_app(db_path: str | Path | None = None, start_worker: bool = True) -> FastAPI:
    """The API on the database at ``db_path`` (default ``$SURVEYCODER_DB``), with an in-process
    job worker unless ``start_worker`` is False (then run ``surveycoder worker`` beside it)."""
    from surveycoder_core.api import (
        routes_code as api_routes_code,
    )
    from surveycoder_core.api import (
        routes_data as api_routes_data,
    )
    from surveycoder_core.api import (
        routes_legacy as api_routes_legacy,
    )
    from surveycoder_core.api import (
        routes_meta as api_routes_meta,
    )
    from surveycoder_core.api import (
        routes_review as api_routes_review,
    )

    resolved = str(db_path or projects.default_db_path())
    app = FastAPI(
        title="SurveyCoder API (Survey Coder Pro compatible)", version=api_routes_meta.VERSION,
        description="Self-hosted coding of open-ended survey responses. Authenticate with the `x-api-key` header.",
        docs_url=None, redoc_url=None,  # FastAPI's pages load JS from a CDN: /docs is served offline instead
    )
    app.state.db_path = resolved
    app.state.limiter = access.rate_limiter(resolved)  # counters in the database: shared by every process
    app.state.started = time.time()
    app.state.start_worker = start_worker
    app.state.worker = system.start_server(resolved, start_worker=start_worker)  # migrates now, not later
    app.add_middleware(ApiMiddleware)
    install_error_handlers(app)
    app.include_router(api_routes_code.router)
    app.include_router(api_routes_data.router)
    app.include_router(api_routes_review.router)
    app.include_router(api_routes_meta.router)
    app.include_router(api_routes_legacy.router)
    return app


__all__ = ["create_app", "envelope_response", "ok"]
